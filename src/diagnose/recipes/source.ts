/**
 * Source edits for recipes, stated against the ORIGINAL file's line numbers so that several recipes
 * composed into one proposal (headers + back-off) edit one file without knowing of each other: a line
 * transform composes with another transform of the same line, insertions keep their order, a deleted
 * line is gone whatever else transforms it (insertions after it still land where it was). Rendering
 * applies them to the original lines and produces a unified diff per copy of the file (a shared
 * utils.py gets the same diff in every bundle).
 */
import { createHash } from 'node:crypto';
import { createPatch } from 'diff';
import type { FileChange } from '../schema.ts';
import { parsePython, lineOf, endLineOf, walk, type SyntaxNode } from '../python/parser.ts';

/**
 * One edit against the original file's 1-based lines: rewrite a line (`fn` gets the line without its
 * ending and returns one line, or several joined by the file's ending), insert lines after a line (0 =
 * before the first), or delete a line with its ending.
 */
export type SourceEdit =
  | { kind: 'transform'; line: number; fn: (text: string) => string; why: string }
  | { kind: 'insert'; afterLine: number; lines: string[]; why: string }
  | { kind: 'delete'; line: number; why: string };

/** Edits of one logical file (one content, perhaps many copies). */
export interface FileEdits {
  sha256: string;
  text: string;
  copies: Array<{ bundle: string; path: string }>;
  edits: SourceEdit[];
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Line-ending of a file: PGMA files are CRLF on some installs; patches must keep it. */
export function eolOf(text: string): string {
  return /\r\n/.test(text.slice(0, 10000)) ? '\r\n' : '\n';
}

/** Splits into lines without their endings (1-based access via lines[n - 1]). */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * Applies edits to the original text, keeping its line ending (CRLF stays CRLF). Throws a RangeError
 * when an edit names a line outside the file (a recipe's bug, not the user's).
 */
export function render(text: string, edits: SourceEdit[]): string {
  const eol = eolOf(text);
  const lines = splitLines(text);
  const transforms = new Map<number, Array<(s: string) => string>>();
  const inserts = new Map<number, string[]>();
  const deleted = new Set<number>();
  for (const e of edits) {
    if (e.kind === 'transform' || e.kind === 'delete') {
      if (e.line < 1 || e.line > lines.length) throw new RangeError(`edit line ${e.line} outside 1..${lines.length}`);
      if (e.kind === 'delete') deleted.add(e.line);
      else transforms.set(e.line, [...(transforms.get(e.line) ?? []), e.fn]);
    } else {
      if (e.afterLine < 0 || e.afterLine > lines.length) throw new RangeError(`insert after ${e.afterLine} outside 0..${lines.length}`);
      inserts.set(e.afterLine, [...(inserts.get(e.afterLine) ?? []), ...e.lines]);
    }
  }
  for (const [line, fns] of transforms) lines[line - 1] = fns.reduce((s, fn) => fn(s), lines[line - 1]!);
  const out: string[] = [];
  if (inserts.has(0)) out.push(...inserts.get(0)!);
  lines.forEach((l, i) => {
    if (!deleted.has(i + 1)) out.push(l);
    const extra = inserts.get(i + 1);
    if (extra) out.push(...extra);
  });
  return out.join(eol);
}

/** Unified diffs for every copy of every edited logical file. */
export function toFileChanges(files: FileEdits[]): FileChange[] {
  const changes: FileChange[] = [];
  for (const f of files) {
    if (f.edits.length === 0) continue;
    const after = render(f.text, f.edits);
    if (after === f.text) continue;
    // One diff per logical file (an 8,000-line utils.py in 21 bundles is diffed once), renamed per copy.
    const first = `${f.copies[0]!.bundle}/${f.copies[0]!.path}`;
    const body = createPatch(first, f.text, after, 'before', 'after').split('\n').slice(4).join('\n');
    for (const c of f.copies) {
      const path = `${c.bundle}/${c.path}`;
      changes.push({
        path,
        diff: `Index: ${path}\n${'='.repeat(67)}\n--- ${path}\tbefore\n+++ ${path}\tafter\n${body}`,
        baseHash: f.sha256,
        ...(f.copies.length > 1 ? { sharedGroup: f.sha256.slice(0, 16) } : {}),
      });
    }
  }
  return changes;
}

/** Leading white space of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** A Python string literal for `s`, single-quoted unless the text holds a single quote. */
export function pyString(s: string): string {
  if (!s.includes("'")) return `'${s.replace(/\\/g, '\\\\')}'`;
  if (!s.includes('"')) return `"${s.replace(/\\/g, '\\\\')}"`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The line after the module's imports (and docstring/comments at the top), where helpers go. */
export function afterImports(lines: string[]): number {
  let last = 0;
  let inDoc = false;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (inDoc) {
      if (t.includes('"""') || t.includes("'''")) inDoc = false;
      last = i + 1;
      continue;
    }
    if (i === last && (t.startsWith('"""') || t.startsWith("'''"))) {
      const q = t.slice(0, 3);
      inDoc = !(t.length > 3 && t.slice(3).includes(q));
      last = i + 1;
      continue;
    }
    if (/^(import|from)\s/.test(t)) last = i + 1;
    else if (t === '' || t.startsWith('#')) {
      if (i === last) last = i + 1;
    } else if (!/^[ \t]/.test(lines[i]!)) {
      if (last < i && lines.slice(last, i).every((l) => !l.trim())) break;
      if (!/^(import|from)\s/.test(t)) break;
    }
  }
  // Step back over trailing blank lines so the helper sits after the last import.
  while (last > 0 && !lines[last - 1]!.trim()) last--;
  return last;
}

/** True when the module imports `name` at top level (`import re`, `import os, re`). */
export function importsModule(lines: string[], name: string): boolean {
  const re = new RegExp(`^import\\s+(?:[\\w.]+\\s*,\\s*)*${name}(?:\\s*,|\\s*$|\\s+as\\s)`);
  return lines.some((l) => re.test(l.trim()));
}

/**
 * A docstring that opens a one-line def's body (`def f(x): "Doc."; return x`): it must stay the first
 * statement (else `f.__doc__` is None), so new statements go after it. `first` is its text on the def
 * line; when it runs on (a triple-quoted string over lines) it ends on `endLine`, whose text up to the
 * docstring's end is `last`.
 */
export interface OneLineDocstring {
  readonly first: string;
  readonly endLine: number;
  readonly last: string;
}

/** Where new statements open a function's body: after the docstring, or the def line rewritten when the body shares it. */
export type BodyStart =
  | { readonly kind: 'block'; readonly afterLine: number; readonly indent: string }
  | {
      readonly kind: 'one-line';
      readonly line: number;
      readonly header: string;
      /** The body's statements after any docstring, as written (`a; b  # c` stays one line); '' when none. */
      readonly body: string;
      readonly indent: string;
      readonly docstring: OneLineDocstring | null;
    };

/**
 * Where statements that must run first go in the function whose `def` is on the 1-based `line` (at any
 * depth: module level, a method, decorated); null when no function starts there. `text` is the whole
 * file. A block body opens after its docstring (one line or many) or after the header (a signature may
 * span lines), at the indentation of its first statement (tabs kept); a body on the def line itself
 * (`def f(x): return x`) is `one-line`: the def must be split into a header and a block.
 */
export async function bodyStart(text: string, line: number): Promise<BodyStart | null> {
  const { tree } = await parsePython(text);
  try {
    let fn: SyntaxNode | null = null;
    walk(tree.rootNode, (n) => {
      if (fn || lineOf(n) > line || endLineOf(n) < line) return false;
      if (n.type === 'function_definition' && lineOf(n) === line) fn = n;
      return true;
    });
    const found = fn as SyntaxNode | null;
    const body = found?.childForFieldName('body');
    if (!found || !body) return null;
    const lines = splitLines(text);
    const defIndent = indentOf(lines[line - 1] ?? '');
    const statements = body.namedChildren.filter((n): n is SyntaxNode => !!n && n.type !== 'comment');
    const first = statements[0]!;
    const docstring = isDocstring(first) ? first : null;
    if (lineOf(body) === line) {
      // `def f(x): stmt` — the body shares the def line: split it at the body's first character
      const lineStart = text.lastIndexOf('\n', body.startIndex - 1) + 1;
      const def = lines[line - 1]!;
      const at = body.startIndex - lineStart;
      const oneLine = { kind: 'one-line', line, header: def.slice(0, at).trimEnd(), indent: `${defIndent}    ` } as const;
      if (!docstring) return { ...oneLine, body: def.slice(at).trimEnd(), docstring: null };
      return { ...oneLine, ...splitDocstring(text, lines, docstring, at) };
    }
    const indent = indentOf(lines[lineOf(first) - 1] ?? '');
    if (docstring) return { kind: 'block', afterLine: endLineOf(docstring), indent };
    return { kind: 'block', afterLine: headerEnd(found), indent };
  } finally {
    tree.delete();
  }
}

/** A string (or adjacent strings, `"a" "b"`) standing alone as a statement: a docstring when it comes first. */
function isDocstring(n: SyntaxNode): boolean {
  const value = n.type === 'expression_statement' && n.namedChildCount === 1 ? n.namedChildren[0] : null;
  return value?.type === 'string' || value?.type === 'concatenated_string';
}

/**
 * A one-line def's body cut after its docstring (which starts at column `at` of the def line): the
 * docstring with any comment that follows it, and the statements after its `;`.
 */
function splitDocstring(text: string, lines: string[], doc: SyntaxNode, at: number): { body: string; docstring: OneLineDocstring } {
  const endLine = endLineOf(doc);
  const endText = lines[endLine - 1]!;
  const endCol = doc.endIndex - (text.lastIndexOf('\n', doc.endIndex - 1) + 1);
  const after = endText.slice(endCol).trim();
  // `"Doc."  # note` keeps its comment; `"Doc."; return x` gives up `return x` as the rest of the body
  const rest = after.startsWith(';') ? after.slice(1).trim() : '';
  const kept = after.startsWith(';') ? endText.slice(0, endCol) : endText.trimEnd();
  const first = endLine === doc.startPosition.row + 1 ? kept.slice(at) : lines[doc.startPosition.row]!.slice(at).trimEnd();
  return { body: rest, docstring: { first, endLine, last: kept } };
}

/** Last line of a def's header (a signature may span lines): the line of its `:`. */
function headerEnd(fn: SyntaxNode): number {
  const params = fn.childForFieldName('parameters');
  const ret = fn.childForFieldName('return_type');
  return endLineOf(ret ?? params ?? fn);
}

/**
 * The edits that put `statements` (without indentation) first in a function's body at `start`: one
 * insertion into a block, or, for a one-line def, the def line cut to its header and a block of its
 * docstring (kept first), the new statements, then the rest of the old body. `afterBody` puts them after
 * the one-line body's own statements instead (a value set on the def line that the new one must
 * overwrite); a block's insertion point is its caller's to choose.
 */
export function openBodyWith(start: BodyStart, statements: readonly string[], why: string, afterBody = false): SourceEdit[] {
  const lines = statements.map((s) => `${start.indent}${s}`);
  if (start.kind === 'block') return [{ kind: 'insert', afterLine: start.afterLine, lines, why }];
  const body = start.body ? [`${start.indent}${start.body}`] : [];
  const block = afterBody ? [...body, ...lines] : [...lines, ...body];
  const split: SourceEdit = { kind: 'transform', line: start.line, fn: () => start.header, why: 'make the one-line def a block' };
  const doc = start.docstring;
  if (!doc) return [split, { kind: 'insert', afterLine: start.line, lines: block, why }];
  if (doc.endLine === start.line) return [split, { kind: 'insert', afterLine: start.line, lines: [`${start.indent}${doc.first}`, ...block], why }];
  // a docstring running on past the def line: its first line moves into the block, its last is cut after it
  return [
    split,
    { kind: 'insert', afterLine: start.line, lines: [`${start.indent}${doc.first}`], why: 'the docstring stays first' },
    { kind: 'transform', line: doc.endLine, fn: () => doc.last, why: 'the docstring stays first' },
    { kind: 'insert', afterLine: doc.endLine, lines: block, why },
  ];
}
