# -*- coding: utf-8 -*-
"""`HTML`, `XML` and `JSON` kits.

Relies on: inside Plex, `HTML.ElementFromURL/ElementFromString` return lxml.html elements
(`.xpath()`, `.text_content()`...), `XML.*` lxml.etree elements, and `JSON.ObjectFromURL` the
decoded JSON of `HTTP.Request(url).content`. Here lxml is used when importable (e.g. Debian's
python3-lxml under /usr/bin/python3); otherwise the built-in engine (`xdom` + `xpath`), an
lxml.html-compatible tree with a complete XPath 1.0. `PLEXMEND_XPATH_ENGINE=builtin|lxml|auto`.
"""
import json
import os
import re

ENGINE = os.environ.get('PLEXMEND_XPATH_ENGINE', 'auto')
lxml_html = None
lxml_etree = None
if ENGINE in ('auto', 'lxml'):
    try:
        import lxml.etree as lxml_etree  # noqa: F811
        import lxml.html as lxml_html  # noqa: F811
    except ImportError:
        if ENGINE == 'lxml':
            raise
        lxml_html = None
        lxml_etree = None

if lxml_html is None:
    from . import xdom


def engine_name():
    return 'lxml' if lxml_html is not None else 'builtin'


XML_DECL = re.compile(r'^\s*<\?xml[^>]*\?>')
META_CHARSET = re.compile(br'<meta[^>]+charset=["\']?([A-Za-z0-9_\-]+)', re.I)


def decode_html(data, charset=None):
    """Bytes -> text: the HTTP charset, else a <meta charset>, else UTF-8 (replacing bad bytes)."""
    if isinstance(data, str):
        return data
    if not charset:
        m = META_CHARSET.search(data[:4096])
        charset = m.group(1).decode('ascii') if m else 'utf-8'
    try:
        return data.decode(charset, 'replace')
    except LookupError:
        return data.decode('utf-8', 'replace')


def html_fromstring(data, charset=None):
    text = XML_DECL.sub('', decode_html(data, charset), count=1)
    if lxml_html is not None:
        return lxml_html.fromstring(text)
    return xdom.html_fromstring(text)


def xml_fromstring(data):
    if lxml_etree is not None:
        if isinstance(data, str):
            data = data.encode('utf-8')
        return lxml_etree.fromstring(data)
    if isinstance(data, bytes):
        data = data.decode('utf-8', 'replace')
    return xdom.xml_fromstring(data)


def tostring(el, method='html', encoding=None):
    if lxml_html is not None:
        out = lxml_html.tostring(el, method=method, encoding='unicode')
    else:
        out = xdom.tostring(el, method=method)
    return out


class _URLKit(object):
    def __init__(self, http):
        self._http = http

    def _get(self, url, values=None, headers={}, cacheTime=None, encoding=None, errors=None, timeout=None,
             sleep=0, follow_redirects=True, method=None, **kwargs):
        return self._http.Request(url, values=values, headers=headers, cacheTime=cacheTime, timeout=timeout,
                                  sleep=sleep, follow_redirects=follow_redirects, method=method)


class HTMLKit(_URLKit):
    def ElementFromURL(self, url, *args, **kwargs):
        resp = self._get(url, *args, **kwargs)
        return html_fromstring(resp.raw, resp.charset)

    def ElementFromString(self, s, **kwargs):
        return html_fromstring(s)

    def StringFromElement(self, el, encoding='utf8'):
        return tostring(el)


class XMLKit(_URLKit):
    def ElementFromURL(self, url, *args, **kwargs):
        return xml_fromstring(self._get(url, *args, **kwargs).raw)

    def ElementFromString(self, s, **kwargs):
        return xml_fromstring(s)

    def StringFromElement(self, el, encoding='utf8'):
        return tostring(el, method='xml')

    def ObjectFromURL(self, url, *args, **kwargs):
        return self.ElementFromURL(url, *args, **kwargs)

    def ObjectFromString(self, s):
        return self.ElementFromString(s)


class JSONKit(_URLKit):
    def ObjectFromURL(self, url, *args, **kwargs):
        return json.loads(self._get(url, *args, **kwargs).content)

    def ObjectFromString(self, s, encoding=None):
        return json.loads(s)

    def StringFromObject(self, obj):
        return json.dumps(obj)
