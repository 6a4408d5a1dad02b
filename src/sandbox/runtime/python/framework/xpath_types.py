# -*- coding: utf-8 -*-
"""XPath 1.0 values: string-value of nodes, the conversions of §4.2-§4.4 and the comparisons of §3.4,
with libxml2's number formatting and parsing (what lxml returns inside Plex).
"""
import math
import re

from .xdom import Comment, Document, Element


def string_value(n):
    if isinstance(n, Document):
        return ''.join(string_value(r) for r in n.roots)
    if isinstance(n, Element):
        return (n.text or '') if n.tag is Comment else n.text_content()
    return n.value


def to_string(v):
    if isinstance(v, list):
        return string_value(v[0]) if v else ''
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, float):
        return number_to_string(v)
    return v


def number_to_string(f):
    """libxml2's xmlXPathFormatNumber (what lxml prints): integers as %d, 15 significant digits,
    exponent form outside [1e-5, 1e9]."""
    if f != f:
        return 'NaN'
    if f in (float('inf'), float('-inf')):
        return 'Infinity' if f > 0 else '-Infinity'
    if f == 0:
        return '0'
    if -2147483648 < f < 2147483647 and f == int(f):
        return '%d' % int(f)
    a = abs(f)
    if a > 1e9 or a < 1e-5:
        mantissa, exp = ('%.14e' % f).split('e')
        return _trim(mantissa) + 'e' + exp
    place = int(math.log10(a))
    digits = 15 - place - 1 if place > 0 else 15 - place
    return _trim('%0.*f' % (digits, f))


def _trim(text):
    if '.' in text:
        text = text.rstrip('0').rstrip('.')
    return text


def string_to_number(s):
    """libxml2's xmlXPathStringEvalNumber: optional '-', digits, '.', an exponent; else NaN."""
    s = s.strip(' \t\r\n')
    if not NUMBER_TEXT.match(s):
        return float('nan')
    return float(s)


NUMBER_TEXT = re.compile(r'^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$')


def to_number(v):
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, float):
        return v
    return string_to_number(to_string(v))


def to_boolean(v):
    if isinstance(v, list):
        return len(v) > 0
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        return v == v and v != 0
    return len(v) > 0


def compare(op, a, b):
    if isinstance(a, list) and isinstance(b, list):
        bs = [string_value(y) for y in b]
        return any(cmp_atoms(op, string_value(x), y) for x in a for y in bs)
    if isinstance(a, list) or isinstance(b, list):
        nodes, other, flip = (a, b, False) if isinstance(a, list) else (b, a, True)
        if isinstance(other, bool):
            return cmp_atoms(op, *((other, to_boolean(nodes)) if flip else (to_boolean(nodes), other)))
        for n in nodes:
            val = string_value(n)
            if isinstance(other, float):
                val = string_to_number(val)
            if cmp_atoms(op, *((other, val) if flip else (val, other))):
                return True
        return False
    return cmp_atoms(op, a, b)


def cmp_atoms(op, a, b):
    if op in ('=', '!='):
        if isinstance(a, bool) or isinstance(b, bool):
            a, b = to_boolean(a), to_boolean(b)
        elif isinstance(a, float) or isinstance(b, float):
            a, b = to_number(a), to_number(b)
        else:
            a, b = to_string(a), to_string(b)
        return (a == b) if op == '=' else (a != b)
    a, b = to_number(a), to_number(b)
    return {'<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b}[op]
