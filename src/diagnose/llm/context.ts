/**
 * The code context the adviser sees for one error group, from plexmend's own inspection (never from the
 * model): the lines PGMA's `File: X, Line: N` or a traceback names, the request sites that reach the group's
 * host (and the headers `Start()` sets), the XPath expressions behind an empty result, the title normaliser,
 * the `raise` whose message the log quotes.
 * Each anchor comes with its enclosing function, clipped, so the model can quote exact text; the whole is
 * bounded in size. The anchors are also the proposal's code evidence, so the checklist's code-location
 * point holds the model's edits to the lines the evidence names.
 */
import type { CodeEvidence, RecipeContext } from '../recipes/types.ts';
import { bundleFiles, evidenceLocations } from '../recipes/types.ts';
import { splitLines } from '../recipes/source.ts';
import type { LogicalFile } from '../inspect/types.ts';

/** A numbered excerpt of one file. */
export interface ContextSnippet {
  /** Path relative to the Plug-ins folder (the group's bundle's copy). */
  file: string;
  from: number;
  to: number;
  /** The lines `from..to`, each prefixed with its number (`  36| …`). */
  text: string;
}

/** What the prompt shows of the code; `anchors` are also the proposal's code evidence. */
export interface CodeContext {
  anchors: CodeEvidence[];
  snippets: ContextSnippet[];
  /** Anchors or lines left out to stay within the budget. */
  truncated: boolean;
}

/** Bounds of the code context (the prompt must stay small enough for a local model's context window). */
export interface ContextLimits {
  maxAnchors: number;
  /** Lines shown either side of an anchor (within its function). */
  radius: number;
  maxChars: number;
}

/** About 14,000 characters of code at most (roughly 4,000 tokens). */
export const DEFAULT_CONTEXT_LIMITS: ContextLimits = { maxAnchors: 12, radius: 12, maxChars: 14_000 };

const HTTP_CLASSES = new Set(['http_error', 'timeout', 'connection_error', 'iafd_failure', 'no_results']);

/** Anchors for a group, most specific first (the log's own location, then what inspection ties to it). */
function anchorsOf(ctx: RecipeContext): Array<CodeEvidence & { sha: string }> {
  const out: Array<CodeEvidence & { sha: string }> = [];
  const add = (path: string, file: LogicalFile, line: number, why: string) => {
    const full = `${ctx.bundle.bundle}/${path}`;
    if (out.some((a) => a.file === full && a.line === line)) return;
    const text = splitLines(ctx.text(file))[line - 1] ?? '';
    out.push({ file: full, line, text: text.trim(), why, sha: file.sha256 });
  };
  for (const loc of evidenceLocations(ctx)) add(loc.path, loc.file, loc.line, `named by the log (${loc.base}, line ${loc.line})`);
  const g = ctx.group;
  const files = bundleFiles(ctx);
  for (const { path, file } of files) {
    const ins = file.inspection;
    if (g.host && HTTP_CLASSES.has(g.class)) {
      for (const r of ins.requests) if (r.hosts.includes(g.host) || r.likelyHosts.includes(g.host)) add(path, file, r.line, `requests ${g.host} (${r.callee})`);
      for (const h of ins.headers) if (h.func === 'Start') add(path, file, h.line, `Start() sets the ${h.header} header`);
      // Start() holds the framework's request defaults (HTTP.Headers, HTTP.CacheTime): where a header fix goes.
      const start = ins.functions.find((f) => f.qualifiedName === 'Start');
      if (start && g.class === 'http_error') add(path, file, start.endLine, 'end of Start(), where the request defaults are set');
    }
    if (g.class === 'xpath_failure' || g.class === 'no_results') {
      const funcs = new Set(evidenceLocations(ctx).map((l) => ins.functions.find((f) => l.file.sha256 === file.sha256 && f.line <= l.line && l.line <= f.endLine)?.qualifiedName));
      for (const x of ins.xpaths) if (funcs.has(x.func) || (g.class === 'no_results' && /search/i.test(x.func))) add(path, file, x.line, `XPath ${x.expression ?? x.expressionText}`);
    }
    if (g.class === 'title_match_failure') {
      // The whole normaliser is tied to the evidence: its head and its end (where a further folding step goes).
      for (const n of ins.normalisers) if (n.role === 'title') {
        add(path, file, n.line, `title normaliser ${n.qualifiedName}`);
        add(path, file, n.endLine, `end of the title normaliser ${n.qualifiedName}`);
      }
    }
    // PGMA signals failures by raising a message the log then quotes ('< Title Match Failure! >').
    for (const r of ins.raises) {
      const fixed = (r.message ?? '').split('{?}').map((p) => p.trim()).filter((p) => p.length >= 6);
      if (fixed.length && g.examples.some((e) => fixed.every((p) => e.message.includes(p)))) add(path, file, r.line, `raises the message the log quotes (${r.message})`);
    }
  }
  return out;
}

/**
 * The group's code context within `limits`. Snippets of one file that overlap are merged; files are shown
 * through the group's own bundle (a shared utils.py once).
 */
export function codeContext(ctx: RecipeContext, limits: ContextLimits = DEFAULT_CONTEXT_LIMITS): CodeContext {
  const all = anchorsOf(ctx);
  const anchors = all.slice(0, limits.maxAnchors);
  let truncated = all.length > anchors.length;
  const ranges = new Map<string, { sha: string; spans: Array<[number, number]> }>();
  for (const a of anchors) {
    const file = ctx.inspection.files.find((f) => f.sha256 === a.sha)!;
    const fn = file.inspection.functions.filter((f) => f.line <= a.line && a.line <= f.endLine).sort((x, y) => y.line - x.line)[0];
    const from = Math.max(fn ? fn.line : 1, a.line - limits.radius);
    const to = Math.min(fn ? fn.endLine : file.inspection.lines, a.line + limits.radius);
    const r = ranges.get(a.file) ?? { sha: a.sha, spans: [] };
    r.spans.push([from, to]);
    ranges.set(a.file, r);
  }
  const snippets: ContextSnippet[] = [];
  let used = 0;
  for (const [path, { sha, spans }] of ranges) {
    const lines = splitLines(ctx.text(ctx.inspection.files.find((f) => f.sha256 === sha)!));
    spans.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s[0] <= last[1] + 1) last[1] = Math.max(last[1], s[1]);
      else merged.push([...s]);
    }
    for (const [from, to] of merged) {
      const width = String(to).length;
      const text = lines
        .slice(from - 1, to)
        .map((l, i) => `${String(from + i).padStart(width)}| ${l}`)
        .join('\n');
      if (used + text.length > limits.maxChars) {
        truncated = true;
        continue;
      }
      used += text.length;
      snippets.push({ file: path, from, to, text });
    }
  }
  return { anchors: anchors.map(({ sha: _sha, ...a }) => a), snippets, truncated };
}
