/**
 * The parser-level Python 2.7 check: rules over a tree-sitter-python tree that reject syntax Python
 * 2.7 does not have. tree-sitter's grammar is Python 3's plus the Python 2 statements, so everything
 * Python 2 (`print x`, `exec "…"`, `except E, e:`, `ur''`, backticks, `<>`, `10L`, `0777`) parses and
 * passes; what Plex's embedded Python 2.7 would refuse to compile is reported by name and line.
 * Pure: tree in, issues out.
 */
import type { SyntaxNode } from './parser.ts';
import { lineOf, walk } from './parser.ts';

/** Names of the rules, as recorded in results (contract: add, never rename). */
export const PY27_RULES = [
  'syntax-error',
  'f-string',
  'string-prefix',
  'nonlocal',
  'annotation',
  'keyword-only-argument',
  'positional-only-argument',
  'async-await',
  'print-function-keyword',
  'yield-from',
  'matrix-multiply',
  'walrus',
  'star-unpacking',
  'raise-from',
  'non-ascii-identifier',
  'class-keyword-argument',
  'ellipsis-literal',
  'numeric-underscore',
  'match-statement',
  'except-group',
  'type-alias',
  'indentation',
  'positional-after-keyword',
] as const;
export type Py27Rule = (typeof PY27_RULES)[number];

/** One reason a file is not Python 2.7. `line`/`column` are 1-based. */
export interface Py27Issue {
  readonly rule: Py27Rule;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** String prefixes Python 2.7 accepts (case-insensitive). */
const PY27_STRING_PREFIXES = new Set(['', 'r', 'u', 'ur', 'b', 'br']);

function issue(rule: Py27Rule, node: SyntaxNode, message: string): Py27Issue {
  return { rule, line: lineOf(node), column: node.startPosition.column + 1, message };
}

function hasChildToken(node: SyntaxNode, token: string): boolean {
  for (let i = 0; i < node.childCount; i++) {
    const c = node.child(i);
    if (c && !c.isNamed && c.type === token) return true;
  }
  return false;
}

/** True when the module says `from __future__ import print_function` (then `print(…, end=…)` is legal). */
function usesPrintFunction(root: SyntaxNode): boolean {
  for (const stmt of root.namedChildren) {
    if (stmt?.type !== 'future_import_statement') continue;
    if (/\bprint_function\b/.test(stmt.text)) return true;
  }
  return false;
}

/**
 * Checks a parsed module for syntax Python 2.7 lacks. Parse errors (tree-sitter ERROR and MISSING
 * nodes) are reported first as `syntax-error`, one per error node, at their line.
 */
export function checkPy27Syntax(root: SyntaxNode): Py27Issue[] {
  const issues: Py27Issue[] = [];
  const printFunction = usesPrintFunction(root);
  walk(root, (n) => {
    if (n.isError) {
      issues.push(issue('syntax-error', n, `invalid syntax near ${JSON.stringify(n.text.slice(0, 40))}`));
      return false;
    }
    if (n.isMissing) {
      issues.push(issue('syntax-error', n, `invalid syntax: missing ${JSON.stringify(n.type)}`));
      return;
    }
    checkNode(n, issues, printFunction);
  });
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function checkNode(n: SyntaxNode, out: Py27Issue[], printFunction: boolean): void {
  if (!n.isNamed) return;
  switch (n.type) {
    case 'string_start': {
      const prefix = n.text.replace(/["']+$/, '').toLowerCase();
      if (prefix.includes('f')) out.push(issue('f-string', n, 'f-strings are Python 3.6+ (use .format())'));
      else if (!PY27_STRING_PREFIXES.has(prefix)) {
        out.push(issue('string-prefix', n, `string prefix "${prefix}" is not valid in Python 2.7`));
      }
      break;
    }
    case 'nonlocal_statement':
      out.push(issue('nonlocal', n, '"nonlocal" is Python 3 only'));
      break;
    case 'typed_parameter':
    case 'typed_default_parameter':
      out.push(issue('annotation', n, 'parameter annotations are Python 3 only'));
      break;
    case 'function_definition':
      if (n.childForFieldName('return_type')) out.push(issue('annotation', n, 'return annotations ("->") are Python 3 only'));
      if (hasChildToken(n, 'async')) out.push(issue('async-await', n, '"async def" is Python 3.5+'));
      break;
    case 'assignment':
      if (n.childForFieldName('type')) out.push(issue('annotation', n, 'variable annotations are Python 3.6+'));
      break;
    case 'parameters':
    case 'lambda_parameters':
      checkParameters(n, out);
      break;
    case 'for_statement':
    case 'with_statement':
    case 'for_in_clause':
      if (hasChildToken(n, 'async')) out.push(issue('async-await', n, '"async for"/"async with" are Python 3.5+'));
      break;
    case 'await':
      out.push(issue('async-await', n, '"await" is Python 3.5+'));
      break;
    case 'call':
      if (!printFunction) checkPrintCall(n, out);
      checkCallSplats(n, out);
      break;
    case 'yield':
      if (hasChildToken(n, 'from')) out.push(issue('yield-from', n, '"yield from" is Python 3.3+'));
      break;
    case 'binary_operator':
      if (n.childForFieldName('operator')?.type === '@') out.push(issue('matrix-multiply', n, 'the "@" operator is Python 3.5+'));
      break;
    case 'augmented_assignment':
      if (n.childForFieldName('operator')?.type === '@=') out.push(issue('matrix-multiply', n, 'the "@=" operator is Python 3.5+'));
      break;
    case 'named_expression':
      out.push(issue('walrus', n, 'assignment expressions (":=") are Python 3.8+'));
      break;
    case 'list_splat_pattern':
      if (n.parent?.type !== 'parameters' && n.parent?.type !== 'lambda_parameters') {
        out.push(issue('star-unpacking', n, 'starred assignment targets ("a, *b = …") are Python 3 only'));
      }
      break;
    case 'list_splat':
      if (n.parent && ['list', 'tuple', 'set', 'expression_list', 'pattern_list'].includes(n.parent.type)) {
        out.push(issue('star-unpacking', n, 'unpacking ("*x") inside a list, tuple or set display is Python 3.5+'));
      }
      break;
    case 'dictionary_splat':
      if (n.parent?.type === 'dictionary') out.push(issue('star-unpacking', n, 'unpacking ("**x") inside a dict display is Python 3.5+'));
      break;
    case 'raise_statement':
      if (n.childForFieldName('cause')) out.push(issue('raise-from', n, '"raise … from …" is Python 3 only'));
      break;
    case 'identifier':
      // eslint-disable-next-line no-control-regex
      if (/[^\x00-\x7f]/.test(n.text)) out.push(issue('non-ascii-identifier', n, `identifier ${JSON.stringify(n.text)} is not ASCII (Python 3 only)`));
      break;
    case 'class_definition': {
      const bases = n.childForFieldName('superclasses');
      if (bases?.namedChildren.some((c) => c?.type === 'keyword_argument' || c?.type === 'dictionary_splat')) {
        out.push(issue('class-keyword-argument', n, 'keyword arguments in a class statement (metaclass=…) are Python 3 only'));
      }
      break;
    }
    case 'ellipsis':
      if (!insideSubscript(n)) out.push(issue('ellipsis-literal', n, '"..." outside a subscript is Python 3 only'));
      break;
    case 'integer':
    case 'float':
      if (n.text.includes('_')) out.push(issue('numeric-underscore', n, 'underscores in numbers are Python 3.6+'));
      break;
    case 'match_statement':
      out.push(issue('match-statement', n, '"match" statements are Python 3.10+'));
      break;
    case 'except_clause':
      if (hasChildToken(n, '*')) out.push(issue('except-group', n, '"except*" is Python 3.11+'));
      break;
    case 'except_group_clause':
      out.push(issue('except-group', n, '"except*" is Python 3.11+'));
      break;
    case 'type_alias_statement':
      out.push(issue('type-alias', n, '"type X = …" is Python 3.12+'));
      break;
  }
}

/** Keyword-only (`*,` or parameters after `*args`) and positional-only (`/`) parameters. */
function checkParameters(n: SyntaxNode, out: Py27Issue[]): void {
  let afterStar = false;
  for (const p of n.namedChildren) {
    if (!p) continue;
    if (p.type === 'positional_separator') out.push(issue('positional-only-argument', p, 'positional-only parameters ("/") are Python 3.8+'));
    if (p.type === 'keyword_separator') {
      out.push(issue('keyword-only-argument', p, 'keyword-only parameters (bare "*") are Python 3 only'));
      return;
    }
    if (p.type === 'list_splat_pattern') {
      afterStar = true;
      continue;
    }
    if (afterStar && p.type !== 'dictionary_splat_pattern') {
      out.push(issue('keyword-only-argument', p, 'a parameter after "*args" is keyword-only: Python 3 only'));
      return;
    }
  }
}

/** `print(…, end=…)` and friends: a Python 3 print call, a syntax error in Python 2. */
function checkPrintCall(n: SyntaxNode, out: Py27Issue[]): void {
  const fn = n.childForFieldName('function');
  if (fn?.type !== 'identifier' || fn.text !== 'print') return;
  const args = n.childForFieldName('arguments');
  for (const a of args?.namedChildren ?? []) {
    if (a?.type === 'keyword_argument') {
      const name = a.childForFieldName('name')?.text ?? '';
      out.push(issue('print-function-keyword', a, `print(…, ${name}=…) needs Python 3 (or "from __future__ import print_function")`));
      return;
    }
  }
}

/** Python 2.7 allows one `*args` and one `**kw`, `*args` after every keyword and `**kw` last. */
function checkCallSplats(n: SyntaxNode, out: Py27Issue[]): void {
  const args = n.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return;
  let stars = 0;
  let dstars = 0;
  let keyword = false;
  for (const a of args.namedChildren) {
    if (!a || a.type === 'comment') continue;
    if (a.type === 'keyword_argument') keyword = true;
    else if (keyword && a.type !== 'list_splat' && a.type !== 'dictionary_splat') {
      out.push(issue('positional-after-keyword', a, 'a positional argument after a keyword argument ("non-keyword arg after keyword arg")'));
      return;
    }
    if (a.type === 'list_splat') stars++;
    else if (a.type === 'dictionary_splat') dstars++;
    else if (dstars > 0) {
      out.push(issue('star-unpacking', a, 'an argument after "**kw" is Python 3.5+'));
      return;
    } else if (stars > 0 && a.type !== 'keyword_argument') {
      out.push(issue('star-unpacking', a, 'a positional argument after "*args" is Python 3.5+'));
      return;
    }
    if (stars > 1 || dstars > 1) {
      out.push(issue('star-unpacking', a, 'several "*"/"**" unpackings in one call are Python 3.5+'));
      return;
    }
  }
}

function insideSubscript(n: SyntaxNode): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'subscript' || p.type === 'slice') return true;
    if (p.type.endsWith('statement') || p.type === 'block' || p.type === 'module') return false;
  }
  return false;
}
