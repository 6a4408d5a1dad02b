# -*- coding: utf-8 -*-
"""The objects an agent's search/update receive: the `media` tree and the `metadata` model.

Relies on: Plex's legacy framework shapes — search `media` has `name`, `year`, `id`, `duration`,
`filename` (URL-quoted; agents call `String.Unquote`) and `items[0].parts[0].file`; the update
`metadata` object takes title/summary/studio/originally_available_at/year/rating, `roles.new()`
(name, role, photo), set-like `genres`/`collections`/`directors` (`add`, `clear`, and `new()` as
newer Plex versions offer for directors) and URL-keyed `posters`/`art` (`validate_keys`).
`Metadata.to_json()` is what the host receives (the MetadataOut shape of host.ts).
"""
import datetime
import urllib.parse


class MediaPart(object):
    def __init__(self, file, duration=None):
        self.file = file
        self.duration = duration
        self.openSubtitleHash = None


class MediaItem(object):
    def __init__(self, file, duration=None):
        self.parts = [MediaPart(file, duration)]
        self.duration = duration


class SearchMedia(object):
    """The `media` of a search (Media.Movie): name, year, filename (URL-quoted), duration, id."""

    def __init__(self, d):
        self.id = d.get('id')
        self.name = d.get('name')
        self.title = d.get('name')
        self.year = d.get('year')
        self.duration = d.get('duration')
        self.guid = d.get('guid')
        self.primary_metadata = None
        self.openSubtitlesHash = None
        path = d.get('filename') or ''
        self.filename = urllib.parse.quote(path) if path else None
        self.items = [MediaItem(path, self.duration)] if path else []


class UpdateMedia(SearchMedia):
    """The `media` of an update: the item tree with `items[0].parts[0].file` as a plain path."""


class TagSet(object):
    """A metadata tag collection (genres, collections, directors, countries...): set-like with `new()`."""

    def __init__(self):
        self._items = []

    def add(self, value):
        if value not in self._items:
            self._items.append(value)

    def discard(self, value):
        if value in self._items:
            self._items.remove(value)

    remove = discard

    def clear(self):
        del self._items[:]

    def new(self):
        person = Person()
        self._items.append(person)
        return person

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)

    def __contains__(self, v):
        return v in self._items

    def names(self):
        out = []
        for v in self._items:
            name = v.name if isinstance(v, Person) else v
            if name is not None:
                out.append(str(name))
        return out


class Person(object):
    def __init__(self):
        self.name = None
        self.role = None
        self.photo = None


class ProxyContainer(object):
    """`metadata.posters` / `metadata.art`: URL-keyed, `validate_keys` drops the others."""

    def __init__(self):
        self._items = {}
        self._order = []

    def __setitem__(self, key, value):
        if key not in self._items:
            self._order.append(key)
        self._items[key] = value

    def __getitem__(self, key):
        return self._items[key]

    def __contains__(self, key):
        return key in self._items

    def __delitem__(self, key):
        del self._items[key]
        self._order.remove(key)

    def keys(self):
        return list(self._order)

    def __len__(self):
        return len(self._order)

    def validate_keys(self, keys):
        for k in list(self._order):
            if k not in keys:
                del self[k]


class Metadata(object):
    """The metadata object handed to update; `to_json()` is what the host receives."""

    def __init__(self, id, guid):
        self.id = id
        self.guid = guid
        for f in ('title', 'summary', 'studio', 'originally_available_at', 'year', 'rating', 'tagline',
                  'content_rating', 'original_title', 'title_sort', 'duration'):
            setattr(self, f, None)
        self.roles = TagSet()
        self.genres = TagSet()
        self.collections = TagSet()
        self.directors = TagSet()
        self.producers = TagSet()
        self.writers = TagSet()
        self.countries = TagSet()
        self.posters = ProxyContainer()
        self.art = ProxyContainer()

    def to_json(self):
        out = {}
        for f in ('title', 'summary', 'studio'):
            v = getattr(self, f)
            if v is not None:
                out[f] = str(v)
        d = self.originally_available_at
        if isinstance(d, (datetime.date, datetime.datetime)):
            out['originally_available_at'] = d.strftime('%Y-%m-%d')
        elif d is not None:
            out['originally_available_at'] = str(d)
        if self.year is not None:
            try:
                out['year'] = int(self.year)
            except (TypeError, ValueError):
                pass
        if self.rating is not None:
            try:
                out['rating'] = float(self.rating)
            except (TypeError, ValueError):
                pass
        roles = []
        for r in self.roles:
            if isinstance(r, Person) and r.name:
                role = {'name': str(r.name)}
                if r.role:
                    role['role'] = str(r.role)
                if r.photo:
                    role['photo'] = str(r.photo)
                roles.append(role)
        if roles:
            out['roles'] = roles
        if len(self.posters):
            out['posters'] = [str(k) for k in self.posters.keys()]
        for f in ('genres', 'collections', 'directors'):
            names = getattr(self, f).names()
            if names:
                out[f] = names
        return out
