/**
 * Source edits for recipes, stated against the ORIGINAL file's line numbers so that several recipes
 * composed into one proposal (headers + back-off) edit one file without knowing of each other: a line
 * transform composes with another transform of the same line, insertions keep their order. Rendering
 * applies them bottom-up and produces a unified diff per copy of the file (a shared utils.py gets the
 * same diff in every bundle).
 */
import { createHash } from 'node:crypto';
import { createPatch } from 'diff';
import type { FileChange } from '../schema.ts';

export type SourceEdit =
  | { kind: 'transform'; line: number; fn: (text: string) => string; why: string }
  | { kind: 'insert'; afterLine: number; lines: string[]; why: string };

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

/** Applies edits to the original text. Throws when a transform changes nothing it claimed to change. */
export function render(text: string, edits: SourceEdit[]): string {
  const eol = eolOf(text);
  const lines = splitLines(text);
  const transforms = new Map<number, Array<(s: string) => string>>();
  const inserts = new Map<number, string[]>();
  for (const e of edits) {
    if (e.kind === 'transform') {
      if (e.line < 1 || e.line > lines.length) throw new RangeError(`edit line ${e.line} outside 1..${lines.length}`);
      transforms.set(e.line, [...(transforms.get(e.line) ?? []), e.fn]);
    } else {
      if (e.afterLine < 0 || e.afterLine > lines.length) throw new RangeError(`insert after ${e.afterLine} outside 0..${lines.length}`);
      inserts.set(e.afterLine, [...(inserts.get(e.afterLine) ?? []), ...e.lines]);
    }
  }
  for (const [line, fns] of transforms) lines[line - 1] = fns.reduce((s, fn) => fn(s), lines[line - 1]!);
  const out: string[] = [];
  if (inserts.has(0)) out.push(...inserts.get(0)!);
  lines.forEach((l, i) => {
    out.push(l);
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

/** The indentation one level inside a block whose header line is `header` (from the first body line). */
export function bodyIndent(lines: string[], headerLine: number, endLine: number): string {
  for (let n = headerLine + 1; n <= endLine; n++) {
    const l = lines[n - 1] ?? '';
    if (l.trim() && !l.trim().startsWith('#')) return indentOf(l);
  }
  return indentOf(lines[headerLine - 1] ?? '') + '    ';
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
