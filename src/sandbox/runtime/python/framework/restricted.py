# -*- coding: utf-8 -*-
"""The RestrictedPython naming rules Plex applies when it compiles bundle code.

Relies on: Plex compiles every Code module with its RestrictedPython (`loader.py` ->
`RestrictedPython.compile_restricted(source, name, 'exec', elevated=...)`) and a violation raises
`SyntaxError: Line N: "<name>" is an invalid variable name because it starts with "_"`, which stops
the plug-in (a jb-miles/PGMAM-Repairs diagnosis of 2026-01-31 shows four PGMA agents failing to
start on `_add_pgma_stubs_to_path`; Hama#266 shows `Augmented assignment of object items and slices
is not allowed.`). Rules enforced, from RestrictedPython's RestrictionMutator:
- a name (assigned, read, deleted, def/class name, argument, import alias, except target) that
  starts with `_` and is not exactly `_`: refused (so `__file__`, `__name__`, `__import__` too);
- an attribute that starts with `_`: `"<name>" is an invalid attribute name because it starts with "_".`;
- a name ending in `__roles__`; the reserved name `printed`;
- `x[i] += ...` / `x[a:b] += ...` (augmented assignment of items and slices).
Assumption (unknown in Plex's fork): method names in the modern RestrictedPython allow-list
(`__init__`, `__str__`, `__repr__`, ...) are accepted inside a class body, as the lead's brief and
current RestrictedPython do. The first violation found (in source order) is the one reported.
"""
import ast

ALLOWED_METHOD_NAMES = frozenset([
    '__init__', '__contains__', '__lt__', '__le__', '__eq__', '__ne__', '__gt__', '__ge__',
    '__str__', '__repr__', '__unicode__', '__len__', '__iter__', '__next__', 'next', '__getitem__',
    '__setitem__', '__delitem__', '__hash__', '__nonzero__', '__bool__', '__call__', '__enter__',
    '__exit__', '__cmp__', '__add__', '__sub__', '__mul__',
])


class _Checker(ast.NodeVisitor):
    def __init__(self):
        self.errors = []
        self.class_depth = 0

    def error(self, node, text):
        self.errors.append((getattr(node, 'lineno', 0), getattr(node, 'col_offset', 0),
                            'Line %d: %s' % (getattr(node, 'lineno', 0), text)))

    def check_name(self, node, name, method=False):
        if name is None:
            return
        if name.startswith('_') and name != '_':
            if method and name in ALLOWED_METHOD_NAMES:
                return
            self.error(node, '"%s" is an invalid variable name because it starts with "_"' % name)
        elif name.endswith('__roles__'):
            self.error(node, '"%s" is an invalid variable name because it ends with "__roles__".' % name)
        elif name == 'printed':
            self.error(node, '"printed" is a reserved name.')

    def visit_Name(self, node):
        self.check_name(node, node.id)

    def visit_Attribute(self, node):
        if node.attr.startswith('_') and node.attr != '_':
            self.error(node, '"%s" is an invalid attribute name because it starts with "_".' % node.attr)
        elif node.attr.endswith('__roles__'):
            self.error(node, '"%s" is an invalid attribute name because it ends with "__roles__".' % node.attr)
        self.generic_visit(node)

    def _args(self, node, args):
        for a in list(args.posonlyargs if hasattr(args, 'posonlyargs') else []) + list(args.args) + \
                list(args.kwonlyargs):
            self.check_name(node, a.arg)
        if args.vararg:
            self.check_name(node, args.vararg.arg)
        if args.kwarg:
            self.check_name(node, args.kwarg.arg)

    def visit_FunctionDef(self, node):
        self.check_name(node, node.name, method=self.class_depth > 0)
        self._args(node, node.args)
        depth, self.class_depth = self.class_depth, 0
        self.generic_visit(node)
        self.class_depth = depth

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._args(node, node.args)
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        self.check_name(node, node.name)
        for b in node.bases:
            self.visit(b)
        for d in node.decorator_list:
            self.visit(d)
        self.class_depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self.class_depth -= 1

    def visit_Import(self, node):
        for alias in node.names:
            self.check_name(node, alias.name.split('.')[0])
            if alias.asname:
                self.check_name(node, alias.asname)

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name != '*':
                self.check_name(node, alias.name)
            if alias.asname:
                self.check_name(node, alias.asname)

    def visit_ExceptHandler(self, node):
        if isinstance(node.name, str):
            self.check_name(node, node.name)
        self.generic_visit(node)

    def visit_Global(self, node):
        for n in node.names:
            self.check_name(node, n)

    visit_Nonlocal = visit_Global

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Subscript):
            self.error(node, 'Augmented assignment of object items and slices is not allowed.')
        self.generic_visit(node)

    def visit_keyword(self, node):
        # keyword argument names in calls are not bound names (f(_x=1) is a call detail)
        self.visit(node.value)


def check_source(source, filename):
    """Compile `source` under the naming rules; returns a code object or raises SyntaxError.

    A plain syntax error propagates as Python reports it; a rule violation raises
    SyntaxError whose message is RestrictedPython's `Line N: ...` text."""
    tree = compile(source, filename, 'exec', ast.PyCF_ONLY_AST, dont_inherit=True)
    checker = _Checker()
    checker.visit(tree)
    if checker.errors:
        checker.errors.sort(key=lambda e: (e[0], e[1]))
        raise SyntaxError(checker.errors[0][2])
    return compile(tree, filename, 'exec', dont_inherit=True)
