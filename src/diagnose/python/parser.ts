/**
 * Python source → syntax tree, with tree-sitter-python (web-tree-sitter, WebAssembly). The grammar is
 * Python 3's, but it also accepts the Python 2 forms legacy Plex agents use (`print x`, `exec "…"`,
 * `except E, e:`, `ur''`, `10L`, `<>`, octal `0777`); backticks are the one Python 2 form it does not
 * know, see {@link parsePython}. The WebAssembly runtime and the grammar are loaded once, lazily, and
 * cached for the life of the process.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import { PlexmendError } from '../../errors.ts';
import { treeSitterIndentation } from './py27-indent.ts';

export type { Node as SyntaxNode, Tree as SyntaxTree } from 'web-tree-sitter';

let loading: Promise<Parser> | undefined;

/** Where the grammar's wasm file is, resolved through node's module resolution (no path guessing). */
function grammarPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('tree-sitter-python/tree-sitter-python.wasm');
}

/**
 * The shared parser, created on first use. Throws a {@link PlexmendError} when the grammar cannot be
 * loaded (a broken install), with the command that repairs it.
 */
export function pythonParser(): Promise<Parser> {
  loading ??= (async () => {
    try {
      await Parser.init();
      const language = await Language.load(grammarPath());
      const parser = new Parser();
      parser.setLanguage(language);
      return parser;
    } catch (err) {
      loading = undefined;
      throw new PlexmendError(`cannot load the Python grammar (tree-sitter-python): ${(err as Error).message}`, {
        hint: 'reinstall the dependencies: npm ci',
        cause: err,
      });
    }
  })();
  return loading;
}

/** A parsed file: the tree plus the text it was parsed from (node offsets index into it). */
export interface ParsedSource {
  readonly tree: Tree;
  readonly text: string;
}

/**
 * Parses Python source text. The two Python 2 forms the grammar lacks are first rewritten to
 * same-length Python 3 look-alikes (see {@link maskPython2}) so every position stays identical.
 * The caller should `tree.delete()` trees it no longer needs when parsing very many files.
 */
export async function parsePython(text: string): Promise<ParsedSource> {
  const parser = await pythonParser();
  const tree = parser.parse(maskPython2(text));
  if (!tree) throw new PlexmendError('the Python parser returned no tree', { hint: 'please report this with the file that caused it' });
  return { tree, text };
}

/**
 * Rewrites, outside string literals and comments and without changing any length:
 * - each backtick pair to `(` `)` (`` `x` `` is `repr(x)` in Python 2; a parenthesised expression has
 *   the same shape for every later check); an unpaired backtick is left for the parser to report;
 * - `except (A, B), e:` to `except [A, B], e:` (tree-sitter knows `except A, e:` but not a
 *   parenthesised tuple before the comma);
 * - the `exec` STATEMENT keyword to `_=  ` (tree-sitter's exec statement takes only a string or a name;
 *   `exec f.read() in g, l` and `exec TEMPLATE % args` are Python 2 too): `exec X in g` becomes the
 *   assignment `_=   X in g`; {@link isMaskedExec} tells such an assignment from a real one;
 * - `async` used as a plain name (legal in Python 2, a keyword to the grammar) to `asynk`, except
 *   before `def`, `for` or `with`, so Python 3's `async def` is still seen;
 * - `type(x).a = …` at the start of a statement to `tyqe(x).a = …` (the grammar reads `type …` there
 *   as a Python 3.12 type alias);
 * - attributes named `True`, `False`, `None` (`xmlrpclib.False`, legal in Python 2) to `Truf`, … ;
 * - indentation holding tabs to what Python 2 reads it as ({@link treeSitterIndentation}).
 */
export function maskPython2(text: string): string {
  const indentation = treeSitterIndentation(text);
  const masked = maskTokens(text);
  if (indentation.length === 0) return masked;
  const out = masked.split('');
  for (const edit of indentation) out.splice(edit.offset, edit.text.length, ...edit.text);
  return out.join('');
}

function maskTokens(text: string): string {
  if (!/[`]|\bexcept\s*\(|\bexec\s|\basync\b|\btype\s*[(.[]|\.\s*(True|False|None)\b/.test(text)) return text;
  const out = text.split('');
  let open = -1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const wordStart = !/[\w.]/.test(text[i - 1] ?? ' ');
    if (c === 'e' && wordStart && text.startsWith('except', i)) {
      maskExceptTuple(text, i + 6, out);
    }
    if (c === 'e' && wordStart && text.startsWith('exec', i) && /[ \t]/.test(text[i + 4] ?? '') && atStatementStart(text, i)) {
      const rest = /^[ \t]*(\S)/.exec(text.slice(i + 4, i + 40));
      if (rest && rest[1] !== '=' && rest[1] !== '(') out.splice(i, 4, '_', '=', ' ', ' ');
    }
    if (c === 't' && wordStart && text.startsWith('type', i) && /^[ \t]*[(.[]/.test(text.slice(i + 4, i + 12)) && atStatementStart(text, i)) {
      out[i + 2] = 'q';
    }
    if (c === '.' && /^\.[ \t]*(True|False|None)\b/.test(text.slice(i, i + 12))) {
      const m = /^\.[ \t]*(True|False|None)/.exec(text.slice(i, i + 12))!;
      out[i + m[0].length - 1] = 'f';
    }
    if (c === 'a' && wordStart && text.startsWith('async', i) && !/\w/.test(text[i + 5] ?? '') && !/^[ \t]+(def|for|with)\b/.test(text.slice(i + 5, i + 16))) {
      out[i + 4] = 'k';
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      i += quote.length;
      while (i < text.length && !text.startsWith(quote, i)) {
        if (text[i] === '\\') i++;
        else if (!triple && text[i] === '\n') break;
        i++;
      }
      i += quote.length;
      continue;
    }
    if (c === '`') {
      if (open < 0) open = i;
      else {
        out[open] = '(';
        out[i] = ')';
        open = -1;
      }
    }
    i++;
  }
  return out.join('');
}

/** True when only whitespace, or a `:`/`;` that ends a compound header or statement, precedes `i` on its line. */
function atStatementStart(text: string, i: number): boolean {
  const lineStart = text.lastIndexOf('\n', i - 1) + 1;
  const before = text.slice(lineStart, i).trimEnd();
  return before === '' || before.endsWith(':') || before.endsWith(';');
}

/**
 * True when `node` (an `assignment`) is a Python 2 `exec` statement that {@link maskPython2} rewrote:
 * `source` is the original text the tree was parsed from.
 */
export function isMaskedExec(node: Node, source: string): boolean {
  return node.type === 'assignment' && source.startsWith('exec', node.startIndex) && node.childForFieldName('left')?.text === '_';
}

/** From just after `except`: `(`…`)` followed by `,` gets square brackets instead. */
function maskExceptTuple(text: string, from: number, out: string[]): void {
  let i = from;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] !== '(') return;
  const start = i;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) break;
    else if (c === '\n' || c === '#' || c === '"' || c === "'") return;
  }
  if (depth !== 0) return;
  let j = i + 1;
  while (text[j] === ' ' || text[j] === '\t') j++;
  if (text[j] !== ',') return;
  out[start] = '[';
  out[i] = ']';
}

/** 1-based line of a node's first character (tree-sitter rows are 0-based). */
export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

/** 1-based last line of a node. */
export function endLineOf(node: Node): number {
  return node.endPosition.row + 1;
}

/**
 * Visits every node depth-first in source order (named and anonymous); return `false` from
 * `visit` to skip a node's children. Iterative, so 8,000-line files do not exhaust the stack.
 */
export function walk(root: Node, visit: (node: Node) => boolean | void): void {
  const cursor = root.walk();
  try {
    let descend = true;
    for (;;) {
      if (descend) {
        const keep = visit(cursor.currentNode);
        if (keep !== false && cursor.gotoFirstChild()) continue;
      }
      if (cursor.gotoNextSibling()) {
        descend = true;
        continue;
      }
      if (!cursor.gotoParent()) return;
      descend = false;
    }
  } finally {
    cursor.delete();
  }
}

/** Every descendant (and `root` itself) whose type is one of `types`, in source order. */
export function findAll(root: Node, types: string | readonly string[]): Node[] {
  const wanted = new Set(typeof types === 'string' ? [types] : types);
  const out: Node[] = [];
  walk(root, (n) => {
    if (wanted.has(n.type)) out.push(n);
  });
  return out;
}

/** The closest ancestor of `node` (not itself) whose type is one of `types`, or null. */
export function ancestor(node: Node, types: string | readonly string[]): Node | null {
  const wanted = typeof types === 'string' ? [types] : types;
  for (let p = node.parent; p; p = p.parent) if (wanted.includes(p.type)) return p;
  return null;
}
