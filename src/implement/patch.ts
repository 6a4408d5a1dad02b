/**
 * Computing file contents (pure: bytes in, bytes out). Patches are applied byte-transparently: file bytes
 * and the diff's UTF-8 bytes are both viewed as latin1 strings, so a file in any encoding (PGMA's utils.py is
 * UTF-8, older agents carry latin-1 comments) and either line ending survives exactly, except for the lines
 * the diff changes. jsdiff's `applyPatch` places hunks (scanning when lines moved) and, with `fuzz` > 0,
 * tolerates that many differing context lines; deleted lines must always match.
 */
import { applyPatch, parsePatch, structuredPatch } from 'diff';
import { PatchConflictError, SharedCopiesDifferError } from './errors.ts';
import type { FileChange } from './plan.ts';
import { sha256 } from './files.ts';

/** Bytes → a string with one char per byte. */
export function bytesToBinary(buf: Uint8Array): string {
  return Buffer.from(buf).toString('latin1');
}

/** Inverse of bytesToBinary. */
export function binaryToBytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** A JS (UTF-16) string as the latin1 view of its UTF-8 bytes. */
export function textToBinary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

function parseOne(diff: string, path: string) {
  let patches;
  try {
    patches = parsePatch(textToBinary(diff));
  } catch (err) {
    throw new PatchConflictError(path, `the diff cannot be read (${(err as Error).message})`);
  }
  const withHunks = patches.filter((p) => p.hunks.length > 0);
  if (withHunks.length !== 1) throw new PatchConflictError(path, `expected a diff for one file, found ${withHunks.length}`);
  return withHunks[0]!;
}

/**
 * The new bytes of one file after `change`. `before` is undefined when the file does not exist (a diff
 * then applies to an empty file). Throws PatchConflictError when a hunk does not fit.
 */
export function applyChange(before: Uint8Array | undefined, change: FileChange, fuzz: number): Buffer {
  if (change.content !== undefined) return Buffer.from(change.content, 'utf8');
  const patch = parseOne(change.diff!, change.path);
  const out = applyPatch(before ? bytesToBinary(before) : '', patch, { fuzzFactor: fuzz });
  if (out === false) {
    throw new PatchConflictError(change.path, fuzz > 0 ? `no place fits its hunks, even with fuzz ${fuzz}` : 'its context lines are not in the file (code moved or changed?)');
  }
  return binaryToBytes(out);
}

/** A unified diff from `before` to `after` for `rel` (for exports and dry runs; `a/`,`b/` prefixes). */
export function unifiedDiff(rel: string, before: Uint8Array | undefined, after: Uint8Array | undefined, context = 3): string {
  const p = structuredPatch(`a/${rel}`, `b/${rel}`, before ? bytesToBinary(before) : '', after ? bytesToBinary(after) : '', '', '', { context });
  const lines = [`--- ${before ? `a/${rel}` : '/dev/null'}`, `+++ ${after ? `b/${rel}` : '/dev/null'}`];
  for (const h of p.hunks) {
    lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    lines.push(...h.lines);
  }
  return Buffer.from(lines.join('\n') + '\n', 'latin1').toString('utf8');
}

/**
 * Takes one fix out of a file that later changes were stacked on: the fix's own change (`after` → `before`)
 * is re-applied in reverse on top of `current`. Returns undefined when it no longer fits (a later change
 * rewrote the same lines).
 */
export function reverseOnTop(current: Uint8Array, before: Uint8Array, after: Uint8Array, fuzz: number): Buffer | undefined {
  const back = structuredPatch('x', 'x', bytesToBinary(after), bytesToBinary(before), '', '', { context: 3 });
  const out = applyPatch(bytesToBinary(current), back, { fuzzFactor: fuzz });
  return out === false ? undefined : binaryToBytes(out);
}

/** Whether `after` already contains the change (its reverse applies cleanly): reapply skips such files. */
export function alreadyApplied(current: Uint8Array, change: FileChange, fuzz = 0): boolean {
  if (change.content !== undefined) return sha256(current) === sha256(Buffer.from(change.content, 'utf8'));
  const patch = parseOne(change.diff!, change.path);
  const reversed = {
    ...patch,
    hunks: patch.hunks.map((h) => ({
      oldStart: h.newStart,
      oldLines: h.newLines,
      newStart: h.oldStart,
      newLines: h.oldLines,
      lines: h.lines.map((l) => (l.startsWith('+') ? '-' + l.slice(1) : l.startsWith('-') ? '+' + l.slice(1) : l)),
    })),
  };
  return applyPatch(bytesToBinary(current), reversed, { fuzzFactor: fuzz }) !== false && patch.hunks.some((h) => h.lines.some((l) => l[0] === '+' || l[0] === '-'));
}

/** Checks that every shared group's copies hash the same after the change; throws SharedCopiesDifferError. */
export function checkSharedGroups(files: Array<{ rel: string; sharedGroup?: string; afterSha: string | null }>): Array<{ group: string; copies: number; sha: string }> {
  const groups = new Map<string, Array<{ rel: string; sha: string | null }>>();
  for (const f of files) {
    if (!f.sharedGroup) continue;
    const list = groups.get(f.sharedGroup) ?? [];
    list.push({ rel: f.rel, sha: f.afterSha });
    groups.set(f.sharedGroup, list);
  }
  const out: Array<{ group: string; copies: number; sha: string }> = [];
  for (const [group, list] of groups) {
    const shas = new Set(list.map((x) => x.sha));
    if (shas.size !== 1) {
      const first = list[0]!.sha;
      throw new SharedCopiesDifferError(group, list.filter((x) => x.sha !== first).map((x) => x.rel));
    }
    out.push({ group, copies: list.length, sha: list[0]!.sha ?? '' });
  }
  return out;
}
