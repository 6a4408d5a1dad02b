# -*- coding: utf-8 -*-
"""`Agent`, `MetadataSearchResult`, the search/update media objects and the metadata model, and
the calls into an agent's `search`/`update` with the framework's logging.

Relies on (reference pgma §3.5, fixtures 16/17/18): an exception escaping `search` is logged as
CRITICAL `(agentkit:1018) Exception in the search function of agent named '<name>', called with
keyword arguments {'year': ..., 'id': ..., 'name': ...} (most recent call last):` and escaping
`update` as CRITICAL `(agentkit:1067) Exception in the update function of agent named '<name>',
called with guid '<guid>' (most recent call last):`, each followed by a traceback whose first
frame is the framework's `_search`/`_update` and whose next frames point into the bundle's Code.
Plex passes `media.filename` URL-quoted in search (agents call `String.Unquote`).
"""
import base64
import hashlib
import inspect
import json
import os
import sys

from . import logkit, tracebacks
from .model import Metadata, SearchMedia, UpdateMedia

REGISTERED = []


class _AgentBase(object):
    name = None
    languages = ['en']
    primary_provider = True
    fallback_agent = None
    accepts_from = None
    contributes_to = None

    def __init__(self):
        pass


class AgentKit(object):
    """`Agent`: base classes; defining a subclass registers the agent (as Plex's metaclass does)."""

    def __init__(self):
        kit = self

        class Meta(type):
            def __init__(cls, name, bases, ns):
                type.__init__(cls, name, bases, ns)
                if ns.get('_is_base'):
                    return
                logkit.current.debug('agentkit', 1132, 'Creating new agent class called %s' % name)
                REGISTERED.append(cls)

        def base(kind):
            return Meta(kind, (_AgentBase,), {'_is_base': True, 'media_type': kind})

        self.Movies = base('Movies')
        self.TV_Shows = base('TV_Shows')
        self.Artist = base('Artist')
        self.Album = base('Album')
        self.Photos = base('Photos')


class MetadataSearchResult(object):
    def __init__(self, id=None, name=None, year=None, score=0, lang=None, thumb=None, **kwargs):
        self.id = id
        self.name = name
        self.year = year
        self.score = score
        self.lang = lang
        self.thumb = thumb

    def to_json(self):
        out = {'id': '' if self.id is None else str(self.id), 'name': '' if self.name is None else str(self.name),
               'score': int(self.score or 0), 'lang': self.lang or ''}
        if self.year is not None:
            try:
                out['year'] = int(self.year)
            except (TypeError, ValueError):
                pass
        return out


class SearchResults(object):
    """The `results` container passed to search: Append/Sort/len/iteration/indexing."""

    def __init__(self):
        self._items = []

    def Append(self, obj):
        self._items.append(obj)

    append = Append

    def Sort(self, attr, descending=False):
        self._items.sort(key=lambda o: getattr(o, attr, None) or 0, reverse=descending)

    def Clear(self):
        del self._items[:]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(list(self._items))

    def __getitem__(self, i):
        return self._items[i]

    def __repr__(self):
        return 'MediaContainer(art=None, noHistory=False, objects=%d)' % len(self._items)


def _py2_repr(v):
    return repr(v)


def search_kwargs_repr(media):
    # Python 2's dict order for these three keys, as real logs show them.
    return '{%s}' % ', '.join('%r: %s' % (k, _py2_repr(v)) for k, v in
                              (('year', media.year), ('id', media.id), ('name', media.name)))


def function_route(bundle_id, function, kwargs):
    """The framework's request path for an AgentKit call (base64 with '/'->'@', '='->'_')."""
    def b64(s):
        return base64.b64encode(s.encode('utf-8')).decode('ascii').replace('/', '@').replace('=', '_')

    return '/:/plugins/%s/messaging/function/%s/%s/%s' % (
        bundle_id, b64(function), b64('cereal1\n1\nlist\n0\nr0\n'), b64(cereal_dict(kwargs)))


def cereal_dict(d):
    """Plex's 'cereal' serialisation of a flat dict (value before key, as the framework writes)."""
    parts = ['cereal1', '1', 'dict', str(len(d))]
    body = ''
    for k, v in d.items():
        body += _cereal_value(v) + _cereal_value(k)
    return '\n'.join(parts) + '\n' + body + 'r0\n'


def _cereal_value(v):
    if v is None:
        return 'n'
    if v is True or v is False:
        return 'b1' if v else 'b0'
    if isinstance(v, int):
        return 'i%d\n' % v
    s = str(v)
    return 's%d\n%s' % (len(s), s)


def _accepts(fn, name, position):
    """Does `fn` take argument `name` (by name, at `position` after self, or via *args/**kwargs)?
    The framework passes `manual`/`force` only to agents whose search/update declare them."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    params = list(sig.parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return True
    return name in sig.parameters or len(params) > position


def _search(agent, name, results, media, lang, manual):
    f_args = (results, media, lang, manual) if _accepts(agent.search, 'manual', 3) else (results, media, lang)
    f_kwargs = {}
    try:
        agent.search(*f_args, **f_kwargs)
    except Exception:
        exc_type, exc, tb = sys.exc_info()
        logkit.current.critical('agentkit', 1018, (
            "Exception in the search function of agent named '%s', called with keyword arguments %s "
            "(most recent call last):\n%s") % (name, search_kwargs_repr(media),
                                                tracebacks.format_exception(exc, tb, '_search')))
        return False
    return True


def _update(agent, name, obj, media, lang, force=False):
    kwargs = {'force': force} if _accepts(agent.update, 'force', 3) else {}
    metadata = obj
    try:
        agent.update(obj, media, lang, **kwargs)
    except Exception:
        exc_type, exc, tb = sys.exc_info()
        logkit.current.critical('agentkit', 1067, (
            "Exception in the update function of agent named '%s', called with guid '%s' "
            "(most recent call last):\n%s") % (name, metadata.guid,
                                                tracebacks.format_exception(exc, tb, '_update')))
        return False
    return True


def call_search(bundle_id, agent_cls, media_dict, lang, manual):
    """Run one search like the framework: route lines, agent call, results. Returns list of dicts."""
    media = SearchMedia(media_dict)
    kwargs = {'lang': lang, 'manual': bool(manual), 'name': media.name, 'year': media.year,
              'id': media.id, 'filename': media.filename, 'duration': media.duration}
    route = function_route(bundle_id, '_AgentKit:Search', kwargs)
    logkit.current.debug('runtime', 717, 'Handling request GET ' + route)
    logkit.current.debug('runtime', 814, 'Found route matching ' + route)
    logkit.current.info('agentkit', 961, 'Searching for matches for %s' % repr(
        {'openSubtitlesHash': None, 'name': media.name, 'year': media.year, 'filename': media.filename,
         'duration': media.duration, 'id': media.id}))
    results = SearchResults()
    agent = agent_cls()
    _search(agent, agent_cls.name or agent_cls.__name__, results, media, lang, manual)
    out = [r.to_json() for r in results if isinstance(r, MetadataSearchResult)]
    for r in out:
        if not r['lang']:
            r['lang'] = lang
    logkit.current.debug('runtime', 88, 'Sending packed state data (%d bytes)' % 104)
    logkit.current.debug('runtime', 924, 'Response: [200] MediaContainer, %d bytes' % (152 + 60 * len(out)))
    return out


def model_path(metadata_dir, guid, bundle_id):
    """Where the framework keeps an agent's model of an item:
    `Metadata/Movies/<h[0]>/<h[1:]>.bundle/Contents/<bundle id>` with h = sha1(guid) (reference
    pgma §3.5: `Cannot read model from .../Metadata/Movies/4/dd05...bundle/Contents/com.plexapp.agents.AEBN`)."""
    h = hashlib.sha1(guid.encode('utf-8')).hexdigest()
    return os.path.join(metadata_dir, 'Movies', h[0], h[1:] + '.bundle', 'Contents', bundle_id)


def save_model(path, data):
    try:
        if not os.path.isdir(path):
            os.makedirs(path)
        tmp = os.path.join(path, 'Info.json.tmp')
        with open(tmp, 'w') as f:
            json.dump(data, f, sort_keys=True)
        os.replace(tmp, os.path.join(path, 'Info.json'))
    except (IOError, OSError) as e:
        logkit.current.error('model', 231, 'Unable to serialize to %s: %s' % (path, e))


def call_update(bundle_id, agent_cls, metadata_id, media_dict, lang, metadata_dir=None):
    """Run one update like the framework. Returns the metadata dict, or None when update raised.
    With `metadata_dir` (the data folder's `Metadata/`), the agent's model of the item is kept there:
    the first update of an item logs the framework's `Cannot read model from <path>` (ERROR model:205,
    noise every real first update shows) and a successful one `Serializing to <path>` (model:229)."""
    media = UpdateMedia(media_dict)
    guid = media_dict.get('guid') or '%s://%s?lang=%s' % (bundle_id, metadata_id, lang)
    kwargs = {'lang': lang, 'force': True, 'periodic': False, 'dbid': media.id, 'version': None,
              'parentGUID': None, 'parentID': None, 'media_type': 'Movie', 'guid': guid, 'id': metadata_id}
    route = function_route(bundle_id, '_AgentKit:UpdateMetadata', kwargs)
    logkit.current.debug('runtime', 717, 'Handling request GET ' + route)
    logkit.current.debug('runtime', 814, 'Found route matching ' + route)
    path = model_path(metadata_dir, guid, bundle_id) if metadata_dir else None
    if path and not os.path.isdir(path):
        logkit.current.error('model', 205, 'Cannot read model from %s' % path)
    logkit.current.debug('model', 32, 'Loading model with GUID %s' % guid)
    metadata = Metadata(metadata_id, guid)
    agent = agent_cls()
    ok = _update(agent, agent_cls.name or agent_cls.__name__, metadata, media, lang, force=True)
    if ok and path:
        logkit.current.debug('model', 229, 'Serializing to %s' % path)
        save_model(path, metadata.to_json())
    logkit.current.debug('runtime', 88, 'Sending packed state data (%d bytes)' % 104)
    logkit.current.debug('runtime', 924, 'Response: [200] str, %d bytes' % 16)
    return metadata.to_json() if ok else None
