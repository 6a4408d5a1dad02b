# -*- coding: utf-8 -*-
"""Small framework globals: `Log`, `String`, `Datetime`, `Util`, `Platform`, `Locale`, `Dict`,
`Prefs`, `Core`, `Proxy`, `Regex`.

Relies on: Plex's Log attribution as real logs show it — `Log()`, `Log.Debug` and `Log.Info` are
attributed to `(sandbox:19)` (macOS/Linux framework), `Log.Warn/Error/Critical/Exception` to the
calling bundle line (`(utils:5551)`, reference pgma §3.2); preferences come from the bundle's
`DefaultPrefs.json` overridden by the saved `Plug-in Support/Preferences/<id>.xml` (DESIGN §Phase 2).
"""
import datetime
import json
import os
import platform
import random
import re
import sys
import time
import unicodedata
import urllib.parse
import xml.etree.ElementTree as ET

from . import logkit


class LogKit(object):
    """`Log`: callable (DEBUG) with .Debug/.Info/.Warn/.Error/.Critical/.Exception."""

    @staticmethod
    def _fmt(fmt, args):
        if not isinstance(fmt, str):
            fmt = str(fmt)
        if args:
            try:
                return fmt % args
            except (TypeError, ValueError):
                return fmt + ' ' + ' '.join(str(a) for a in args)
        return fmt

    def __call__(self, fmt, *args, **kwargs):
        module, line = logkit.current.agent_site('DEBUG', 1)
        logkit.current.debug(module, line, self._fmt(fmt, args))

    def Debug(self, fmt, *args, **kwargs):
        module, line = logkit.current.agent_site('DEBUG', 1)
        logkit.current.debug(module, line, self._fmt(fmt, args))

    def Info(self, fmt, *args, **kwargs):
        module, line = logkit.current.agent_site('INFO', 1)
        logkit.current.info(module, line, self._fmt(fmt, args))

    def Warn(self, fmt, *args, **kwargs):
        module, line = logkit.current.agent_site('WARNING', 1)
        logkit.current.warning(module, line, self._fmt(fmt, args))

    def Error(self, fmt, *args, **kwargs):
        module, line = logkit.current.agent_site('ERROR', 1)
        logkit.current.error(module, line, self._fmt(fmt, args))

    def Critical(self, fmt, *args, **kwargs):
        module, line = logkit.current.agent_site('CRITICAL', 1)
        logkit.current.critical(module, line, self._fmt(fmt, args))

    def Exception(self, fmt, *args, **kwargs):
        import sys
        from . import tracebacks
        module, line = logkit.current.agent_site('CRITICAL', 1)
        text = self._fmt(fmt, args)
        exc = sys.exc_info()
        if exc[1] is not None:
            text += ' (most recent call last):\n' + tracebacks.format_exception(exc[1], exc[2])
        logkit.current.critical(module, line, text)


def _strip_diacritics(s):
    return ''.join(c for c in unicodedata.normalize('NFKD', s) if not unicodedata.combining(c))


class StringKit(object):
    """`String`: Quote/Unquote/URLEncode/StripDiacritics/StripTags/... as the framework offers."""

    def Quote(self, s, usePlus=False):
        return urllib.parse.quote_plus(s) if usePlus else urllib.parse.quote(s)

    def Unquote(self, s, usePlus=False):
        return urllib.parse.unquote_plus(s) if usePlus else urllib.parse.unquote(s)

    def URLEncode(self, s):
        return urllib.parse.quote_plus(s)

    def Encode(self, s):
        import base64
        return base64.urlsafe_b64encode(s.encode('utf-8')).decode('ascii')

    def Decode(self, s):
        import base64
        return base64.urlsafe_b64decode(s.encode('ascii')).decode('utf-8')

    def StripDiacritics(self, s):
        return _strip_diacritics(s)

    def StripTags(self, s):
        return re.sub(r'<[^<]+?>', '', s)

    def CapitalizeWords(self, s):
        return ' '.join(w[:1].upper() + w[1:] for w in s.split(' '))

    def LevenshteinDistance(self, a, b):
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i]
            for j, cb in enumerate(b, 1):
                cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            prev = cur
        return prev[-1]

    def LongestCommonSubstring(self, a, b):
        best = ''
        for i in range(len(a)):
            for j in range(i + len(best) + 1, len(a) + 1):
                if a[i:j] in b:
                    best = a[i:j]
                else:
                    break
        return best

    def UUID(self):
        import uuid
        return str(uuid.uuid4())


class DatetimeKit(object):
    """`Datetime`: Now/ParseDate/Delta/TimestampFromDatetime/FromTimestamp/MillisecondsFromDatetime."""

    def Now(self):
        return datetime.datetime.now()

    def UTCNow(self):
        return datetime.datetime.utcnow()

    def ParseDate(self, s, fmt=None):
        if s is None:
            return None
        if fmt:
            return datetime.datetime.strptime(s, fmt)
        s = s.strip()
        for f in ('%Y-%m-%d', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S', '%d %B %Y', '%B %d, %Y',
                  '%b %d, %Y', '%d %b %Y', '%m/%d/%Y', '%d/%m/%Y', '%Y/%m/%d', '%Y', '%B %Y', '%b %Y'):
            try:
                return datetime.datetime.strptime(s, f)
            except ValueError:
                pass
        m = re.search(r'(\d{4})-(\d{2})-(\d{2})', s)
        if m:
            return datetime.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return None

    def Delta(self, **kwargs):
        return datetime.timedelta(**kwargs)

    def TimestampFromDatetime(self, dt):
        return int(time.mktime(dt.timetuple()))

    def FromTimestamp(self, ts):
        return datetime.datetime.fromtimestamp(ts)

    def MillisecondsFromDatetime(self, dt):
        return int(time.mktime(dt.timetuple()) * 1000)


class UtilKit(object):
    """`Util`: Random/RandomInt/RandomChoice/Floor/Ceiling/ListSortedByKey."""

    def Random(self):
        return random.random()

    def RandomInt(self, a, b):
        return random.randint(a, b)

    def RandomChoice(self, seq):
        return random.choice(seq)

    def RandomItemFromList(self, seq):
        return random.choice(seq)

    def Floor(self, x):
        import math
        return int(math.floor(x))

    def Ceiling(self, x):
        import math
        return int(math.ceil(x))

    def ListSortedByKey(self, lst, key):
        return sorted(lst, key=lambda d: d[key])


class PlatformKit(object):
    """`Platform`: OS, CPU, HasSilverlight... as Plex reports them."""

    def __init__(self):
        system = platform.system()
        self.OS = {'Darwin': 'MacOSX', 'Windows': 'Windows'}.get(system, system)
        self.OSVersion = platform.release()
        self.CPU = platform.machine()
        self.HasSilverlight = False
        self.ServerVersion = '1.40.1.8227-c0dd5a73e'


class _Language(object):
    English = 'en'
    French = 'fr'
    German = 'de'
    Spanish = 'es'
    Italian = 'it'
    Dutch = 'nl'
    Japanese = 'ja'
    NoLanguage = 'xn'
    Unknown = 'xx'


class LocaleKit(object):
    Language = _Language()
    DefaultLocale = 'en-us'
    CurrentLocale = 'en-us'


class DictKit(dict):
    """`Dict`: the plug-in's persistent dictionary, kept in `Plug-in Support/Data/<id>/Dict`
    (JSON here; Plex pickles it - the file is private to the plug-in either way)."""

    def __init__(self, support_dir=None, bundle_id=None):
        dict.__init__(self)
        self._path = os.path.join(support_dir, 'Data', bundle_id, 'Dict') if support_dir else None
        if self._path and os.path.exists(self._path):
            try:
                with open(self._path, 'r') as f:
                    self.update(json.load(f))
            except (IOError, OSError, ValueError):
                pass

    def Save(self):
        if not self._path:
            return
        folder = os.path.dirname(self._path)
        if not os.path.isdir(folder):
            os.makedirs(folder)
        tmp = self._path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(dict(self), f, default=str)
        os.replace(tmp, self._path)

    def Reset(self):
        self.clear()


class PrefsKit(object):
    """`Prefs[id]`: DefaultPrefs.json values, overridden by the saved preferences XML."""

    def __init__(self, bundle_dir, support_dir, bundle_id):
        self._args = (bundle_dir, support_dir, bundle_id)
        self.reload()

    def reload(self):
        bundle_dir, support_dir, bundle_id = self._args
        self._values = {}
        self._defs = {}
        path = os.path.join(bundle_dir, 'Contents', 'DefaultPrefs.json')
        if os.path.exists(path):
            with open(path, 'rb') as f:
                for p in json.loads(f.read().decode('utf-8')):
                    self._defs[p.get('id')] = p
                    self._values[p.get('id')] = self._cast(p.get('type'), p.get('default'), p)
        saved = os.path.join(support_dir, 'Preferences', bundle_id + '.xml')
        if os.path.exists(saved):
            try:
                root = ET.parse(saved).getroot()
                for child in root:
                    self._values[child.tag] = self._cast_saved(self._defs.get(child.tag), child.text or '')
            except ET.ParseError:
                logkit.current.error('preferences', 199, 'Unable to load preferences from %s' % saved)

    @staticmethod
    def _cast(kind, value, p):
        """A bool is True/False; an enum given as an index (Plex saves enums by index) is its value."""
        if kind == 'bool':
            return value in (True, 'true', 'True', 1, '1')
        if kind == 'enum':
            values = p.get('values') or []
            if isinstance(value, int) and 0 <= value < len(values):
                return values[value]
            if isinstance(value, str) and value not in values and value.isdigit() and int(value) < len(values):
                return values[int(value)]
        return value

    @classmethod
    def _cast_saved(cls, definition, text):
        if definition is None:
            return text
        return cls._cast(definition.get('type'), text.strip() if definition.get('type') != 'text' else text,
                         definition)

    def __getitem__(self, key):
        return self._values.get(key)

    def __contains__(self, key):
        return key in self._values

    def get(self, key, default=None):
        return self._values.get(key, default)


class _Storage(object):
    def __init__(self, support_dir, bundle_id):
        self.data_path = os.path.join(support_dir, 'Data', bundle_id)

    def join_path(self, *parts):
        return os.path.join(*parts)

    def file_exists(self, p):
        return os.path.isfile(p)

    def dir_exists(self, p):
        return os.path.isdir(p)

    def load(self, p, binary=True):
        with open(p, 'rb' if binary else 'r') as f:
            return f.read()

    def save(self, p, data, binary=True):
        with open(p, 'wb' if binary else 'w') as f:
            f.write(data)


class CoreKit(object):
    """`Core`: bundle paths and storage, as agents reach them (`Core.bundle_path`, `Core.storage`)."""

    def __init__(self, bundle_dir, support_dir, bundle_id):
        self.bundle_path = bundle_dir
        self.plugin_support_path = support_dir
        self.app_support_path = os.path.dirname(support_dir)
        self.identifier = bundle_id
        self.storage = _Storage(support_dir, bundle_id)


class ProxyObject(object):
    def __init__(self, kind, data, sort_order=None, **kwargs):
        self.kind = kind
        self.data = data
        self.sort_order = sort_order


class ProxyKit(object):
    """`Proxy.Media(data)` / `Proxy.Preview(data)`: wraps image data assigned to `metadata.posters`."""

    def Media(self, data, sort_order=None, **kwargs):
        return ProxyObject('Media', data, sort_order)

    def Preview(self, data, sort_order=None, **kwargs):
        return ProxyObject('Preview', data, sort_order)

    def Remote(self, url, sort_order=None, **kwargs):
        return ProxyObject('Remote', url, sort_order)


def Regex(pattern, flags=0):
    return re.compile(pattern, flags)
