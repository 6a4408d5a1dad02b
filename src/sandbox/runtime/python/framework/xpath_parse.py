# -*- coding: utf-8 -*-
"""XPath 1.0 tokenizer and parser (W3C REC-xpath-19991116 §2-§3.7) -> a tuple AST.

AST: ('num', f) ('str', s) ('var', name) ('call', name, [args]) ('neg', e) ('union', a, b)
(op, a, b) for or/and/=/!=/</<=/>/>=/+/-/*/div/mod, ('path', absolute, steps, filter_or_None),
('filter', primary, [predicates]); a step is (axis, test, [predicates]) with test
('name', prefix, local) | ('any', prefix) | ('type', kind, literal). Abbreviations are expanded:
`//` = /descendant-or-self::node()/, `.` = self::node(), `..` = parent::node(), `@` = attribute::.
Raises XPathSyntaxError with lxml's message ("Invalid expression") on bad input.
"""
import re

AXES = frozenset(['ancestor', 'ancestor-or-self', 'attribute', 'child', 'descendant', 'descendant-or-self',
                  'following', 'following-sibling', 'namespace', 'parent', 'preceding', 'preceding-sibling',
                  'self'])
NODE_TYPES = frozenset(['comment', 'text', 'processing-instruction', 'node'])
OPERATOR_NAMES = frozenset(['and', 'or', 'mod', 'div'])

NCNAME = r'[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*'
TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<str>"[^"]*"|'[^']*')
  | (?P<op>//|::|\.\.|!=|<=|>=|[/()\[\].@,|+\-=<>*$])
  | (?P<name>%s(?::(?:%s|\*))?)
''' % (NCNAME, NCNAME), re.X)


class XPathSyntaxError(Exception):
    pass


def tokenize(expr):
    toks = []
    pos = 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise XPathSyntaxError('Invalid expression')
        pos = m.end()
        kind = m.lastgroup
        if kind == 'ws':
            continue
        text = m.group(kind)
        prev = toks[-1] if toks else None
        # §3.7 disambiguation: after a token that ends an operand, * and names are operators.
        operand_ended = prev is not None and not (
            prev[0] == 'op' and prev[1] in ('@', '::', '(', '[', ',', '/', '//', '|', '+', '-', '=', '!=', '<',
                                              '<=', '>', '>=', '$', '*op')) and not (prev[0] == 'opname')
        if kind == 'op' and text == '*' and operand_ended:
            toks.append(('op', '*op'))
        elif kind == 'name' and operand_ended and text in OPERATOR_NAMES:
            toks.append(('opname', text))
        elif kind == 'num':
            toks.append(('num', float(text)))
        elif kind == 'str':
            toks.append(('str', text[1:-1]))
        else:
            toks.append((kind, text))
    return toks


class Parser(object):
    def __init__(self, expr):
        self.toks = tokenize(expr)
        self.i = 0

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else (None, None)

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def at(self, kind, text=None):
        t = self.peek()
        return t[0] == kind and (text is None or t[1] == text)

    def expect(self, kind, text=None):
        if not self.at(kind, text):
            raise XPathSyntaxError('Invalid expression')
        return self.take()

    def parse(self):
        if not self.toks:
            raise XPathSyntaxError('Invalid expression')
        e = self.expr()
        if self.i != len(self.toks):
            raise XPathSyntaxError('Invalid expression')
        return e

    def expr(self):
        return self.binary(0)

    LEVELS = [('or',), ('and',), ('=', '!='), ('<', '<=', '>', '>='), ('+', '-'), ('*op', 'div', 'mod')]

    def binary(self, level):
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        ops = self.LEVELS[level]
        while True:
            kind, text = self.peek()
            if kind in ('op', 'opname') and text in ops:
                self.take()
                right = self.binary(level + 1)
                left = ('*' if text == '*op' else text, left, right)
            else:
                return left

    def unary(self):
        if self.at('op', '-'):
            self.take()
            return ('neg', self.unary())
        return self.union()

    def union(self):
        left = self.path_expr()
        while self.at('op', '|'):
            self.take()
            left = ('union', left, self.path_expr())
        return left

    def starts_filter(self):
        kind, text = self.peek()
        if kind in ('num', 'str') or (kind == 'op' and text in ('(', '$')):
            return True
        if kind == 'name' and self.peek(1) == ('op', '(') and text not in NODE_TYPES:
            return True
        return False

    def path_expr(self):
        if self.starts_filter():
            prim = self.primary()
            preds = self.predicates()
            node = ('filter', prim, preds) if preds else prim
            if self.at('op', '/') or self.at('op', '//'):
                steps = []
                self.slashes(steps)
                return ('path', False, steps, node)
            return node
        return self.location_path()

    def slashes(self, steps):
        while self.at('op', '/') or self.at('op', '//'):
            if self.take()[1] == '//':
                steps.append(('descendant-or-self', ('type', 'node', None), []))
            steps.append(self.step())

    def location_path(self):
        steps = []
        if self.at('op', '/'):
            self.take()
            if self.starts_step():
                steps.append(self.step())
                self.slashes(steps)
            return ('path', True, steps, None)
        if self.at('op', '//'):
            self.take()
            steps.append(('descendant-or-self', ('type', 'node', None), []))
            steps.append(self.step())
            self.slashes(steps)
            return ('path', True, steps, None)
        steps.append(self.step())
        self.slashes(steps)
        return ('path', False, steps, None)

    def starts_step(self):
        kind, text = self.peek()
        return kind == 'name' or (kind == 'op' and text in ('.', '..', '@', '*'))

    def step(self):
        if self.at('op', '.'):
            self.take()
            return ('self', ('type', 'node', None), [])
        if self.at('op', '..'):
            self.take()
            return ('parent', ('type', 'node', None), [])
        axis = 'child'
        if self.at('op', '@'):
            self.take()
            axis = 'attribute'
        elif self.at('name') and self.peek(1) == ('op', '::'):
            axis = self.take()[1]
            if axis not in AXES:
                raise XPathSyntaxError('Invalid expression')
            self.take()
        test = self.node_test()
        return (axis, test, self.predicates())

    def node_test(self):
        kind, text = self.take()
        if kind == 'op' and text == '*':
            return ('any', None)
        if kind != 'name':
            raise XPathSyntaxError('Invalid expression')
        if text in NODE_TYPES and self.at('op', '('):
            self.take()
            literal = None
            if text == 'processing-instruction' and self.at('str'):
                literal = self.take()[1]
            self.expect('op', ')')
            return ('type', text, literal)
        if text.endswith(':*'):
            return ('any', text[:-2])
        prefix, _, local = text.rpartition(':')
        return ('name', prefix or None, local)

    def predicates(self):
        preds = []
        while self.at('op', '['):
            self.take()
            preds.append(self.expr())
            self.expect('op', ']')
        return preds

    def primary(self):
        kind, text = self.take()
        if kind == 'num':
            return ('num', text)
        if kind == 'str':
            return ('str', text)
        if kind == 'op' and text == '$':
            name = self.expect('name')[1]
            return ('var', name)
        if kind == 'op' and text == '(':
            e = self.expr()
            self.expect('op', ')')
            return e
        if kind == 'name':
            self.expect('op', '(')
            args = []
            if not self.at('op', ')'):
                args.append(self.expr())
                while self.at('op', ','):
                    self.take()
                    args.append(self.expr())
            self.expect('op', ')')
            return ('call', text, args)
        raise XPathSyntaxError('Invalid expression')


_cache = {}


def parse(expr):
    tree = _cache.get(expr)
    if tree is None:
        tree = Parser(expr).parse()
        if len(_cache) < 2000:
            _cache[expr] = tree
    return tree
