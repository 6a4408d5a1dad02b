/**
 * Recipe: browser-like request headers. The framework sends `HTTP.Headers` with every framework request
 * (`HTML.ElementFromURL`, `HTTP.Request`); agents set them in `Start()`, which the framework calls once
 * when the plug-in starts. The headers written are the ones the site probe sent when the site answered
 * (BROWSER_HEADERS), so the change has been tried. A header Start() already sets is replaced on its
 * line; missing ones go at the start of Start()'s body, after its docstring, so that they run on every
 * path (a Start() can end in `return` or return early); a one-line `def Start(): …` becomes a block,
 * its docstring (if any) still first.
 */
import { BROWSER_HEADERS } from '../probe.ts';
import { bodyStart, indentOf, openBodyWith, pyString, splitLines, type BodyStart, type SourceEdit } from './source.ts';
import { addEdits, bundleFiles, emptyChange, type Recipe } from './types.ts';

export const requestHeaders: Recipe = {
  name: 'request_headers',
  async run(ctx) {
    const host = ctx.group.host;
    const files = bundleFiles(ctx);
    const withStart = files.find((f) => f.file.inspection.functions.some((fn) => fn.qualifiedName === 'Start'));
    if (!withStart) return { ok: false, reason: `no Start() function in ${ctx.bundle.bundle}: nowhere to set framework headers` };
    const reached = files.flatMap((f) => f.file.inspection.requests).filter((r) => !host || r.hosts.includes(host) || r.likelyHosts.includes(host));
    if (reached.length > 0 && reached.every((r) => r.kind === 'requests' || r.kind === 'urllib')) {
      return { ok: false, reason: `${host} is requested only through ${reached[0]!.callee}, which does not send the framework's HTTP.Headers` };
    }
    const { file, path } = withStart;
    const start = file.inspection.functions.find((fn) => fn.qualifiedName === 'Start')!;
    const lines = splitLines(ctx.text(file));
    const existing = file.inspection.headers.filter((h) => h.func === 'Start');
    const change = emptyChange(
      'Send browser-like request headers',
      `${host ?? 'the site'} answered ${ctx.group.status ?? 'errors'} to the agent's requests${ctx.probe?.verdict === 'needs_browser_headers' ? ` and ${ctx.probe.asBrowser?.status} to the same request with these headers` : ''}; Start() sets the headers every framework request sends.`,
    );
    const edits: SourceEdit[] = [];
    const inserts: string[] = [];
    const opening = await bodyStart(ctx.text(file), start.line);
    if (!opening) return { ok: false, reason: `Start() in ${path} is not a module-level function: nowhere sure to set framework headers` };
    const oneLine = opening.kind === 'one-line' ? opening : null;
    const indent = existing.length && !oneLine ? indentOf(lines[existing[0]!.line - 1] ?? '') : opening.indent;
    for (const [name, value] of Object.entries(BROWSER_HEADERS)) {
      const set = existing.find((h) => h.header.toLowerCase() === name.toLowerCase());
      if (set && oneLine) {
        // set on the def line itself: the new value goes after the old statement, so it wins
        if (set.value !== value) inserts.push(`${indent}HTTP.Headers[${pyString(name)}] = ${pyString(value)}`);
      } else if (set) {
        if (set.value === value) continue;
        edits.push({ kind: 'transform', line: set.line, fn: (l) => `${indentOf(l)}HTTP.Headers[${pyString(name)}] = ${pyString(value)}`, why: `replace ${name}` });
        change.evidence.push({ file: `${ctx.bundle.bundle}/${path}`, line: set.line, text: (lines[set.line - 1] ?? '').trim(), why: `Start() sets ${name} to ${set.valueText}` });
      } else {
        inserts.push(`${indent}HTTP.Headers[${pyString(name)}] = ${pyString(value)}`);
      }
    }
    if (oneLine && inserts.length) {
      // headers already set on the def line are overwritten by the new values after them; a docstring stays first
      const statements = inserts.map((l) => l.slice(oneLine.indent.length));
      edits.push(...openBodyWith(oneLine, statements, 'browser headers in Start()', existing.length > 0));
    } else if (inserts.length) {
      const after = existing.length ? Math.max(...existing.map((h) => h.line)) : (opening as Extract<BodyStart, { kind: 'block' }>).afterLine;
      edits.push({ kind: 'insert', afterLine: after, lines: inserts, why: 'add missing browser headers' });
    }
    if (inserts.length && !existing.length) change.evidence.push({ file: `${ctx.bundle.bundle}/${path}`, line: start.line, text: (lines[start.line - 1] ?? '').trim(), why: 'Start() sets no request headers' });
    if (edits.length === 0) return { ok: false, reason: 'Start() already sends these browser headers' };
    addEdits(change.edits, file.sha256, edits);
    for (const r of reached.slice(0, 3)) {
      const f = files.find((x) => x.file.inspection.requests.includes(r));
      change.evidence.push({ file: `${ctx.bundle.bundle}/${f?.path ?? '?'}`, line: r.line, text: `${r.callee}(${r.urlText})`, why: `requests ${host ?? 'the site'} in ${r.func}` });
    }
    return { ok: true, ...change };
  },
};
