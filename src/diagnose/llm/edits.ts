/**
 * The adviser's edits (file, exact old text, new text) turned into the recipes' own edit form (line
 * transforms and insertions against the original file, see recipes/source.ts), so plexmend renders the diff
 * itself — a diff text written by the model is never applied. Each old text must occur exactly once in the
 * file; the file must be a code file plexmend inspected inside a bundle (the patch scope of checklist point 8:
 * bundles and _PGMA; _PGMA files are not inspected, so they are refused here too). A shared file (PGMA's
 * utils.py) is one logical file: the edit reaches every copy.
 */
import type { BundleInspection, LogicalFile } from '../inspect/types.ts';
import { eolOf, splitLines, type SourceEdit } from '../recipes/source.ts';
import { inScope } from '../validate.ts';
import type { AdviceEdit } from './answer.ts';

/** The edits by logical file sha256 (recipe edit form), the files touched, and notes; or why they were refused. */
export type EditConversion =
  | { ok: true; edits: Map<string, SourceEdit[]>; files: string[]; notes: string[] }
  | { ok: false; reason: string };

/** The logical file at `path` (`X.bundle/Contents/Code/utils.py`), if plexmend inspected it. */
export function logicalFileAt(inspection: BundleInspection, path: string): LogicalFile | undefined {
  const [bundle, ...rest] = path.split('/');
  const inner = rest.join('/');
  const entry = inspection.bundles.find((b) => b.bundle === bundle)?.files.find((f) => f.path === inner);
  return entry ? inspection.files.find((f) => f.sha256 === entry.sha256) : undefined;
}

/** The prompt shows code as `  37| text`; a model that copies those prefixes gets them taken off again. */
const NUMBERED = /^ *\d+\| ?/;

function stripNumbers(text: string): string {
  const lines = text.split('\n');
  return lines.every((l) => NUMBERED.test(l)) ? lines.map((l) => l.replace(NUMBERED, '')).join('\n') : text;
}

/** Why `old` was not found, with the likeliest slip named (whitespace or indentation). */
function notFound(path: string, flat: string, old: string): string {
  const norm = (t: string) => t.split('\n').map((l) => l.trim()).join('\n');
  const loose = norm(old);
  const hint = loose && norm(flat).includes(loose) ? ' — it occurs with other indentation or spacing; old text must be copied exactly' : '';
  return `its old text for ${path} does not occur in the file (${JSON.stringify(old.slice(0, 60))})${hint}`;
}

function occurrences(haystack: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) at.push(i);
  return at;
}

/**
 * Converts the edits. `textOf` gives a logical file's current content; `shown`, when given, holds the line
 * ranges (by logical file sha256) the prompt showed, and an edit must lie within one: the model changes only
 * code it saw, which the evidence tied to the error. Fails (with the reason the report shows) on a path
 * outside the scope, a file not inspected, old text found zero or several times, lines not shown, or two
 * edits touching the same lines.
 */
export function convertEdits(inspection: BundleInspection, edits: AdviceEdit[], textOf: (f: LogicalFile) => string, shown?: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>): EditConversion {
  const out = new Map<string, SourceEdit[]>();
  const taken = new Map<string, Array<[number, number]>>();
  const files: string[] = [];
  const notes: string[] = [];
  for (const e of edits) {
    const path = e.file.trim().replace(/^\.\//, '');
    if (!inScope(path)) return { ok: false, reason: `edits ${e.file}, outside the bundles and _PGMA (patch scope, checklist point 8)` };
    const file = logicalFileAt(inspection, path);
    if (!file) return { ok: false, reason: `edits ${path}, which is not a code file plexmend inspected in the Plug-ins folder` };
    const text = textOf(file);
    const eol = eolOf(text);
    const lines = splitLines(text);
    const flat = lines.join('\n');
    const old = stripNumbers(e.old.replace(/\r\n/g, '\n'));
    const found = occurrences(flat, old);
    if (found.length !== 1) {
      return { ok: false, reason: found.length === 0 ? notFound(path, flat, old) : `its old text for ${path} occurs ${found.length} times; an edit must name text that occurs once` };
    }
    const start = found[0]!;
    const first = flat.slice(0, start).split('\n').length; // 1-based line of the old text's start
    const last = first + old.split('\n').length - 1;
    if (shown && !(shown.get(file.sha256) ?? []).some(([a, b]) => first >= a && last <= b)) {
      return { ok: false, reason: `its edit of ${path}:${first}${last > first ? `-${last}` : ''} is outside the code the prompt showed (the lines the evidence names and their functions)` };
    }
    const ranges = taken.get(file.sha256) ?? [];
    if (ranges.some(([a, b]) => first <= b && last >= a)) return { ok: false, reason: `two of its edits touch the same lines of ${path} (${first}–${last})` };
    taken.set(file.sha256, [...ranges, [first, last]]);
    const lineStart = start - (flat.lastIndexOf('\n', start - 1) + 1);
    const prefix = lines[first - 1]!.slice(0, lineStart);
    const endCol = (last === first ? lineStart : 0) + old.split('\n').pop()!.length;
    const suffix = lines[last - 1]!.slice(endCol);
    const replaced = (prefix + stripNumbers(e.new.replace(/\r\n/g, '\n')) + suffix).split('\n');
    const fileEdits: SourceEdit[] = [];
    const why = `the adviser's edit of ${path}:${first}`;
    const oldCount = last - first + 1;
    for (let k = 0; k < oldCount; k++) {
      const original = lines[first - 1 + k]!;
      let next: string;
      if (k < replaced.length) next = k === oldCount - 1 && replaced.length > oldCount ? replaced.slice(k).join(eol) : replaced[k]!;
      else {
        // plexmend's edits change and add lines, never delete one: a removed line is kept as a comment.
        next = `${/^[ \t]*/.exec(original)![0]}# (removed by the adviser's change) ${original.trim()}`;
        if (!notes.includes('removed lines are kept as comments')) notes.push('removed lines are kept as comments');
      }
      if (next !== original) fileEdits.push({ kind: 'transform', line: first + k, fn: (s) => (s === original ? next : s), why });
    }
    if (fileEdits.length === 0) return { ok: false, reason: `its edit of ${path}:${first} changes nothing` };
    out.set(file.sha256, [...(out.get(file.sha256) ?? []), ...fileEdits]);
    if (!files.includes(path)) files.push(path);
  }
  return { ok: true, edits: out, files, notes };
}
