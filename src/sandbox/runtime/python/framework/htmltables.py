# -*- coding: utf-8 -*-
"""The element tables of libxml2's HTML parser (HTMLparser.c, libxml2 2.9 - 2.13), which lxml.html
uses and whose trees agents inside Plex see.

START_CLOSE[new] = the open elements a start tag of `new` closes when they are the current node
(`htmlStartClose`; applied repeatedly to the new current node). END_PRIORITY = `htmlEndPriority`:
an end tag never closes an element of higher priority standing between it and its match.
HTML5-only elements (section, article, nav...) are unknown to these tables: they close nothing.
"""

FONTSTYLE = ('tt', 'i', 'b', 'u', 's', 'strike', 'big', 'small')
HEADINGS = ('h1', 'h2', 'h3', 'h4', 'h5', 'h6')


def _rows():
    rows = {
        'form': ('form', 'p', 'hr') + HEADINGS + ('dl', 'ul', 'ol', 'menu', 'dir', 'address', 'pre', 'listing',
                                                  'xmp', 'head'),
        'head': ('p',),
        'title': ('p',),
        'body': ('head', 'style', 'script', 'title'),
        'frameset': ('head', 'style', 'script', 'title'),
        'li': ('p',) + HEADINGS + ('dl', 'address', 'pre', 'listing', 'xmp', 'head', 'li'),
        'hr': ('p', 'head'),
        'dir': ('p', 'head'),
        'address': ('p', 'head', 'ul'),
        'pre': ('p', 'head', 'ul'),
        'listing': ('p', 'head'),
        'xmp': ('p',),
        'blockquote': ('p', 'head'),
        'dl': ('p', 'dt', 'menu', 'dir', 'address', 'pre', 'listing', 'xmp', 'head'),
        'dt': ('p', 'menu', 'dir', 'address', 'pre', 'listing', 'xmp', 'head', 'dd'),
        'dd': ('p', 'menu', 'dir', 'address', 'pre', 'listing', 'xmp', 'head', 'dt'),
        'ul': ('p', 'head', 'ol', 'menu', 'dir', 'address', 'pre', 'listing', 'xmp'),
        'ol': ('p', 'head', 'ul'),
        'menu': ('p', 'head', 'ul'),
        'p': ('p', 'head') + HEADINGS + FONTSTYLE,
        'div': ('p', 'head'),
        'noscript': ('script',),
        'center': ('font', 'b', 'i', 'p', 'head'),
        'a': ('a', 'head'),
        'caption': ('p',),
        'colgroup': ('caption', 'colgroup', 'col', 'p'),
        'col': ('caption', 'col', 'p'),
        'table': ('p', 'head') + HEADINGS + ('pre', 'listing', 'xmp', 'a'),
        'th': ('th', 'td', 'p', 'span', 'font', 'a', 'b', 'i', 'u'),
        'td': ('th', 'td', 'p', 'span', 'font', 'a', 'b', 'i', 'u'),
        'tr': ('th', 'td', 'tr', 'caption', 'col', 'colgroup', 'p'),
        'thead': ('caption', 'col', 'colgroup'),
        'tfoot': ('th', 'td', 'tr', 'caption', 'col', 'colgroup', 'thead', 'tbody', 'p'),
        'tbody': ('th', 'td', 'tr', 'caption', 'col', 'colgroup', 'thead', 'tfoot', 'tbody', 'p'),
        'optgroup': ('option',),
        'option': ('option',),
        'fieldset': ('legend', 'p', 'head') + HEADINGS + ('pre', 'listing', 'xmp', 'a'),
    }
    for h in HEADINGS:
        rows[h] = ('p', 'head')  # observed with libxml2 2.9.14: a heading does not close another one
    # Most phrase, font-style and special elements close <head>.
    for t in FONTSTYLE + ('em', 'strong', 'dfn', 'code', 'samp', 'kbd', 'var', 'cite', 'abbr', 'acronym', 'img',
                          'font', 'br', 'map', 'q', 'sub', 'sup', 'span', 'bdo', 'iframe'):
        rows.setdefault(t, ('head',))
    return dict((k, frozenset(v)) for k, v in rows.items())


START_CLOSE = _rows()

END_PRIORITY = {'div': 150, 'td': 160, 'th': 160, 'tr': 170, 'thead': 180, 'tbody': 180, 'tfoot': 180,
                'table': 190, 'head': 200, 'body': 200, 'html': 220}

# Elements that go to an implied <head> when they come before any body content (htmlCheckImplied).
HEAD_ONLY = frozenset(['script', 'style', 'meta', 'link', 'title', 'base'])

# lxml.html's block_tags (lxml/html/defs.py): a fragment body holding one of them becomes a <div>.
BLOCK_TAGS = frozenset([
    'address', 'blockquote', 'center', 'del', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'ins', 'isindex',
    'noscript', 'p', 'pre',
    'dir', 'dl', 'dt', 'dd', 'li', 'menu', 'ol', 'ul',
    'table', 'caption', 'colgroup', 'col', 'thead', 'tfoot', 'tbody', 'tr', 'td', 'th',
    'fieldset', 'form', 'legend', 'optgroup', 'option'])


def end_priority(tag):
    return END_PRIORITY.get(tag, 100)
