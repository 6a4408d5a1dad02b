# -*- coding: utf-8 -*-
"""XPath 1.0 evaluation over xdom trees, returning what lxml returns.

Relies on W3C XPath 1.0 (all 13 axes, node tests, positional and boolean predicates, unions, type
conversions §4.2-§4.4 and comparisons §3.4) and on lxml's result mapping: node-sets become lists
(elements, comment elements, and 'smart strings' for text and attribute nodes, which know their
parent), strings `str`, numbers `float`, booleans `bool`. The 27 core functions are in
xpath_functions.py. HTML trees have no namespaces: a prefixed name test raises XPathEvalError
('Undefined namespace prefix'), as lxml does without a namespace map.
"""
import math

from . import xpath_parse
from .xpath_types import (compare, number_to_string, string_to_number, string_value,  # noqa: F401
                          to_boolean, to_number, to_string)
from .xdom import AttrNode, Comment, Document, Element, SmartString, TextNode


class XPathEvalError(Exception):
    pass


# -- node model ----------------------------------------------------------------------------
def node_key(n):
    return id(n) if isinstance(n, (Element, Document)) else n.key()


def node_order(n):
    if isinstance(n, Document):
        return -1
    if isinstance(n, Element):
        return n._o
    return n.order()


def doc_sort(nodes):
    seen = {}
    for n in nodes:
        seen.setdefault(node_key(n), n)
    return sorted(seen.values(), key=node_order)


def children(n):
    if isinstance(n, Document):
        return list(n.nodes)
    if not isinstance(n, Element) or n.tag is Comment:
        return []
    out = []
    if n.text:
        out.append(TextNode(n, False))
    for ch in n._children:
        out.append(ch)
        if ch.tail:
            out.append(TextNode(ch, True))
    return out


def parent(n, doc):
    if isinstance(n, Document):
        return None
    if isinstance(n, Element):
        return n._parent if n._parent is not None else doc
    if isinstance(n, TextNode):
        return n.xparent()
    return n.element


def descendants(n):
    out = []
    stack = list(reversed(children(n)))
    while stack:
        c = stack.pop()
        out.append(c)
        if isinstance(c, Element):
            stack.extend(reversed(children(c)))
    return out


def ancestors(n, doc):
    out = []
    p = parent(n, doc)
    while p is not None:
        out.append(p)
        p = parent(p, doc)
    return out


def siblings(n, doc, following):
    if isinstance(n, (AttrNode, Document)):
        return []
    p = parent(n, doc)
    if p is None:
        return []
    sib = children(p)
    k = node_key(n)
    idx = [node_key(s) for s in sib].index(k)
    return sib[idx + 1:] if following else list(reversed(sib[:idx]))


def axis_nodes(axis, n, doc):
    """Nodes of `axis` from `n`, in axis order (reverse axes nearest first)."""
    if axis == 'child':
        return children(n)
    if axis == 'descendant':
        return descendants(n)
    if axis == 'descendant-or-self':
        return [n] + descendants(n)
    if axis == 'self':
        return [n]
    if axis == 'parent':
        p = parent(n, doc)
        return [p] if p is not None else []
    if axis == 'ancestor':
        return ancestors(n, doc)
    if axis == 'ancestor-or-self':
        return [n] + ancestors(n, doc)
    if axis == 'following-sibling':
        return siblings(n, doc, True)
    if axis == 'preceding-sibling':
        return siblings(n, doc, False)
    if axis == 'attribute':
        if isinstance(n, Element) and n.tag is not Comment:
            return [AttrNode(n, k) for k in n.attrib]
        return []
    if axis == 'namespace':
        return []
    doc.ensure()
    if axis == 'following':
        if isinstance(n, Document):
            return []
        if isinstance(n, AttrNode):
            # libxml2 (lxml): an attribute's following nodes are its element's (not the element's content).
            start = n.element._tailo
        elif isinstance(n, Element):
            start = n._tailo
        else:
            start = n.order() + 1
        return [m for m in doc.flat if node_order(m) >= start]
    if axis == 'preceding':
        if isinstance(n, Document):
            return []
        anc = set(node_key(a) for a in ancestors(n, doc))
        limit = n.element._o if isinstance(n, AttrNode) else node_order(n)
        return [m for m in reversed(doc.flat) if node_order(m) < limit and node_key(m) not in anc]
    raise XPathEvalError('Invalid expression')


def matches(test, axis, n):
    kind = test[0]
    if kind == 'type':
        t = test[1]
        if t == 'node':
            return True
        if t == 'text':
            return isinstance(n, TextNode)
        if t == 'comment':
            return isinstance(n, Element) and n.tag is Comment
        return False  # processing-instruction: the HTML tree keeps none
    if test[1] is not None:
        raise XPathEvalError('Undefined namespace prefix')
    if axis == 'attribute':
        return isinstance(n, AttrNode) and (kind == 'any' or n.name == test[2])
    if not isinstance(n, Element) or n.tag is Comment:
        return False
    return kind == 'any' or n.tag == test[2]


# -- evaluation ----------------------------------------------------------------------------
class Context(object):
    __slots__ = ('node', 'position', 'size', 'doc', 'variables')

    def __init__(self, node, position, size, doc, variables):
        self.node = node
        self.position = position
        self.size = size
        self.doc = doc
        self.variables = variables


def arith(op, a, b):
    x, y = to_number(a), to_number(b)
    if op == '+':
        return x + y
    if op == '-':
        return x - y
    if op == '*':
        return x * y
    if op == 'div':
        if y == 0:
            if x != x or x == 0:
                return float('nan')
            return float('inf') if (x > 0) == (str(y)[0] != '-') else float('-inf')
        return x / y
    if y == 0 or x != x or y != y or x in (float('inf'), float('-inf')):
        return float('nan')
    return math.fmod(x, y)


def ev(e, ctx):
    kind = e[0]
    if kind == 'path':
        return eval_path(e, ctx)
    if kind == 'num':
        return e[1]
    if kind == 'str':
        return e[1]
    if kind == 'var':
        if e[1] not in ctx.variables:
            raise XPathEvalError('Undefined variable')
        return from_python(ctx.variables[e[1]])
    if kind == 'call':
        from . import xpath_functions
        return xpath_functions.call(e[1], e[2], ctx)
    if kind == 'neg':
        return -to_number(ev(e[1], ctx))
    if kind == 'union':
        a, b = ev(e[1], ctx), ev(e[2], ctx)
        if not isinstance(a, list) or not isinstance(b, list):
            raise XPathEvalError('Invalid type')
        return doc_sort(a + b)
    if kind == 'filter':
        base = ev(e[1], ctx)
        if not isinstance(base, list):
            raise XPathEvalError('Invalid type')
        return apply_predicates(doc_sort(base), e[2], ctx)
    if kind == 'or':
        return to_boolean(ev(e[1], ctx)) or to_boolean(ev(e[2], ctx))
    if kind == 'and':
        return to_boolean(ev(e[1], ctx)) and to_boolean(ev(e[2], ctx))
    if kind in ('=', '!=', '<', '<=', '>', '>='):
        return compare(kind, ev(e[1], ctx), ev(e[2], ctx))
    return arith(kind, ev(e[1], ctx), ev(e[2], ctx))


def apply_predicates(nodes, preds, ctx):
    for pred in preds:
        size = len(nodes)
        kept = []
        for i, n in enumerate(nodes):
            v = ev(pred, Context(n, i + 1, size, ctx.doc, ctx.variables))
            if isinstance(v, float):
                if v == i + 1:
                    kept.append(n)
            elif to_boolean(v):
                kept.append(n)
        nodes = kept
    return nodes


def eval_path(e, ctx):
    _, absolute, steps, start = e
    if start is not None:
        current = ev(start, ctx)
        if not isinstance(current, list):
            raise XPathEvalError('Invalid type')
    elif absolute:
        current = [ctx.doc]
    else:
        current = [ctx.node]
    i = 0
    while i < len(steps):
        axis, test, preds = steps[i]
        if (axis == 'descendant-or-self' and test == ANY_NODE and not preds and i + 1 < len(steps)
                and steps[i + 1][0] == 'child' and steps[i + 1][1][0] in ('name', 'any')):
            # `//name[...]`: each element's matching children, predicates per parent (same result as
            # the two steps, without materialising every text node).
            current = doc_sort(descendant_children(current, steps[i + 1], ctx))
            i += 2
            continue
        out = []
        for n in current:
            if axis == 'child' and test[0] in ('name', 'any'):
                found = element_children(n, test)
            else:
                found = [m for m in axis_nodes(axis, n, ctx.doc) if matches(test, axis, m)]
            out.extend(apply_predicates(found, preds, ctx) if preds else found)
        current = doc_sort(out) if (len(current) > 1 or axis in REVERSE or preds) else out
        i += 1
    return current


ANY_NODE = ('type', 'node', None)


def element_children(n, test):
    """child::name / child::* without building text nodes."""
    if test[1] is not None:
        raise XPathEvalError('Undefined namespace prefix')
    if isinstance(n, Document):
        kids = n.nodes
    elif isinstance(n, Element) and n.tag is not Comment:
        kids = n._children
    else:
        return []
    if test[0] == 'any':
        return [c for c in kids if c.tag is not Comment]
    name = test[2]
    return [c for c in kids if c.tag == name]


def descendant_children(current, child_step, ctx):
    _, test, preds = child_step
    out = []
    for n in current:
        if isinstance(n, Document):
            parents = [n] + [el for r in n.nodes for el in r.iter() if el.tag is not Comment]
        elif isinstance(n, Element) and n.tag is not Comment:
            parents = [el for el in n.iter() if el.tag is not Comment]
        else:
            continue
        for p in parents:
            found = element_children(p, test)
            if found:
                out.extend(apply_predicates(found, preds, ctx) if preds else found)
    return out


REVERSE = frozenset(['ancestor', 'ancestor-or-self', 'preceding', 'preceding-sibling'])


def from_python(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return v
    raise XPathEvalError('Unsupported variable type')


def to_python(v):
    if not isinstance(v, list):
        return v
    out = []
    for n in v:
        if isinstance(n, Element):
            out.append(n)
        elif isinstance(n, TextNode):
            out.append(SmartString(n.value, n.owner, is_tail=n.is_tail))
        elif isinstance(n, AttrNode):
            out.append(SmartString(n.value, n.element, is_attribute=True, attrname=n.name))
    return out


def evaluate(expr, node, variables=None):
    """`element.xpath(expr, **variables)` as lxml evaluates it."""
    try:
        tree = xpath_parse.parse(expr)
    except xpath_parse.XPathSyntaxError:
        raise XPathEvalError('Invalid expression')
    doc = node._document()
    doc.ensure()
    ctx = Context(node, None, None, doc, variables or {})
    return to_python(ev(tree, ctx))
