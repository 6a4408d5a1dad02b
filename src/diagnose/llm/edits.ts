/**
 * The adviser's edits (file, exact old text, new text) turned into the recipes' own edit form (line
 * transforms, insertions and deletions against the original file, see recipes/source.ts), so plexmend
 * renders the diff itself — a diff text written by the model is never applied. Each old text must occur exactly once in the
 * file; the file must be a code file plexmend inspected inside a bundle (the patch scope of checklist point 8:
 * bundles and _PGMA; _PGMA files are not inspected, so they are refused here too). A shared file (PGMA's
 * utils.py) is one logical file: the edit reaches every copy.
 */
import type { BundleInspection, LogicalFile } from '../inspect/types.ts';
import { splitLines, type SourceEdit } from '../recipes/source.ts';
import { inScope } from '../validate.ts';
import type { AdviceEdit } from './answer.ts';

/** The edits by logical file sha256 (recipe edit form) and the files touched; or why they were refused. */
export type EditConversion =
  | { ok: true; edits: Map<string, SourceEdit[]>; files: string[] }
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
 * The line edits that turn the original lines `orig` (1-based from `first`) into `next`: lines equal at
 * both ends are left alone, the rest pair up as rewrites, left-over old lines are deleted and left-over
 * new lines inserted after the last line kept. Also the original lines really changed, `from`–`to` (for a
 * pure insertion, `gap`: the two lines around it), so the overlap and shown checks judge what the edit
 * touches, not the context the model quoted around it.
 */
export function lineEdits(orig: readonly string[], next: readonly string[], first: number, why: string): { edits: SourceEdit[]; from: number; to: number; gap: boolean } {
  let head = 0;
  while (head < orig.length && head < next.length && orig[head] === next[head]) head++;
  let tail = 0;
  while (tail < orig.length - head && tail < next.length - head && orig[orig.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
  const was = orig.slice(head, orig.length - tail);
  const now = next.slice(head, next.length - tail);
  const at = first + head; // first original line that differs
  const edits: SourceEdit[] = [];
  const paired = Math.min(was.length, now.length);
  for (let k = 0; k < paired; k++) {
    const before = was[k]!;
    const after = now[k]!;
    // a recipe composed onto the same line may have rewritten it first: then this rewrite stands aside
    edits.push({ kind: 'transform', line: at + k, fn: (s) => (s === before ? after : s), why });
  }
  for (let k = paired; k < was.length; k++) edits.push({ kind: 'delete', line: at + k, why });
  if (now.length > paired) edits.push({ kind: 'insert', afterLine: at + paired - 1, lines: now.slice(paired), why });
  return was.length ? { edits, from: at, to: at + was.length - 1, gap: false } : { edits, from: at - 1, to: at, gap: true };
}

/**
 * Converts the edits. `textOf` gives a logical file's current content; `shown`, when given, holds the line
 * ranges (by logical file sha256) the prompt showed, and an edit must lie within one: the model changes only
 * code it saw, which the evidence tied to the error. Lines an edit removes are deleted (an empty new text
 * deletes the whole lines its old text covers, leaving no blank line); the file keeps its line ending. A
 * deletion that leaves a block empty is converted as asked: the Python 2.7 point of the checklist refuses
 * it ("expected an indented block"). Fails (with the reason the report shows) on a path outside the scope,
 * a file not inspected, old text found zero or several times, lines not shown, or two edits touching the
 * same lines.
 */
export function convertEdits(inspection: BundleInspection, edits: AdviceEdit[], textOf: (f: LogicalFile) => string, shown?: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>): EditConversion {
  const out = new Map<string, SourceEdit[]>();
  const taken = new Map<string, Array<[number, number]>>();
  const files: string[] = [];
  for (const e of edits) {
    const path = e.file.trim().replace(/^\.\//, '');
    if (!inScope(path)) return { ok: false, reason: `edits ${e.file}, outside the bundles and _PGMA (patch scope, checklist point 8)` };
    const file = logicalFileAt(inspection, path);
    if (!file) return { ok: false, reason: `edits ${path}, which is not a code file plexmend inspected in the Plug-ins folder` };
    const text = textOf(file);
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
    const lineStart = start - (flat.lastIndexOf('\n', start - 1) + 1);
    const prefix = lines[first - 1]!.slice(0, lineStart);
    const endCol = (last === first ? lineStart : 0) + old.split('\n').pop()!.length;
    const suffix = lines[last - 1]!.slice(endCol);
    const fresh = stripNumbers(e.new.replace(/\r\n/g, '\n'));
    let replaced = (prefix + fresh + suffix).split('\n');
    const orig = lines.slice(first - 1, last);
    // Empty new text removes what the old text covered: whole lines go, not left behind as blank lines
    // (a blank line the old text only began or ended on stays).
    if (!fresh.trim()) {
      const kept = (l: string, k: number) => (k === 0 && l === orig[0]) || (k === replaced.length - 1 && l === orig[orig.length - 1]);
      replaced = replaced.filter((l, k) => l.trim() !== '' || kept(l, k));
    }
    const why = `the adviser's edit of ${path}:${first}`;
    const conv = lineEdits(orig, replaced, first, why);
    if (conv.edits.length === 0) return { ok: false, reason: `its edit of ${path}:${first} changes nothing` };
    const where = `${path}:${conv.from}${conv.to > conv.from ? `-${conv.to}` : ''}`;
    const seen = shown?.get(file.sha256) ?? [];
    const inside = (n: number) => seen.some(([a, b]) => n >= a && n <= b);
    // lines changed must all have been shown; an insertion needs one shown neighbour
    if (shown && !(conv.gap ? inside(conv.from) || inside(conv.to) : seen.some(([a, b]) => conv.from >= a && conv.to <= b))) {
      return { ok: false, reason: `its edit of ${where} is outside the code the prompt showed (the lines the evidence names and their functions)` };
    }
    const ranges = taken.get(file.sha256) ?? [];
    if (ranges.some(([a, b]) => conv.from <= b && conv.to >= a)) return { ok: false, reason: `two of its edits touch the same lines of ${path} (${conv.from}–${conv.to})` };
    taken.set(file.sha256, [...ranges, [conv.from, conv.to]]);
    out.set(file.sha256, [...(out.get(file.sha256) ?? []), ...conv.edits]);
    if (!files.includes(path)) files.push(path);
  }
  return { ok: true, edits: out, files };
}
