# -*- coding: utf-8 -*-
"""Lenient HTML -> xdom tree, with the fix-ups of libxml2's HTML parser (what lxml.html uses).

Relies on libxml2's HTMLparser.c behaviour: implied html/head/body (title, meta, link, style,
script, base before any body content go to head); void elements; start tags that close the open
element (`<p>` by block starts, `<li>` by `<li>`, cells and rows); end tags that close up to their
match unless a higher-priority element is in between (div 150, td/th 160, tr 170, thead/tbody/tfoot
180, table 190, head/body 200, html 220, others 100), unmatched end tags ignored; whitespace-only text kept wherever an element is open (lxml parses with keepBlanks), dropped
before `<html>` and after `</html>`, and never opening a body; no tbody insertion. Also
`lxml.html.fromstring`'s choice of the returned element (the `html` root for a full document, the
single body child for a fragment, else the body renamed `div`/`span`).
"""
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from .xdom import VOID, Comment, Element

HEAD_TAGS = frozenset(['title', 'meta', 'link', 'style', 'script', 'base', 'noscript'])
ALLOW_PCDATA = frozenset([
    'a', 'abbr', 'acronym', 'address', 'applet', 'b', 'bdo', 'big', 'blockquote', 'body', 'button',
    'caption', 'center', 'cite', 'code', 'dd', 'del', 'dfn', 'div', 'dt', 'em', 'font', 'form', 'h1',
    'h2', 'h3', 'h4', 'h5', 'h6', 'i', 'iframe', 'ins', 'kbd', 'label', 'legend', 'li', 'map', 'menu',
    'object', 'ol', 'p', 'pre', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'td', 'th',
    'tt', 'u', 'ul', 'var'])
BLOCK_CLOSES_P = frozenset([
    'address', 'article', 'aside', 'blockquote', 'center', 'dir', 'div', 'dl', 'fieldset', 'figure',
    'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'listing', 'main', 'menu',
    'nav', 'ol', 'p', 'pre', 'section', 'table', 'ul', 'xmp', 'li', 'dd', 'dt', 'noscript'])
CLOSED_BY = {
    'a': frozenset(['a']),
    'form': frozenset(['form']),
    'li': frozenset(['li']),
    'dt': frozenset(['dt', 'dd']),
    'dd': frozenset(['dt', 'dd']),
    'option': frozenset(['option']),
    'tr': frozenset(['tr', 'td', 'th']),
    'td': frozenset(['td', 'th']),
    'th': frozenset(['td', 'th']),
    'thead': frozenset(['tr', 'td', 'th', 'thead', 'tbody', 'tfoot']),
    'tbody': frozenset(['tr', 'td', 'th', 'thead', 'tbody', 'tfoot']),
    'tfoot': frozenset(['tr', 'td', 'th', 'thead', 'tbody', 'tfoot']),
}
END_PRIORITY = {'div': 150, 'td': 160, 'th': 160, 'tr': 170, 'thead': 180, 'tbody': 180, 'tfoot': 180,
                'table': 190, 'head': 200, 'body': 200, 'html': 220}
BLOCK_TAGS = frozenset(['address', 'blockquote', 'center', 'dir', 'div', 'dl', 'fieldset', 'form', 'h1', 'h2',
                        'h3', 'h4', 'h5', 'h6', 'hr', 'menu', 'noframes', 'noscript', 'ol', 'p', 'pre', 'table',
                        'ul', 'dd', 'dt', 'frameset', 'li', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr'])


def _priority(tag):
    return END_PRIORITY.get(tag, 100)


class TreeBuilder(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.html = None
        self.head = None
        self.body = None
        self.stack = []
        self.body_closed = False
        self.html_closed = False

    # -- structure -------------------------------------------------------------------------
    def ensure_html(self):
        if self.html is None:
            self.html = Element('html')
            self.stack = [self.html]
        elif not self.stack:
            self.stack = [self.html]

    def ensure_head(self):
        self.ensure_html()
        if self.head is None and self.body is None:
            self.head = Element('head')
            self.html._add(self.head)
            self.stack.append(self.head)

    def reopen_after_html(self):
        """libxml2: content after `</html>` goes into a new implied `html` inside the root."""
        extra = Element('html')
        self.html._add(extra)
        self.stack = [self.html, extra]
        self.html_closed = False

    def ensure_body(self):
        if self.html_closed:
            self.reopen_after_html()
            return
        self.ensure_html()
        if self.body is None:
            while len(self.stack) > 1:
                self.stack.pop()
            self.body = Element('body')
            self.html._add(self.body)
            self.stack.append(self.body)
        elif self.body_closed or not self.stack or self.stack[-1] is self.html or self.stack[-1] is self.head:
            self.stack = [self.html, self.body]
            self.body_closed = False

    @property
    def current(self):
        return self.stack[-1]

    def append(self, el):
        self.current._add(el)

    # -- parser callbacks ------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        attrib = {}
        for k, v in attrs:
            if k not in attrib:
                attrib[k] = k if v is None else v  # libxml2: a bare attribute's value is its name
        if tag == 'html':
            self.ensure_html()
            for k, v in attrib.items():
                self.html.attrib.setdefault(k, v)
            return
        if tag == 'head':
            if self.head is None and self.body is None:
                self.ensure_head()
                self.head.attrib.update(attrib)
            return
        if tag == 'body':
            had = self.body is not None
            self.ensure_body()
            if not had:
                self.body.attrib.update(attrib)
            return
        if tag in HEAD_TAGS and self.body is None:
            self.ensure_head()
            if self.current is not self.head:
                pass
        else:
            self.ensure_body()
        self.auto_close(tag)
        el = Element(tag, attrib)
        self.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def auto_close(self, tag):
        while len(self.stack) > 2:
            cur = self.current.tag
            if cur == 'p' and tag in BLOCK_CLOSES_P:
                self.stack.pop()
            elif cur in CLOSED_BY.get(tag, ()):
                self.stack.pop()
            else:
                break

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.current.tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if tag in ('html', 'body'):
            if self.body is not None:
                self.body_closed = True
                while len(self.stack) > 1:
                    self.stack.pop()
                if tag == 'html':
                    self.stack = []
                    self.html_closed = True
            return
        if tag == 'head':
            if self.head is not None and self.head in self.stack:
                while self.stack[-1] is not self.head:
                    self.stack.pop()
                self.stack.pop()
            return
        idx = None
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                idx = i
                break
        if idx is None:
            return
        for el in self.stack[idx + 1:]:
            if _priority(el.tag) > _priority(tag):
                return
        del self.stack[idx:]

    def handle_data(self, data):
        if not data:
            return
        if not data.strip(' \t\r\n'):
            # libxml2 (lxml keeps blanks) appends blank text to the current node, if any.
            if self.html is None or not self.stack:
                return
        else:
            if self.html is None:
                data = data.lstrip(' \t\r\n')  # blanks before any node are skipped
            if self.html_closed:
                self.reopen_after_html()
                self.open_p()
            elif self.html is None or self.body_closed or not self.stack or self.current is self.html \
                    or self.current is self.head:
                # htmlCheckParagraph: text with no open element, or in html/head, opens body and a <p>.
                self.ensure_body()
                self.open_p()
        cur = self.current
        if cur._children:
            last = cur._children[-1]
            last.tail = (last.tail or '') + data
        else:
            cur.text = (cur.text or '') + data

    def open_p(self):
        self.auto_close('p')
        p = Element('p')
        self.append(p)
        self.stack.append(p)

    def handle_comment(self, data):
        if self.html is None or not self.stack:
            return
        self.append(Comment(data))

    def handle_decl(self, decl):
        pass

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass


RAW_OR_AMP = re.compile(r'(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->)|'
                        r'&(?![A-Za-z][A-Za-z0-9]*;|#[0-9]+|#[xX][0-9a-fA-F]+)', re.S | re.I)


def protect_bare_ampersands(text):
    """libxml2 decodes `&name;` only with its semicolon (`&copy=4` stays literal), while Python's
    html.unescape also takes legacy names without one: escape those ampersands first (outside
    script/style/comments, which are never unescaped)."""
    return RAW_OR_AMP.sub(lambda m: m.group(1) if m.group(1) else '&amp;', text)


def parse_document(text):
    b = TreeBuilder()
    b.feed(protect_bare_ampersands(text))
    b.close()
    b.ensure_html()
    return b


FULL_HTML = re.compile(r'^\s*<(?:html|!doctype)', re.I)


class ParserError(Exception):
    """lxml.etree.ParserError's counterpart."""


def fromstring(text):
    """lxml.html.fromstring: the html root for a full document (or one without a body), else the
    fragment's single element, else the body renamed `div`/`span`. Empty input: ParserError."""
    if not text.strip():
        raise ParserError('Document is empty')
    b = parse_document(text)
    if FULL_HTML.match(text):
        return b.html
    body = b.body
    if body is None:
        return b.html
    if len(body) == 1 and not (body.text or '').strip() and not (body[-1].tail or '').strip():
        return body[0]
    body.tag = 'div' if any(el.tag in BLOCK_TAGS for el in body.iter()) else 'span'
    body._touch()
    return body


def xml_fromstring(text):
    """XML via the stdlib expat parser, converted to xdom (namespaced names kept as `{uri}local`)."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(text.encode('utf-8') if isinstance(text, str) else text, parser=parser)

    def convert(e):
        out = Comment(e.text) if e.tag is ET.Comment else Element(e.tag, e.attrib)
        if e.tag is not ET.Comment:
            out.text = e.text
        for c in e:
            out.append(convert(c))
        out.tail = e.tail
        return out

    top = convert(root)
    top.tail = None
    return top
