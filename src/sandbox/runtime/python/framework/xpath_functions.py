# -*- coding: utf-8 -*-
"""The 27 XPath 1.0 core functions (W3C XPath 1.0 §4), with lxml's errors for unknown functions
and wrong arity (`XPathEvalError`). `id()` finds elements by their `id` attribute, as libxml2 does
for HTML documents; `lang()` reads `xml:lang` (absent from HTML trees, so false there, as in lxml).
"""
import math
import re

from . import xpath_eval as X
from .xdom import AttrNode, Comment, Document, Element

XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'


def _nodes(v):
    if not isinstance(v, list):
        raise X.XPathEvalError('Invalid type')
    return v


def _arg_or_context(args, ctx):
    return X.ev(args[0], ctx) if args else [ctx.node]


def _name(n):
    if isinstance(n, Element) and n.tag is not Comment:
        tag = n.tag
        return tag.split('}', 1)[1] if tag.startswith('{') else tag
    if isinstance(n, AttrNode):
        return n.name.split('}', 1)[1] if n.name.startswith('{') else n.name
    return ''


def _ns(n):
    name = n.tag if isinstance(n, Element) and n.tag is not Comment else (n.name if isinstance(n, AttrNode) else '')
    return name[1:].split('}', 1)[0] if name.startswith('{') else ''


def f_last(ctx, args):
    if ctx.size is None:  # libxml2: no context size outside a predicate
        raise X.XPathEvalError('Invalid expression')
    return float(ctx.size)


def f_position(ctx, args):
    if ctx.position is None:
        raise X.XPathEvalError('Invalid expression')
    return float(ctx.position)


def f_count(ctx, args):
    return float(len(_nodes(X.ev(args[0], ctx))))


def f_id(ctx, args):
    v = X.ev(args[0], ctx)
    words = []
    if isinstance(v, list):
        for n in v:
            words.extend(X.string_value(n).split())
    else:
        words = X.to_string(v).split()
    wanted = set(words)
    found = [el for r in ctx.doc.roots for el in r.iter() if el.tag is not Comment and el.get('id') in wanted]
    return X.doc_sort(found)


def f_local_name(ctx, args):
    ns = X.doc_sort(_nodes(_arg_or_context(args, ctx)))
    return _name(ns[0]) if ns else ''


def f_name(ctx, args):
    return f_local_name(ctx, args)


def f_namespace_uri(ctx, args):
    ns = X.doc_sort(_nodes(_arg_or_context(args, ctx)))
    return _ns(ns[0]) if ns else ''


def f_string(ctx, args):
    return X.to_string(X.ev(args[0], ctx)) if args else X.string_value(ctx.node)


def f_concat(ctx, args):
    if len(args) < 2:
        raise X.XPathEvalError('Invalid number of arguments')
    return ''.join(X.to_string(X.ev(a, ctx)) for a in args)


def _s(ctx, args, i):
    return X.to_string(X.ev(args[i], ctx))


def f_starts_with(ctx, args):
    return _s(ctx, args, 0).startswith(_s(ctx, args, 1))


def f_contains(ctx, args):
    return _s(ctx, args, 1) in _s(ctx, args, 0)


def f_substring_before(ctx, args):
    s, t = _s(ctx, args, 0), _s(ctx, args, 1)
    i = s.find(t)
    return s[:i] if i >= 0 else ''


def f_substring_after(ctx, args):
    s, t = _s(ctx, args, 0), _s(ctx, args, 1)
    i = s.find(t)
    return s[i + len(t):] if i >= 0 else ''


def _round(x):
    if x != x or x in (float('inf'), float('-inf')):
        return x
    r = math.floor(x + 0.5)
    if r == 0 and (x < 0 or (x == 0 and math.copysign(1, x) < 0)):
        return -0.0
    return float(r)


def f_substring(ctx, args):
    s = _s(ctx, args, 0)
    start = _round(X.to_number(X.ev(args[1], ctx)))
    if len(args) > 2:
        end = start + _round(X.to_number(X.ev(args[2], ctx)))
    else:
        end = float('inf')
    if start != start or end != end:
        return ''
    out = []
    for i, ch in enumerate(s, 1):
        if i >= start and i < end:
            out.append(ch)
    return ''.join(out)


def f_string_length(ctx, args):
    s = _s(ctx, args, 0) if args else X.string_value(ctx.node)
    return float(len(s))


def f_normalize_space(ctx, args):
    s = _s(ctx, args, 0) if args else X.string_value(ctx.node)
    return ' '.join(w for w in re.split('[ \t\r\n]+', s) if w)


def f_translate(ctx, args):
    s, a, b = _s(ctx, args, 0), _s(ctx, args, 1), _s(ctx, args, 2)
    table = {}
    for i, ch in enumerate(a):
        if ch not in table:
            table[ch] = b[i] if i < len(b) else None
    out = []
    for c in s:
        if c in table:
            if table[c] is not None:
                out.append(table[c])
        else:
            out.append(c)
    return ''.join(out)


def f_boolean(ctx, args):
    return X.to_boolean(X.ev(args[0], ctx))


def f_not(ctx, args):
    return not X.to_boolean(X.ev(args[0], ctx))


def f_true(ctx, args):
    return True


def f_false(ctx, args):
    return False


def f_lang(ctx, args):
    want = _s(ctx, args, 0).lower()
    n = ctx.node
    while n is not None and not isinstance(n, Document):
        if isinstance(n, Element) and XML_LANG in n.attrib:
            have = n.attrib[XML_LANG].lower()
            return have == want or have.startswith(want + '-')
        n = X.parent(n, ctx.doc)
    return False


def f_number(ctx, args):
    return X.to_number(X.ev(args[0], ctx)) if args else X.string_to_number(X.string_value(ctx.node))


def f_sum(ctx, args):
    return float(sum(X.string_to_number(X.string_value(n)) for n in _nodes(X.ev(args[0], ctx))))


def f_floor(ctx, args):
    x = X.to_number(X.ev(args[0], ctx))
    return x if x != x or x in (float('inf'), float('-inf')) else float(math.floor(x))


def f_ceiling(ctx, args):
    x = X.to_number(X.ev(args[0], ctx))
    if x != x or x in (float('inf'), float('-inf')):
        return x
    c = float(math.ceil(x))
    return -0.0 if c == 0 and x < 0 else c


def f_round(ctx, args):
    return _round(X.to_number(X.ev(args[0], ctx)))


# name -> (function, min args, max args)
FUNCTIONS = {
    'last': (f_last, 0, 0), 'position': (f_position, 0, 0), 'count': (f_count, 1, 1), 'id': (f_id, 1, 1),
    'local-name': (f_local_name, 0, 1), 'namespace-uri': (f_namespace_uri, 0, 1), 'name': (f_name, 0, 1),
    'string': (f_string, 0, 1), 'concat': (f_concat, 2, 999), 'starts-with': (f_starts_with, 2, 2),
    'contains': (f_contains, 2, 2), 'substring-before': (f_substring_before, 2, 2),
    'substring-after': (f_substring_after, 2, 2), 'substring': (f_substring, 2, 3),
    'string-length': (f_string_length, 0, 1), 'normalize-space': (f_normalize_space, 0, 1),
    'translate': (f_translate, 3, 3), 'boolean': (f_boolean, 1, 1), 'not': (f_not, 1, 1),
    'true': (f_true, 0, 0), 'false': (f_false, 0, 0), 'lang': (f_lang, 1, 1), 'number': (f_number, 0, 1),
    'sum': (f_sum, 1, 1), 'floor': (f_floor, 1, 1), 'ceiling': (f_ceiling, 1, 1), 'round': (f_round, 1, 1),
}


def call(name, args, ctx):
    spec = FUNCTIONS.get(name)
    if spec is None:
        raise X.XPathEvalError('Unregistered function')
    fn, lo, hi = spec
    if not lo <= len(args) <= hi:
        raise X.XPathEvalError('Invalid number of arguments')
    return fn(ctx, args)


__all__ = ['call', 'FUNCTIONS']
