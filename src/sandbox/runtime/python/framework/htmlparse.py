# -*- coding: utf-8 -*-
"""Lenient HTML -> xdom tree, built the way libxml2's HTML parser (lxml.html) builds it.

Relies on libxml2's HTMLparser.c (2.9 - 2.13, what Plex-era lxml uses): start tags first close the
current elements they end (`htmltables.START_CLOSE`), then imply what is missing (htmlCheckImplied:
`html`; `head` for script/style/meta/link/title/base before any content; else `body`, unless a
head or body is open or a body was already seen); repeated `html`, misplaced `head` and nested
`body` start tags are dropped, with their end tags; end tags close up to their match unless a
higher-priority element is in between, unmatched ones are ignored; non-blank text where only
`html`/`head` (or nothing) is open opens a `<p>` (htmlCheckParagraph); blank text is kept wherever
an element is open (lxml keeps blanks) and never implies anything; content after `</html>` goes to
a new implied `html` inside the root, as libxml2 does. Named entities need their `;`. Also
`lxml.html.fromstring`'s choice of the returned element (the `html` root for a full document or one
without a body, the single body child of a fragment, else the body renamed `div`/`span`).
"""
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from .htmltables import BLOCK_TAGS, HEAD_ONLY, START_CLOSE, end_priority
from .xdom import VOID, Comment, Document, Element


class TreeBuilder(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.html = None      # the root element
        self.head = None      # the first head / body (what lxml.html.fromstring looks at)
        self.body = None
        self.stack = []       # open elements, outermost first
        self.head_seen = False
        self.body_seen = False
        self.depth = 0        # dropped html/head/body start tags whose end tags must be ignored
        self.prolog = True    # only blanks, comments and a doctype so far
        self.prolog_nodes = False
        self.doc_nodes = []   # document-level nodes: comments around the root, the root, later roots

    # -- structure -------------------------------------------------------------------------
    def push(self, el, keep_open=True):
        if self.stack:
            self.stack[-1]._add(el)
        elif self.html is None:
            self.html = el
            self.doc_nodes.append(el)
        elif self.prolog_nodes:
            self.doc_nodes.append(el)  # after </html>: a second document-level element
        else:
            self.html._add(el)  # after </html>, no doctype/comment before the root: inside the root
        if keep_open:
            self.stack.append(el)

    def auto_close(self, tag):
        closes = START_CLOSE.get(tag)
        while closes and self.stack and self.stack[-1].tag in closes:
            self.stack.pop()

    def check_implied(self, tag):
        if tag == 'html':
            return
        if not self.stack:
            self.push(Element('html'))
        if tag in ('body', 'head'):
            return
        if len(self.stack) <= 1 and tag in HEAD_ONLY:
            if not (self.head_seen or self.body_seen):
                self.open('head')
        elif tag not in ('noframes', 'frame', 'frameset'):
            if self.body_seen or any(e.tag in ('body', 'head') for e in self.stack):
                return
            self.open('body')

    def open(self, tag, attrib=None):
        el = Element(tag, attrib)
        self.push(el, tag not in VOID)
        if tag == 'head':
            self.head_seen = True
            if self.head is None and el._parent is self.html:
                self.head = el
        elif tag == 'body':
            self.body_seen = True
            if self.body is None and el._parent is self.html:
                self.body = el
        return el

    # -- parser callbacks ------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        self.prolog = False
        attrib = {}
        for k, v in attrs:
            if k not in attrib:
                attrib[k] = k if v is None else v  # libxml2: a bare attribute's value is its name
        self.auto_close(tag)
        self.check_implied(tag)
        if (tag == 'html' and self.stack) or (tag == 'head' and len(self.stack) != 1) or \
                (tag == 'body' and any(e.tag == 'body' for e in self.stack)):
            self.depth += 1
            return
        self.open(tag, attrib)

    def handle_startendtag(self, tag, attrs):
        before = len(self.stack)
        self.handle_starttag(tag, attrs)
        if tag not in VOID and len(self.stack) > before and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        self.prolog = False
        if self.depth > 0 and tag in ('html', 'body', 'head'):
            self.depth -= 1
            return
        idx = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                idx = i
                break
        if idx is None:
            return
        priority = end_priority(tag)
        if any(end_priority(el.tag) > priority for el in self.stack[idx + 1:]):
            return
        del self.stack[idx:]

    def handle_data(self, data):
        if not data:
            return
        if not data.strip(' \t\r\n'):
            if not self.stack:
                return  # blanks outside any element are dropped
        else:
            if self.prolog:
                data = data.lstrip(' \t\r\n')  # blanks in the prolog are skipped
                self.prolog = False
            if not self.stack or self.stack[-1].tag in ('html', 'head'):
                self.auto_close('p')
                self.check_implied('p')
                self.open('p')
        cur = self.stack[-1]
        if cur._children:
            last = cur._children[-1]
            last.tail = (last.tail or '') + data
        else:
            cur.text = (cur.text or '') + data

    def handle_comment(self, data):
        if self.stack:
            self.stack[-1]._add(Comment(data))
        else:
            if self.html is None:
                self.prolog_nodes = True
            self.doc_nodes.append(Comment(data))  # a document-level comment (before or after the root)

    def handle_decl(self, decl):
        if self.html is None:
            self.prolog_nodes = True  # the doctype

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


class ParserError(Exception):
    """lxml.etree.ParserError's counterpart."""


def parse_document(text):
    b = TreeBuilder()
    b.feed(protect_bare_ampersands(text))
    b.close()
    if b.html is None:
        raise ParserError('Document is empty')  # no element at all (only comments, stray end tags)
    if len(b.doc_nodes) > 1:
        doc = Document(b.html, b.doc_nodes)
        for node in b.doc_nodes:
            node._doc = doc
    return b


FULL_HTML = re.compile(r'^\s*<(?:html|!doctype)', re.I)


def fromstring(text):
    """lxml.html.fromstring: the html root for a full document; for a fragment, bodies are merged
    into the first, heads into the first, and a fragment with a head is returned whole (its html);
    else the body's single element, else the body renamed `div` (block content) or `span`.
    Empty input: ParserError, as lxml raises."""
    b = parse_document(text)
    doc = b.html
    if FULL_HTML.match(text):
        return doc
    bodies = [c for c in doc._children if c.tag == 'body']
    body = bodies[0] if bodies else None
    for other in bodies[1:]:
        if other.text:
            if len(body):
                body[-1].tail = (body[-1].tail or '') + other.text
            else:
                body.text = (body.text or '') + other.text
        for kid in list(other._children):
            body.append(kid)
        other.drop_tree()
    heads = [c for c in doc._children if c.tag == 'head']
    if heads:
        for other in heads[1:]:
            for kid in list(other._children):
                heads[0].append(kid)
            other.drop_tree()
        return doc
    if body is None:
        return doc
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
