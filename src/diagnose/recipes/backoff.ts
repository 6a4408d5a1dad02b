/**
 * Recipe: retry with exponential back-off on 429/503 and timeouts (honouring Retry-After). A helper
 * function is added to the file that holds the request sites for the failing host, and those calls are
 * routed through it. Prefers the agent's own call sites; when the host is reached only through a wrapper
 * (PGMA's utils.getHTTPRequest), the framework call inside the wrapper is wrapped instead (a shared file:
 * patched in every copy).
 */
import type { RequestSite } from '../inspect/types.ts';
import { afterImports, pyString, splitLines, type SourceEdit } from './source.ts';
import { addEdits, bundleFiles, emptyChange, type Recipe, type RecipeContext } from './types.ts';

export const BACKOFF_HELPER = 'requestWithBackoff';

export const BACKOFF_HOSTS = 'BACKOFF_HOSTS';
export const BACKOFF_ON = 'BACKOFF_ON';

/**
 * Python 2.7/3 common-subset helper; names follow Plex's RestrictedPython rules (no leading underscore).
 * It retries only requests to the hosts in BACKOFF_HOSTS whose error text holds one of BACKOFF_ON: a
 * challenge page on another host that answers 503 is not retried into a slow refresh.
 */
export function backoffHelper(hosts: string[], markers: string[]): string[] {
  return [
    '',
    '',
    `${BACKOFF_HOSTS} = (${hosts.map(pyString).join(', ')},)`,
    `${BACKOFF_ON} = (${markers.map(pyString).join(', ')},)`,
    '',
    '',
    `def ${BACKOFF_HELPER}(fetch, *args, **kwargs):`,
    '    # plexmend: retry transient HTTP errors of these hosts with exponential back-off, honouring Retry-After',
    '    import time',
    // '%s' % x, not str(x): under Python 2.7 str() of a unicode URL with a non-ASCII character (an
    // accented title) raises UnicodeEncodeError before the request is even made.
    "    url = '%s' % (args[0] if args else kwargs.get('url', ''),)",
    `    retrying = any(host in url for host in ${BACKOFF_HOSTS})`,
    '    delay = 2.0',
    '    attempt = 0',
    '    while True:',
    '        try:',
    '            return fetch(*args, **kwargs)',
    '        except Exception as error:',
    '            try:',
    "                text = '%s' % (error,)",
    '            except Exception:',
    '                text = repr(error)',
    '            attempt = attempt + 1',
    `            if not retrying or attempt > 4 or not any(marker in text for marker in ${BACKOFF_ON}):`,
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

/** The error texts that mark the group's transient failure, from its status or class. */
export function markersFor(status: number | undefined, cls: string): string[] {
  if (cls === 'timeout') return ['timed out'];
  if (status === 429) return ['429', 'Too Many Requests'];
  if (status === 503) return ['503', 'Service Unavailable'];
  if (status === 502) return ['502', 'Bad Gateway'];
  if (status === 504) return ['504', 'Gateway Time'];
  // Composed into another fix (a header fix learned it needs back-off): the usual transient answers.
  return ['429', 'Too Many Requests', '503', 'Service Unavailable'];
}

/** Adds values to a `NAME = ('a', 'b',)` tuple line, keeping what is there. */
export function extendTuple(line: string, values: string[]): string {
  const m = /^(\s*\w+\s*=\s*\()(.*)(\)\s*)$/.exec(line);
  if (!m) return line;
  const have = [...m[2]!.matchAll(/'([^']*)'|"([^"]*)"/g)].map((x) => x[1] ?? x[2]!);
  const all = [...have, ...values.filter((v) => !have.includes(v))];
  return `${m[1]}${all.map(pyString).join(', ')},${m[3]}`;
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
  // No trailing blank when the arguments continue on the next line.
  const sep = after.trimStart().startsWith(')') ? '' : after.trim() === '' ? ',' : ', ';
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
  if (targets.length === 0) return widenRouted(ctx, files, change);
  const byFile = new Map<string, typeof targets>();
  for (const t of targets) byFile.set(t.f.file.sha256, [...(byFile.get(t.f.file.sha256) ?? []), t]);
  for (const [sha, ts] of byFile) {
    const { f } = ts[0]!;
    const lines = splitLines(ctx.text(f.file));
    const edits: SourceEdit[] = ts.map(({ r }) => ({ kind: 'transform', line: r.line, fn: (l) => wrapCall(l, r.callee), why: `route ${r.callee} through ${BACKOFF_HELPER}` }));
    const hosts = host ? [host] : [...new Set(ts.flatMap(({ r }) => [...r.hosts, ...r.likelyHosts]))];
    const markers = markersFor(ctx.group.status, ctx.group.class);
    if (!f.file.inspection.functions.some((fn) => fn.name === BACKOFF_HELPER)) {
      edits.push({ kind: 'insert', afterLine: afterImports(lines), lines: backoffHelper(hosts, markers), why: `define ${BACKOFF_HELPER}` });
    } else {
      // The helper is there from an earlier fix: widen its host and error lists.
      edits.push(...widenEdits(lines, hosts, markers));
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
      `${ctx.group.host ?? 'the site'} answers ${ctx.group.status ?? ctx.group.class.replace(/_/g, ' ')} when asked too fast or when busy; retrying that host's requests after 2, 4, 8, 16 s (or the site's Retry-After) lets them through.`,
    );
    const r = backoffEdits(ctx, change);
    return r.ok ? { ok: true, ...change } : r;
  },
};

/** Edits that add hosts and error markers to an existing helper's BACKOFF_HOSTS / BACKOFF_ON lines. */
function widenEdits(lines: string[], hosts: string[], markers: string[]): SourceEdit[] {
  const edits: SourceEdit[] = [];
  const hostLine = lines.findIndex((l) => l.trimStart().startsWith(`${BACKOFF_HOSTS} =`));
  const onLine = lines.findIndex((l) => l.trimStart().startsWith(`${BACKOFF_ON} =`));
  if (hostLine >= 0) edits.push({ kind: 'transform', line: hostLine + 1, fn: (l) => extendTuple(l, hosts), why: 'add the host' });
  if (onLine >= 0) edits.push({ kind: 'transform', line: onLine + 1, fn: (l) => extendTuple(l, markers), why: 'add the error markers' });
  return edits;
}

const ROUTED_CALL = new RegExp(`${BACKOFF_HELPER}\\((HTML|XML|JSON|HTTP)\\.(ElementFromURL|ObjectFromURL|Request)\\b`);

/**
 * After an earlier back-off fix the framework calls read `requestWithBackoff(HTTP.Request, url, …)`, which
 * inspection no longer counts as requests (nor their function as a wrapper). When the bundle talks to the
 * host (a URL constant or a request names it) and a file of it defines the helper and routes framework
 * calls through it, the fix for another host or status is to widen the helper's lists.
 */
function widenRouted(ctx: RecipeContext, files: ReturnType<typeof bundleFiles>, change: ReturnType<typeof emptyChange>): { ok: true } | { ok: false; reason: string } {
  const host = ctx.group.host;
  const none = { ok: false as const, reason: `no framework request to ${host ?? 'the site'} found in ${ctx.bundle.bundle} to wrap` };
  if (!host) return none;
  const talksTo = files.some((f) => f.file.inspection.urlConstants.some((u) => u.hosts.includes(host)) || f.file.inspection.requests.some((r) => reaches(r, host)));
  if (!talksTo) return none;
  let any = false;
  for (const f of files) {
    if (!f.file.inspection.functions.some((fn) => fn.name === BACKOFF_HELPER)) continue;
    const lines = splitLines(ctx.text(f.file));
    const routed = lines.findIndex((l) => ROUTED_CALL.test(l));
    const hostLine = lines.findIndex((l) => l.trimStart().startsWith(`${BACKOFF_HOSTS} =`));
    if (routed < 0 || hostLine < 0) continue;
    const edits = widenEdits(lines, [host], markersFor(ctx.group.status, ctx.group.class));
    addEdits(change.edits, f.file.sha256, edits);
    change.evidence.push({
      file: `${ctx.bundle.bundle}/${f.path}`,
      line: hostLine + 1,
      text: lines[hostLine]!.trim(),
      why: `${BACKOFF_HELPER} already routes the framework requests (line ${routed + 1}: ${lines[routed]!.trim()}) but does not retry ${host}`,
    });
    any = true;
  }
  return any ? { ok: true } : none;
}
