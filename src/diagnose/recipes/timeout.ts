/**
 * Recipe: longer timeouts for a slow host. Every framework request to the host gets a timeout of at
 * least TIMEOUT_SECONDS (an existing literal is raised, an expression is bounded below, a call without
 * one gets the keyword), and the calls are also retried with back-off (timeouts are transient).
 */
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

export const timeoutDelay: Recipe = {
  name: 'timeout_delay',
  async run(ctx) {
    const host = ctx.group.host;
    const change = emptyChange(
      `Wait up to ${TIMEOUT_SECONDS} s for ${host ?? 'the site'} and retry timeouts`,
      `${host ?? 'the site'} answers slower than the agent waits; a longer timeout and a retry with back-off let slow answers arrive.`,
    );
    const files = bundleFiles(ctx);
    let any = false;
    for (const f of files) {
      const sites = f.file.inspection.requests.filter((r) => r.kind === 'framework' && (!host || r.hosts.includes(host) || r.likelyHosts.includes(host)));
      if (!sites.length) continue;
      const lines = splitLines(ctx.text(f.file));
      const edits: SourceEdit[] = sites.map((r) => ({ kind: 'transform', line: r.line, fn: (l) => raiseTimeout(l, r.callee), why: 'raise timeout' }));
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
