# -*- coding: utf-8 -*-
"""The `HTTP` kit: requests with the framework's headers, cache, errors and log lines.

Relies on (reference pgma §3.5): every request logs DEBUG `(networking:144) Requesting '<url>'`;
every failed one logs ERROR `(networking:197) Error opening URL '<url>'` and raises urllib's
HTTPError (`HTTP Error 403: Forbidden`) or URLError; `HTTP.Headers` go out on every request;
`HTTP.CacheTime` / `cacheTime=` keep GET responses on disk (`Plug-in Support/Caches/<id>/`);
`HTTP.ClearCache()` empties it; `sleep=` waits after the request; cookies a site sets are sent back
on later requests (the framework keeps an HTTP cookie jar; kept in memory here).

Host resolution: the host passes `PLEXMEND_HOST_MAP` = {"host" or "host:port": "127.0.0.1:port"}.
A mapped URL is sent to the mapped address with its original Host header and full URL, like an
/etc/hosts entry; `https` URLs are served by the plain-HTTP loopback site (no TLS in the sandbox).
Loopback hosts (127.0.0.1, localhost) not in the map are used as they are; any other host fails
like a DNS miss (`<urlopen error [Errno -2] Name or service not known>`): the sandbox never
reaches the internet.
"""
import gzip
import hashlib
import http.client
import http.cookiejar
import io
import json
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from . import logkit

CACHE_1MINUTE = 60
CACHE_1HOUR = 3600
CACHE_1DAY = 86400
CACHE_1WEEK = 604800
CACHE_1MONTH = 2592000
DEFAULT_TIMEOUT = 20.0
DEFAULT_USER_AGENT = 'Python-urllib/2.7'  # urllib2's default, what the framework sends unless told
MAX_REDIRECTS = 10


class Headers(dict):
    """Response headers: lower-case keys, case-insensitive lookups (`headers['Content-Type']`)."""

    def __init__(self, items=()):
        dict.__init__(self, ((k.lower(), v) for k, v in dict(items).items()))

    def __getitem__(self, key):
        return dict.__getitem__(self, key.lower())

    def get(self, key, default=None):
        return dict.get(self, key.lower(), default)

    def __contains__(self, key):
        return dict.__contains__(self, key.lower())


class HTTPResponse(object):
    """What `HTTP.Request` returns: `.content` (str), `.headers` (dict), `.status_code`, `.url`."""

    def __init__(self, url, status, headers, body):
        self.url = url
        self.status_code = status
        self.headers = Headers(headers)
        self._body = body

    @property
    def charset(self):
        ctype = self.headers.get('content-type', '')
        if 'charset=' in ctype:
            return ctype.split('charset=')[-1].split(';')[0].strip().strip('"') or None
        return None

    @property
    def content(self):
        charset = self.charset or 'utf-8'
        try:
            return self._body.decode(charset, 'replace')
        except LookupError:
            return self._body.decode('utf-8', 'replace')

    @property
    def raw(self):
        return self._body

    def load(self):
        return self

    def __str__(self):
        return self.content

    def __len__(self):
        return len(self._body)


class _JarResponse(object):
    """What http.cookiejar needs from a response: `info()` with the headers."""

    def __init__(self, msg):
        self._msg = msg

    def info(self):
        return self._msg


class HTTPKit(object):
    """The `HTTP` global. One per plug-in process; safe to use from several request threads."""

    def __init__(self, cache_dir, host_map, sleep_scale=0.0):
        self.Headers = {}
        self.CacheTime = 0
        self._cache_dir = cache_dir
        self._host_map = host_map
        self._sleep_scale = sleep_scale
        self._lock = threading.Lock()
        self._cookies = http.cookiejar.CookieJar()
        self.default_timeout = DEFAULT_TIMEOUT

    # -- public framework API -------------------------------------------------------------
    def SetCacheTime(self, t):
        self.CacheTime = t

    def ClearCache(self):
        with self._lock:
            if os.path.isdir(self._cache_dir):
                shutil.rmtree(self._cache_dir, ignore_errors=True)

    def Request(self, url, values=None, headers={}, cacheTime=None, encoding=None, errors=None,
                timeout=None, immediate=False, sleep=0, data=None, follow_redirects=True,
                method=None):
        body = None
        if values is not None:
            body = urllib.parse.urlencode(values).encode('utf-8')
        elif data is not None:
            body = data.encode('utf-8') if isinstance(data, str) else data
        if method is None:
            method = 'POST' if body is not None else 'GET'
        all_headers = dict(self.Headers)
        all_headers.update(headers or {})
        cache_time = self.CacheTime if cacheTime is None else cacheTime
        cacheable = method == 'GET' and body is None and cache_time and cache_time > 0
        key = self._cache_key(url)
        if cacheable:
            hit = self._cache_read(key, cache_time)
            if hit is not None:
                logkit.current.debug('networking', 142, "Fetching '%s' from the HTTP cache" % url)
                return hit
        logkit.current.debug('networking', 144, "Requesting '%s'" % url)
        try:
            resp = self._fetch(url, method, body, all_headers,
                               self.default_timeout if timeout is None else timeout, follow_redirects)
        except Exception:
            logkit.current.error('networking', 197, "Error opening URL '%s'" % url)
            raise
        finally:
            if sleep and self._sleep_scale > 0:
                time.sleep(float(sleep) * self._sleep_scale)
        if cacheable:
            self._cache_write(key, resp)
        return resp

    def RandomizeUserAgent(self, browser=None):
        self.Headers['User-Agent'] = ('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) '
                                      'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15')

    def CookiesForURL(self, url):
        req = urllib.request.Request(url)
        self._cookies.add_cookie_header(req)
        return req.get_header('Cookie')

    def ClearCookies(self):
        self._cookies.clear()

    # -- transport -------------------------------------------------------------------------
    def _resolve(self, parts):
        """Return (connect_host, connect_port) for a URL, applying the host map."""
        host = parts.hostname or ''
        port = parts.port or (443 if parts.scheme == 'https' else 80)
        for key in ('%s:%d' % (host, port), host):
            target = self._host_map.get(key)
            if target:
                h, _, p = target.rpartition(':')
                return h or '127.0.0.1', int(p)
        if host in ('127.0.0.1', 'localhost', '::1'):
            return host, port
        raise urllib.error.URLError(socket.gaierror(-2, 'Name or service not known'))

    def _fetch(self, url, method, body, headers, timeout, follow_redirects):
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(current)
            if parts.scheme not in ('http', 'https'):
                raise urllib.error.URLError('unknown url type: %s' % parts.scheme)
            chost, cport = self._resolve(parts)
            path = urllib.parse.urlunsplit(('', '', parts.path or '/', parts.query, ''))
            send = {'Host': parts.netloc, 'User-Agent': DEFAULT_USER_AGENT,
                    'Accept-Encoding': 'gzip', 'Connection': 'close'}
            send.update(headers)
            if body is not None and 'Content-Type' not in send:
                send['Content-Type'] = 'application/x-www-form-urlencoded'
            jar_req = urllib.request.Request(current)
            self._cookies.add_cookie_header(jar_req)
            if jar_req.get_header('Cookie') and 'Cookie' not in send:
                send['Cookie'] = jar_req.get_header('Cookie')
            conn = http.client.HTTPConnection(chost, cport, timeout=timeout)
            try:
                try:
                    conn.request(method, path, body=body, headers=send)
                except socket.timeout as e:
                    raise urllib.error.URLError(e)
                except (ConnectionError, OSError) as e:
                    raise urllib.error.URLError(e)
                res = conn.getresponse()
                raw = res.read()
                status, reason = res.status, res.reason
                hdrs = dict((k.lower(), v) for k, v in res.getheaders())
                self._cookies.extract_cookies(_JarResponse(res.msg), jar_req)
            finally:
                conn.close()
            if hdrs.get('content-encoding') == 'gzip':
                raw = gzip.GzipFile(fileobj=io.BytesIO(raw)).read()
            if follow_redirects and status in (301, 302, 303, 307, 308) and 'location' in hdrs:
                current = urllib.parse.urljoin(current, hdrs['location'])
                if status == 303 or (status in (301, 302) and method == 'POST'):
                    method, body = 'GET', None
                continue
            if status < 200 or status >= 300:
                msg = reason or http.client.responses.get(status, '')
                raise urllib.error.HTTPError(current, status, msg, hdrs, io.BytesIO(raw))
            return HTTPResponse(current, status, hdrs, raw)
        raise urllib.error.HTTPError(url, 310, 'Too many redirects', {}, io.BytesIO(b''))

    # -- cache -------------------------------------------------------------------------------
    def _cache_key(self, url):
        return hashlib.sha1(url.encode('utf-8')).hexdigest()

    def _cache_read(self, key, max_age):
        meta_path = os.path.join(self._cache_dir, 'HTTP', key + '.json')
        try:
            with open(meta_path, 'r') as f:
                meta = json.load(f)
            if time.time() - meta['time'] > max_age:
                return None
            with open(os.path.join(self._cache_dir, 'HTTP', key + '.body'), 'rb') as f:
                body = f.read()
        except (IOError, OSError, ValueError, KeyError):
            return None
        return HTTPResponse(meta['url'], meta['status'], meta['headers'], body)

    def _cache_write(self, key, resp):
        folder = os.path.join(self._cache_dir, 'HTTP')
        with self._lock:
            try:
                if not os.path.isdir(folder):
                    os.makedirs(folder)
                tmp = os.path.join(folder, key + '.body.tmp%d' % threading.get_ident())
                with open(tmp, 'wb') as f:
                    f.write(resp.raw)
                os.replace(tmp, os.path.join(folder, key + '.body'))
                meta = {'url': resp.url, 'status': resp.status_code, 'headers': resp.headers,
                        'time': time.time()}
                tmp = os.path.join(folder, key + '.json.tmp%d' % threading.get_ident())
                with open(tmp, 'w') as f:
                    json.dump(meta, f)
                os.replace(tmp, os.path.join(folder, key + '.json'))
            except (IOError, OSError):
                pass
