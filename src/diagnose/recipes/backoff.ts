/**
 * Recipe: retry with exponential back-off on 429/503 and timeouts (honouring Retry-After). A helper
 * function is added to the file that holds the request sites for the failing host, and those calls are
 * routed through it. Prefers the agent's own call sites; when the host is reached only through a wrapper
 * (PGMA's utils.getHTTPRequest), the framework call inside the wrapper is wrapped instead (a shared file:
 * patched in every copy).
 */
import type { RequestSite } from '../inspect/types.ts';
import { afterImports, splitLines, type SourceEdit } from './source.ts';
import { addEdits, bundleFiles, emptyChange, type Recipe, type RecipeContext } from './types.ts';

export const BACKOFF_HELPER = 'requestWithBackoff';

/** Python 2.7/3 common-subset helper; names follow Plex's RestrictedPython rules (no leading underscore). */
export function backoffHelper(): string[] {
  return [
    '',
    '',
    `def ${BACKOFF_HELPER}(fetch, *args, **kwargs):`,
    '    # plexmend: retry HTTP 429/503 and timeouts with exponential back-off, honouring Retry-After',
    '    import time',
    '    delay = 2.0',
    '    attempt = 0',
    '    while True:',
    '        try:',
    '            return fetch(*args, **kwargs)',
    '        except Exception as error:',
    '            text = str(error)',
    "            transient = ('429' in text or '503' in text or 'Too Many Requests' in text",
    "                         or 'Service Unavailable' in text or 'timed out' in text)",
    '            attempt = attempt + 1',
    '            if not transient or attempt > 4:',
    '                raise',
    '            wait = delay',
    '            try:',
    "                wait = max(wait, float(error.headers.get('Retry-After')))",
    '            except Exception:',
    '                pass',
    "            Log.Info('%s: %s; retry %d in %.1f s' % ('" + BACKOFF_HELPER + "', text, attempt, wait))",
    '            time.sleep(min(wait, 60.0))',
    '            delay = delay * 2',
  ];
}

const FRAMEWORK_FETCH = /^(HTML|XML|JSON|HTTP)\.(ElementFromURL|ObjectFromURL|Request)$/;

function reaches(r: RequestSite, host: string | undefined): boolean {
  return !host || r.hosts.includes(host) || r.likelyHosts.includes(host);
}

/** Routes `callee(` on a line through the helper; leaves the line as is when the call is not on it. */
export function wrapCall(line: string, callee: string): string {
  const at = line.indexOf(`${callee}(`);
  if (at < 0 || line.includes(`${BACKOFF_HELPER}(${callee}`)) return line;
  const after = line.slice(at + callee.length + 1);
  const sep = after.trimStart().startsWith(')') ? '' : ', ';
  return `${line.slice(0, at)}${BACKOFF_HELPER}(${callee}${sep}${after}`;
}

export function backoffEdits(ctx: RecipeContext, change = emptyChange('', '')): { ok: true } | { ok: false; reason: string } {
  const host = ctx.group.host;
  const files = bundleFiles(ctx);
  // The agent's own framework calls to the host first; else framework calls inside the wrappers it uses.
  let targets = files.flatMap((f) => f.file.inspection.requests.filter((r) => r.kind === 'framework' && FRAMEWORK_FETCH.test(r.callee) && !r.insideWrapper && reaches(r, host)).map((r) => ({ f, r })));
  if (targets.length === 0) {
    const wrappersUsed = new Set(files.flatMap((f) => f.file.inspection.requests.filter((r) => r.kind === 'wrapper' && reaches(r, host)).map((r) => r.wrapper?.name ?? r.callee.split('.').pop()!)));
    targets = files.flatMap((f) =>
      f.file.inspection.requests
        .filter((r) => r.kind === 'framework' && FRAMEWORK_FETCH.test(r.callee) && r.insideWrapper && wrappersUsed.has(r.insideWrapper.split('.').pop()!))
        .map((r) => ({ f, r })),
    );
  }
  if (targets.length === 0) return { ok: false, reason: `no framework request to ${host ?? 'the site'} found in ${ctx.bundle.bundle} to wrap` };
  const byFile = new Map<string, typeof targets>();
  for (const t of targets) byFile.set(t.f.file.sha256, [...(byFile.get(t.f.file.sha256) ?? []), t]);
  for (const [sha, ts] of byFile) {
    const { f } = ts[0]!;
    const lines = splitLines(ctx.text(f.file));
    const edits: SourceEdit[] = ts.map(({ r }) => ({ kind: 'transform', line: r.line, fn: (l) => wrapCall(l, r.callee), why: `route ${r.callee} through ${BACKOFF_HELPER}` }));
    if (!f.file.inspection.functions.some((fn) => fn.name === BACKOFF_HELPER)) {
      edits.push({ kind: 'insert', afterLine: afterImports(lines), lines: backoffHelper(), why: `define ${BACKOFF_HELPER}` });
    }
    addEdits(change.edits, sha, edits);
    for (const { r } of ts) change.evidence.push({ file: `${ctx.bundle.bundle}/${f.path}`, line: r.line, text: (lines[r.line - 1] ?? '').trim(), why: `requests ${host ?? 'the site'} in ${r.func}` });
  }
  return { ok: true };
}

export const retryBackoff: Recipe = {
  name: 'retry_backoff',
  async run(ctx) {
    const change = emptyChange(
      'Retry with exponential back-off on 429/503 and timeouts',
      `${ctx.group.host ?? 'the site'} answers ${ctx.group.status ?? ctx.group.class.replace(/_/g, ' ')} when asked too fast or when busy; retrying after 2, 4, 8, 16 s (or the site's Retry-After) lets the request through.`,
    );
    const r = backoffEdits(ctx, change);
    return r.ok ? { ok: true, ...change } : r;
  },
};
