/**
 * Where a local name is read after a statement, and which "empty" values each read tolerates: the
 * question graceful degradation must answer before it lets a failed assignment go on (a target set to
 * `None` that is read as `len(x)` only moves the crash to the next line). Reads are classified from the
 * syntax alone (tree-sitter-python), conservatively: a read whose needs are not evident from the
 * syntax (`f(x)`, `x[0]`, `x.xpath(…)`, `y = x`) tolerates no substitute. Pure: tree in, facts out.
 */
import type { SyntaxNode } from './parser.ts';
import { walk } from './parser.ts';

/** The substitutes graceful degradation can give a name, as Python 2 literals. */
export const EMPTY_VALUES = ['None', "''", '[]', '{}'] as const;
export type EmptyValue = (typeof EMPTY_VALUES)[number];

const ALL: readonly EmptyValue[] = EMPTY_VALUES;
const SIZED: readonly EmptyValue[] = ["''", '[]', '{}'];
const SEQUENCE: readonly EmptyValue[] = ["''", '[]'];

/** str methods that return without raising on `''` (not `index`, which raises). */
const STRING_METHODS = new Set([
  'strip', 'lstrip', 'rstrip', 'lower', 'upper', 'title', 'capitalize', 'swapcase', 'replace', 'split', 'rsplit',
  'splitlines', 'startswith', 'endswith', 'find', 'rfind', 'format', 'encode', 'decode', 'isdigit', 'isalpha',
  'isalnum', 'isspace', 'islower', 'isupper', 'partition', 'rpartition', 'zfill', 'center', 'ljust', 'rjust',
  'expandtabs', 'translate', 'join',
]);
/** list methods that do not raise on `[]` (not `pop`, `remove`, `index`). */
const LIST_METHODS = new Set(['append', 'extend', 'insert', 'sort', 'reverse']);
/** dict methods that do not raise on `{}`. */
const DICT_METHODS = new Set(['get', 'keys', 'values', 'items', 'iteritems', 'iterkeys', 'itervalues', 'has_key', 'update', 'setdefault', 'copy']);
/** Builtins that accept any of the substitutes. */
const ANY_ARG_CALLS = new Set(['str', 'unicode', 'repr', 'bool', 'type', 'isinstance', 'id']);
/** Builtins that need a sized or iterable value. */
const SIZED_ARG_CALLS = new Set(['len', 'list', 'tuple', 'set', 'sorted', 'enumerate', 'reversed', 'any', 'all', 'dict']);

/** One read of the name: the identifier node and the substitutes that read tolerates (empty: none). */
export interface NameUse {
  readonly node: SyntaxNode;
  readonly line: number;
  readonly accepts: readonly EmptyValue[];
  /** The smallest expression around the read that decided `accepts` (for messages). */
  readonly context: string;
}

const unwrap = (n: SyntaxNode): SyntaxNode => {
  let p = n;
  while (p.parent?.type === 'parenthesized_expression') p = p.parent;
  return p;
};

const same = (a: SyntaxNode | null | undefined, b: SyntaxNode): boolean => !!a && a.startIndex === b.startIndex && a.endIndex === b.endIndex;

/** Unnamed operator tokens of a node (`is`, `not`, `in`, `%`, …). */
function operators(n: SyntaxNode): string[] {
  const out: string[] = [];
  for (let i = 0; i < n.childCount; i++) {
    const c = n.child(i);
    if (c && !c.isNamed) out.push(c.type);
  }
  return out;
}

/** True when `node` is an identifier that binds (is written, declared or is a field name), not a read. */
export function isBinding(node: SyntaxNode): boolean {
  let child = node;
  let p = node.parent;
  while (p && (p.type === 'pattern_list' || p.type === 'tuple_pattern' || p.type === 'list_pattern' || p.type === 'parenthesized_expression')) {
    child = p;
    p = p.parent;
  }
  if (!p) return false;
  switch (p.type) {
    case 'assignment':
    case 'for_statement':
    case 'for_in_clause':
      return same(p.childForFieldName('left'), child);
    case 'keyword_argument':
    case 'default_parameter':
    case 'typed_default_parameter':
    case 'function_definition':
    case 'class_definition':
      return same(p.childForFieldName('name'), child);
    case 'attribute':
      return same(p.childForFieldName('attribute'), child);
    case 'parameters':
    case 'lambda_parameters':
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern':
    case 'global_statement':
    case 'nonlocal_statement':
    case 'as_pattern_target':
    case 'dotted_name':
    case 'aliased_import':
      return true;
    case 'except_clause':
      // `except E, e:` / `except E as e:` — the name after the type
      return p.namedChildren.findIndex((c) => !!c && same(c, child)) === 1;
    default:
      return false;
  }
}

/** Names an assignment target binds (`x`, `a, b`, `(a, [b, c])`); attribute and subscript targets bind none. */
export function targetNames(target: SyntaxNode): SyntaxNode[] {
  if (target.type === 'identifier') return [target];
  if (['pattern_list', 'tuple_pattern', 'list_pattern', 'parenthesized_expression', 'expression_list', 'tuple', 'list'].includes(target.type)) {
    return target.namedChildren.flatMap((c) => (c ? targetNames(c) : []));
  }
  return [];
}

/** The substitutes a call's argument tolerates, from the called function's name. */
function argumentAccepts(call: SyntaxNode): readonly EmptyValue[] {
  const fn = call.childForFieldName('function');
  if (!fn) return [];
  if (fn.type === 'identifier') {
    if (ANY_ARG_CALLS.has(fn.text) || /^log$/i.test(fn.text)) return ALL;
    if (SIZED_ARG_CALLS.has(fn.text)) return SIZED;
    return [];
  }
  if (fn.type === 'attribute') {
    const obj = fn.childForFieldName('object');
    const name = fn.childForFieldName('attribute')?.text ?? '';
    // Plex's Log.Info/…/Log.Exception and PGMA's utils.log / self.log format any value
    if (obj?.text === 'Log' || /^log$/i.test(name)) return ALL;
    if (obj?.type === 'string' && name === 'format') return ALL;
    if (obj?.type === 'string' && name === 'join') return SEQUENCE;
  }
  return [];
}

/** A string or list literal: what `x + <literal>` needs x to be. */
function literalKind(n: SyntaxNode | null | undefined): EmptyValue | null {
  if (!n) return null;
  if (n.type === 'string' || n.type === 'concatenated_string') return "''";
  if (n.type === 'list' || n.type === 'list_comprehension') return '[]';
  return null;
}

/** True when `cond` is true only for a truthy / non-None `name` (`x`, `x is not None`, `len(x)`, `x and …`). */
function testsTruthy(cond: SyntaxNode, name: string): boolean {
  const c = cond.type === 'parenthesized_expression' ? cond.namedChildren[0] : cond;
  if (!c) return false;
  if (c.type === 'identifier') return c.text === name;
  if (c.type === 'comparison_operator') {
    const ops = operators(c).join(' ');
    const [l, r] = c.namedChildren;
    return (ops === 'is not' || ops === '!=') && l?.text === name && r?.type === 'none';
  }
  if (c.type === 'call') return c.childForFieldName('function')?.text === 'len' && c.childForFieldName('arguments')?.namedChildren[0]?.text === name;
  if (c.type === 'boolean_operator' && operators(c).includes('and')) {
    return testsTruthy(c.childForFieldName('left')!, name) || testsTruthy(c.childForFieldName('right')!, name);
  }
  return false;
}

/** True when `use` only runs when `name` is truthy: inside `if x:` (or `x and use`, `use if x else …`). */
function guardedByTruthTest(use: SyntaxNode, name: string, scope: SyntaxNode): boolean {
  let child = use;
  for (let p = use.parent; p && p !== scope; child = p, p = p.parent) {
    if ((p.type === 'if_statement' || p.type === 'elif_clause' || p.type === 'while_statement') && same(p.childForFieldName(p.type === 'while_statement' ? 'body' : 'consequence'), child)) {
      if (testsTruthy(p.childForFieldName('condition')!, name)) return true;
    }
    if (p.type === 'boolean_operator' && operators(p).includes('and') && same(p.childForFieldName('right'), child)) {
      if (testsTruthy(p.childForFieldName('left')!, name)) return true;
    }
    if (p.type === 'conditional_expression' && same(p.namedChildren[0], child) && p.namedChildren[1] && testsTruthy(p.namedChildren[1], name)) return true;
  }
  return false;
}

/** The substitutes one read of `name` tolerates, with the expression that decided it. */
export function classifyUse(id: SyntaxNode, scope: SyntaxNode): { accepts: readonly EmptyValue[]; context: SyntaxNode } {
  const name = id.text;
  if (guardedByTruthTest(id, name, scope)) return { accepts: ALL, context: id };
  const u = unwrap(id);
  const p = u.parent;
  if (!p) return { accepts: [], context: u };
  switch (p.type) {
    case 'expression_statement':
    case 'print_statement':
    case 'delete_statement':
    case 'not_operator':
    case 'boolean_operator':
      return { accepts: ALL, context: p };
    case 'if_statement':
    case 'elif_clause':
    case 'while_statement':
    case 'if_clause':
      return { accepts: same(p.childForFieldName('condition'), u) || p.type === 'if_clause' ? ALL : [], context: p };
    case 'conditional_expression':
      return { accepts: same(p.namedChildren[1], u) ? ALL : [], context: p };
    case 'comparison_operator': {
      const ops = operators(p);
      // tree-sitter gives `is not` and `not in` as single tokens
      if (ops.every((o) => ['is', 'is not', '==', '!=', '<>'].includes(o))) return { accepts: ALL, context: p };
      if (ops.length === 1 && (ops[0] === 'in' || ops[0] === 'not in') && same(p.namedChildren[1], u)) return { accepts: SIZED, context: p };
      return { accepts: [], context: p };
    }
    case 'for_statement':
    case 'for_in_clause':
      return { accepts: same(p.childForFieldName('right'), u) ? SIZED : [], context: p };
    case 'argument_list':
      return { accepts: p.parent?.type === 'call' ? argumentAccepts(p.parent) : [], context: p.parent ?? p };
    case 'keyword_argument':
      return { accepts: p.parent?.parent?.type === 'call' && same(p.childForFieldName('value'), u) ? argumentAccepts(p.parent.parent) : [], context: p.parent?.parent ?? p };
    case 'attribute': {
      if (!same(p.childForFieldName('object'), u)) return { accepts: [], context: p };
      const method = p.childForFieldName('attribute')?.text ?? '';
      if (p.parent?.type !== 'call') return { accepts: [], context: p };
      if (STRING_METHODS.has(method)) return { accepts: ["''"], context: p.parent };
      if (LIST_METHODS.has(method)) return { accepts: ['[]'], context: p.parent };
      if (DICT_METHODS.has(method)) return { accepts: ['{}'], context: p.parent };
      if (method === 'count') return { accepts: SEQUENCE, context: p.parent };
      return { accepts: [], context: p.parent };
    }
    case 'subscript':
      return { accepts: same(p.childForFieldName('value'), u) && p.childForFieldName('subscript')?.type === 'slice' ? SEQUENCE : [], context: p };
    case 'binary_operator': {
      const op = p.childForFieldName('operator')?.type;
      const other = same(p.childForFieldName('left'), u) ? p.childForFieldName('right') : p.childForFieldName('left');
      if (op === '%' && same(p.childForFieldName('right'), u)) return { accepts: ALL, context: p };
      const kind = op === '+' ? literalKind(other) : null;
      return { accepts: kind ? [kind] : [], context: p };
    }
    case 'augmented_assignment': {
      const kind = p.childForFieldName('operator')?.type === '+=' && same(p.childForFieldName('left'), u) ? literalKind(p.childForFieldName('right')) : null;
      return { accepts: kind ? [kind] : [], context: p };
    }
    default:
      return { accepts: [], context: p };
  }
}

/** True when `node` lies inside `outer` (or is it). */
export function within(node: SyntaxNode, outer: SyntaxNode): boolean {
  return node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}

/**
 * Every read of `name` in `scope` (a function, or the module) that comes after `after` ends, plus, when
 * `loop` is given, the reads in the loop's body before `after` (the next pass runs them too).
 */
export function usesAfter(scope: SyntaxNode, name: string, after: SyntaxNode, loop: SyntaxNode | null = null): NameUse[] {
  const out: NameUse[] = [];
  walk(scope, (n) => {
    if (n.type !== 'identifier' || n.text !== name || isBinding(n)) return;
    const later = n.startIndex >= after.endIndex;
    const earlierInLoop = loop !== null && !later && within(n, loop) && !within(n, after);
    if (!later && !earlierInLoop) return;
    const { accepts, context } = classifyUse(n, scope);
    out.push({ node: n, line: n.startPosition.row + 1, accepts, context: context.text.replace(/\s+/g, ' ').slice(0, 60) });
  });
  return out;
}

/**
 * The kind of value an expression evidently has, as its empty substitute: a list (`[…]`, a list
 * comprehension, `….xpath(…)`, `….split(…)`, `sorted(…)`), a string (a literal, `'…' % …`, a str
 * method, `str(…)`), a dict (`{…}`, `dict(…)`, `….groupdict()`), `None`; null when unknown.
 */
export function expressionKind(e: SyntaxNode | null | undefined): EmptyValue | null {
  if (!e) return null;
  switch (e.type) {
    case 'parenthesized_expression':
      return expressionKind(e.namedChildren[0]);
    case 'none':
      return 'None';
    case 'string':
    case 'concatenated_string':
      return "''";
    case 'list':
    case 'list_comprehension':
      return '[]';
    case 'dictionary':
    case 'dictionary_comprehension':
      return '{}';
    case 'binary_operator': {
      const op = e.childForFieldName('operator')?.type;
      const left = expressionKind(e.childForFieldName('left'));
      if (op === '%' && left === "''") return "''";
      if (op === '+') return left ?? expressionKind(e.childForFieldName('right'));
      return null;
    }
    case 'call': {
      const fn = e.childForFieldName('function');
      if (fn?.type === 'identifier') {
        if (['str', 'unicode', 'repr'].includes(fn.text)) return "''";
        if (['list', 'sorted'].includes(fn.text)) return '[]';
        if (fn.text === 'dict') return '{}';
        return null;
      }
      const method = fn?.type === 'attribute' ? (fn.childForFieldName('attribute')?.text ?? '') : '';
      if (['xpath', 'split', 'rsplit', 'splitlines', 'findall', 'keys', 'values', 'items'].includes(method)) return '[]';
      if (['groupdict'].includes(method)) return '{}';
      if (STRING_METHODS.has(method) && !['split', 'rsplit', 'splitlines', 'partition', 'rpartition', 'find', 'rfind', 'startswith', 'endswith'].includes(method) && !method.startsWith('is')) return "''";
      if (method === 'text_content') return "''";
      return null;
    }
    default:
      return null;
  }
}

/** Calls of a function named `fnName` (`fnName(…)` or `something.fnName(…)`) in a tree. */
export function callSites(root: SyntaxNode, fnName: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  walk(root, (n) => {
    if (n.type !== 'call') return;
    const fn = n.childForFieldName('function');
    const name = fn?.type === 'identifier' ? fn.text : fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
    if (name === fnName) out.push(n);
  });
  return out;
}

/** How a caller uses what a call returns: one entry per read (an ignored result tolerates anything). */
export function callResultUses(call: SyntaxNode, root: SyntaxNode): Array<{ accepts: readonly EmptyValue[]; line: number; context: string }> {
  const u = unwrap(call);
  const p = u.parent;
  const scope = ((): SyntaxNode => {
    for (let a = call.parent; a; a = a.parent) if (a.type === 'function_definition') return a;
    return root;
  })();
  const line = call.startPosition.row + 1;
  if (p?.type === 'expression_statement') return [{ accepts: ALL, line, context: 'result ignored' }];
  if (p?.type === 'assignment' && same(p.childForFieldName('right'), u) && p.parent?.type === 'expression_statement') {
    const left = p.childForFieldName('left')!;
    const names = targetNames(left);
    if (names.length === 0) return [{ accepts: [], line, context: p.text.replace(/\s+/g, ' ').slice(0, 60) }];
    return names.flatMap((n) => usesAfter(scope, n.text, p.parent!).map((x) => ({ accepts: x.accepts, line: x.line, context: x.context })));
  }
  const { accepts, context } = classifyUse(call, scope);
  return [{ accepts, line, context: context.text.replace(/\s+/g, ' ').slice(0, 60) }];
}
