/**
 * Recipe: longer timeouts for a slow host. Every framework request to the host gets a timeout of at
 * least TIMEOUT_SECONDS (an existing literal is raised, an expression is bounded below, a call without
 * one gets the keyword), and the calls are also retried with back-off (timeouts are transient).
 */
import type { RequestSite } from '../inspect/types.ts';
import { splitLines, type SourceEdit } from './source.ts';
import { backoffEdits } from './backoff.ts';
import { addEdits, bundleFiles, emptyChange, type Recipe } from './types.ts';

export const TIMEOUT_SECONDS = 60;

/** Raises `timeout=…` on a line, or adds it to a call that closes on the same line. */
export function raiseTimeout(line: string, callee: string): string {
  const kw = /timeout\s*=\s*([^,)]+)/.exec(line);
  if (kw) {
    const value = kw[1]!.trim();
    const n = Number(value);
    const next = Number.isFinite(n) ? String(Math.max(TIMEOUT_SECONDS, n * 2)) : `max(${TIMEOUT_SECONDS}, ${value})`;
    return line.slice(0, kw.index) + `timeout=${next}` + line.slice(kw.index + kw[0].length);
  }
  const at = line.indexOf(`${callee}(`);
  if (at < 0) return line;
  // Find the call's closing parenthesis on this line.
  let depth = 0;
  for (let i = at + callee.length; i < line.length; i++) {
    if (line[i] === '(') depth++;
    else if (line[i] === ')' && --depth === 0) return `${line.slice(0, i)}, timeout=${TIMEOUT_SECONDS}${line.slice(i)}`;
  }
  return line;
}

/**
 * Where a call that starts on `line` ends: the line and column of its closing parenthesis (strings and
 * comments skipped; at most 30 lines). Null when the call is not on the line or does not close.
 */
export function callEnd(lines: string[], line: number, callee: string): { line: number; col: number } | null {
  const start = (lines[line - 1] ?? '').indexOf(`${callee}(`);
  if (start < 0) return null;
  let depth = 0;
  let quote: string | null = null;
  for (let n = line; n <= Math.min(lines.length, line + 30); n++) {
    const text = lines[n - 1]!;
    for (let i = n === line ? start + callee.length : 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = null;
        continue;
      }
      if (ch === '#') break;
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '(') depth++;
      else if (ch === ')' && --depth === 0) return { line: n, col: i };
    }
  }
  return null;
}

/**
 * The edit that raises one call's timeout: on its own line when it fits there; for a call over several
 * lines, on the line holding `timeout=`, else the keyword goes before the closing parenthesis.
 */
function timeoutEdit(lines: string[], r: RequestSite): SourceEdit {
  const end = callEnd(lines, r.line, r.callee);
  if (!end || end.line === r.line) return { kind: 'transform', line: r.line, fn: (l) => raiseTimeout(l, r.callee), why: 'raise timeout' };
  for (let n = r.line; n <= end.line; n++) {
    if (/\btimeout\s*=/.test(lines[n - 1]!)) return { kind: 'transform', line: n, fn: (l) => raiseTimeout(l, r.callee), why: 'raise timeout' };
  }
  const before = lines[end.line - 1]!.slice(0, end.col);
  let prev = end.line - 1;
  while (prev > r.line && !lines[prev - 1]!.trim()) prev--;
  const trailingComma = before.trim() ? before.trimEnd().endsWith(',') : lines[prev - 1]!.trimEnd().endsWith(',');
  const kw = `${trailingComma ? (before.trim() ? ' ' : '') : ', '}timeout=${TIMEOUT_SECONDS}`;
  return { kind: 'transform', line: end.line, fn: (l) => `${l.slice(0, end.col)}${kw}${l.slice(end.col)}`, why: 'add a timeout' };
}

export const timeoutDelay: Recipe = {
  name: 'timeout_delay',
  async run(ctx) {
    const host = ctx.group.host;
    const change = emptyChange(
      `Wait up to ${TIMEOUT_SECONDS} s for ${host ?? 'the site'} and retry timeouts`,
      `${host ?? 'the site'} answers slower than the agent waits; a longer timeout and a retry with back-off let slow answers arrive.`,
    );
    const files = bundleFiles(ctx);
    const reaches = (r: RequestSite) => !host || r.hosts.includes(host) || r.likelyHosts.includes(host);
    // The agent's own framework calls to the host; else the framework calls inside the wrappers it reaches the host through.
    let direct = files.map((f) => ({ f, sites: f.file.inspection.requests.filter((r) => r.kind === 'framework' && !r.insideWrapper && reaches(r)) }));
    if (direct.every((d) => d.sites.length === 0)) {
      const used = new Set(files.flatMap((f) => f.file.inspection.requests.filter((r) => r.kind === 'wrapper' && reaches(r)).map((r) => r.wrapper?.name ?? r.callee.split('.').pop()!)));
      direct = files.map((f) => ({ f, sites: f.file.inspection.requests.filter((r) => r.kind === 'framework' && r.insideWrapper && used.has(r.insideWrapper.split('.').pop()!)) }));
    }
    let any = false;
    for (const { f, sites } of direct) {
      if (!sites.length) continue;
      const lines = splitLines(ctx.text(f.file));
      const edits: SourceEdit[] = sites.map((r) => timeoutEdit(lines, r));
      addEdits(change.edits, f.file.sha256, edits);
      for (const r of sites) change.evidence.push({ file: `${ctx.bundle.bundle}/${f.path}`, line: r.line, text: (lines[r.line - 1] ?? '').trim(), why: `timeout ${r.keywords.timeout ?? '(framework default)'}` });
      any = true;
    }
    if (!any) return { ok: false, reason: `no framework request to ${host ?? 'the site'} in ${ctx.bundle.bundle}` };
    const b = backoffEdits(ctx, change);
    if (!b.ok) change.rationale += ` (no back-off: ${b.reason})`;
    return { ok: true, ...change };
  },
};
