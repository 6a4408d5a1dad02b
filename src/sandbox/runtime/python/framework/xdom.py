# -*- coding: utf-8 -*-
"""An lxml.html-compatible element tree for machines without lxml.

Relies on lxml's model (what Plex agents see from `HTML.ElementFromURL`): elements carry `.text`
(text before the first child) and `.tail` (text after the element, inside its parent); comments
are elements whose `.tag` is the `Comment` factory; `.xpath()` evaluates XPath 1.0 with the
document as root. API kept: `.xpath()`, `.text`, `.tail`, `.tag`, `.attrib`, `.get()`, `.set()`,
`.keys()`, `.items()`, `.text_content()`, `.getparent()`, `.getchildren()`, `.getnext()`,
`.getprevious()`, `.iter()`, `.iterdescendants()`, `.itertext()`, `.find()`, `.findall()`,
`.findtext()`, `.append()`, `.insert()`, `.remove()`, `len()`, indexing, iteration.
"""
from html import escape as _escape

VOID = frozenset(['area', 'base', 'basefont', 'br', 'col', 'embed', 'frame', 'hr', 'img', 'input', 'isindex',
                  'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr'])


def Comment(text=None):
    c = Element(Comment)
    c.text = text
    return c


class Document(object):
    """The XPath root node of a tree (lxml's document); numbers nodes in document order."""

    def __init__(self, root=None, nodes=None):
        self.root = root
        # Document-level nodes in order: comments around the root, the root, and the further elements
        # libxml2 puts at document level (content after </html> when a doctype or comment came first).
        self.nodes = list(nodes) if nodes is not None else ([root] if root is not None else [])
        self.dirty = True
        self.flat = None

    @property
    def roots(self):
        return [n for n in self.nodes if n.tag is not Comment]

    def renumber(self):
        counter = [0]
        flat = []

        def walk(el):
            el._o = counter[0]
            counter[0] += 1
            flat.append(el)
            el._ao = counter[0]
            counter[0] += len(el.attrib)
            el._to = counter[0]
            counter[0] += 1
            if el.text and el.tag is not Comment:  # a comment's text is its content, not a text node
                flat.append(TextNode(el, False))
            for ch in el._children:
                walk(ch)
                if ch.tail:
                    flat.append(TextNode(ch, True))
            el._tailo = counter[0]
            counter[0] += 1

        for n in self.nodes:
            walk(n)
        self.flat = flat
        self.dirty = False

    def ensure(self):
        if self.dirty:
            self.renumber()

    def getroot(self):
        return self.root

    def xpath(self, expr, **variables):
        return self.root.xpath(expr, **variables) if self.root is not None else []


class TextNode(object):
    """An XPath text node: `owner.text` (is_tail False) or `owner.tail` (is_tail True)."""
    __slots__ = ('owner', 'is_tail')

    def __init__(self, owner, is_tail):
        self.owner = owner
        self.is_tail = is_tail

    @property
    def value(self):
        return (self.owner.tail if self.is_tail else self.owner.text) or ''

    def key(self):
        return ('t', id(self.owner), self.is_tail)

    def order(self):
        return self.owner._tailo if self.is_tail else self.owner._to

    def xparent(self):
        return self.owner._parent if self.is_tail else self.owner


class AttrNode(object):
    __slots__ = ('element', 'name')

    def __init__(self, element, name):
        self.element = element
        self.name = name

    @property
    def value(self):
        return self.element.attrib.get(self.name, '')

    def key(self):
        return ('a', id(self.element), self.name)

    def order(self):
        return self.element._ao + list(self.element.attrib).index(self.name)


class SmartString(str):
    """lxml's 'smart string' for text()/@attr results: a str that knows where it came from."""

    def __new__(cls, value, parent, is_tail=False, is_attribute=False, attrname=None):
        s = str.__new__(cls, value)
        s._parent = parent
        s.is_tail = is_tail
        s.is_text = not is_attribute and not is_tail
        s.is_attribute = is_attribute
        s.attrname = attrname
        return s

    def getparent(self):
        return self._parent


class Element(object):
    def __init__(self, tag, attrib=None):
        self.tag = tag
        self.attrib = dict(attrib or {})
        self.text = None
        self.tail = None
        self._children = []
        self._parent = None
        self._doc = None

    # -- tree bookkeeping ------------------------------------------------------------------
    def _document(self):
        top = self
        while top._parent is not None:
            top = top._parent
        if top._doc is None:
            top._doc = Document(top)
        return top._doc

    def _touch(self):
        self._document().dirty = True

    def _add(self, el):
        """Append a fresh element without bookkeeping (tree builders; the document is numbered later)."""
        el._parent = self
        self._children.append(el)

    def append(self, el):
        if el._parent is not None:
            el._parent.remove(el)
        el._parent = self
        self._children.append(el)
        self._touch()

    def insert(self, index, el):
        if el._parent is not None:
            el._parent.remove(el)
        el._parent = self
        self._children.insert(index, el)
        self._touch()

    def remove(self, el):
        self._children.remove(el)
        self._touch()
        el._parent = None
        el._doc = None

    # -- lxml API --------------------------------------------------------------------------
    def xpath(self, expr, **variables):
        from . import xpath_eval
        return xpath_eval.evaluate(expr, self, variables)

    def get(self, key, default=None):
        return self.attrib.get(key, default)

    def set(self, key, value):
        self.attrib[key] = value
        self._touch()

    def keys(self):
        return list(self.attrib.keys())

    def items(self):
        return list(self.attrib.items())

    def values(self):
        return list(self.attrib.values())

    def getparent(self):
        return self._parent

    def getchildren(self):
        return list(self._children)

    def getnext(self):
        if self._parent is None:
            roots = self._doc.nodes if self._doc is not None else []
            i = next((k for k, r in enumerate(roots) if r is self), None)
            return roots[i + 1] if i is not None and i + 1 < len(roots) else None
        sib = self._parent._children
        i = sib.index(self)
        return sib[i + 1] if i + 1 < len(sib) else None

    def getprevious(self):
        if self._parent is None:
            roots = self._doc.nodes if self._doc is not None else []
            i = next((k for k, r in enumerate(roots) if r is self), None)
            return roots[i - 1] if i else None
        sib = self._parent._children
        i = sib.index(self)
        return sib[i - 1] if i > 0 else None

    def getroottree(self):
        return self._document()

    def iter(self, *tags):
        stack = [self]
        while stack:
            el = stack.pop()
            if not tags or el.tag in tags or ('*' in tags and el.tag is not Comment):
                yield el
            if el._children:
                stack.extend(reversed(el._children))

    def iterdescendants(self, *tags):
        it = self.iter(*tags)
        first = next(it, None)
        if first is not None and first is not self:
            yield first
        for x in it:
            yield x

    getiterator = iter

    def iterancestors(self, *tags):
        p = self._parent
        while p is not None:
            if not tags or p.tag in tags:
                yield p
            p = p._parent

    def drop_tree(self):
        """lxml.html: remove the element and its subtree, keeping its tail text in place."""
        parent = self._parent
        if parent is None:
            return
        self._join_text_before(self.tail)
        parent.remove(self)

    def drop_tag(self):
        """lxml.html: remove the tag, keeping its text, children and tail in place."""
        parent = self._parent
        if parent is None:
            return
        index = parent._children.index(self)
        self._join_text_before(self.text)
        kids = list(self._children)
        for k in kids:
            self._children.remove(k)
            k._parent = None
        parent._children.remove(self)
        self._parent = None
        for offset, k in enumerate(kids):
            k._parent = parent
            parent._children.insert(index + offset, k)
        if kids:
            kids[-1].tail = (kids[-1].tail or '') + (self.tail or '') or None
        else:
            self._join_text_at(parent, index, self.tail)
        parent._touch()

    def _join_text_before(self, text):
        parent = self._parent
        self._join_text_at(parent, parent._children.index(self), text)

    @staticmethod
    def _join_text_at(parent, index, text):
        if not text:
            return
        if index == 0:
            parent.text = (parent.text or '') + text
        else:
            prev = parent._children[index - 1]
            prev.tail = (prev.tail or '') + text

    def iterchildren(self, *tags):
        for ch in self._children:
            if not tags or ch.tag in tags:
                yield ch

    def itertext(self):
        if self.tag is Comment:
            return
        if self.text:
            yield self.text
        for ch in self._children:
            for t in ch.itertext():
                yield t
            if ch.tail:
                yield ch.tail

    def text_content(self):
        return ''.join(self.itertext())

    def find(self, path):
        found = self.findall(path)
        return found[0] if found else None

    def findall(self, path):
        if not path.startswith(('.', '/')):
            path = './' + path
        return [x for x in self.xpath(path) if isinstance(x, Element)]

    def findtext(self, path, default=None):
        el = self.find(path)
        return default if el is None else (el.text or '')

    def __len__(self):
        return len(self._children)

    def __bool__(self):
        return len(self._children) > 0

    def __getitem__(self, i):
        return self._children[i]

    def __iter__(self):
        return iter(list(self._children))

    def __repr__(self):
        if self.tag is Comment:
            return '<!--%s-->' % (self.text or '')
        return '<Element %s at 0x%x>' % (self.tag, id(self))


def tostring(el, method='html', with_tail=True):
    out = []

    def attr(v):
        return _escape(v or '', quote=True)

    def walk(e, tail):
        if e.tag is Comment:
            out.append('<!--%s-->' % (e.text or ''))
        else:
            out.append('<' + e.tag + ''.join(' %s="%s"' % (k, attr(v)) for k, v in e.attrib.items()))
            if method == 'xml' and not e._children and not e.text:
                out.append('/>')
            else:
                out.append('>')
                if e.text:
                    out.append(e.text if e.tag in ('script', 'style') else _escape(e.text, quote=False))
                for c in e._children:
                    walk(c, True)
                if method == 'xml' or e.tag not in VOID:
                    out.append('</%s>' % e.tag)
        if tail and e.tail:
            out.append(_escape(e.tail, quote=False))

    walk(el, with_tail)
    return ''.join(out)


def html_fromstring(text):
    from . import htmlparse
    return htmlparse.fromstring(text)


def xml_fromstring(text):
    from . import htmlparse
    return htmlparse.xml_fromstring(text)
