/**
 * Plain-text rendering of a LogReport: the workspace's `aggregated_logs_baseline.txt`. Sections: what was
 * read, summary (per level, per class, operations), per-agent table, HTTP status table, top patterns with
 * counts and one full example each (never cut: URLs, paths and error tails are what a fix needs), and the
 * failed items. Rendered from the JSON document only.
 */
import { gapSize } from './aggregate-md.ts';
import { ERROR_CLASSES, type LogReport, type Pattern } from '../logs/schema.ts';

export interface TextOptions {
  /** Most patterns listed (the JSON has all). Default 50. */
  maxPatterns?: number;
  /** Most failed items listed. Default 200. */
  maxItems?: number;
}

const RULE = '='.repeat(100);
const SUB = '-'.repeat(100);

/** Renders the report as aligned plain text (UTF-8, no colour). */
export function renderAggregateText(r: LogReport, opts: TextOptions = {}): string {
  const out: string[] = [];
  const w = (s = '') => out.push(s);
  w(RULE);
  w('PLEXMEND — PLUG-IN LOG AGGREGATION REPORT');
  w(RULE);
  w(`Generated:  ${r.generatedAt}`);
  w(`Input:      ${r.input.kind} ${r.input.paths.join(', ')}`);
  w(`Window:     ${r.window.first ?? '?'}  →  ${r.window.last ?? '?'}  (server local time)`);
  const f = r.filters;
  if (f.since || f.until || f.agents?.length) {
    w(`Filters:    ${[f.since && `since ${f.since}`, f.until && `until ${f.until}`, f.agents?.length && `agents ${f.agents.join(', ')}`].filter(Boolean).join('; ')}`);
  }
  const c = r.counts;
  w(`Read:       ${r.sources.length} file(s), ${num(c.bytes)} bytes, ${num(c.lines)} lines → ${num(c.records)} records ` +
    `(+${num(c.continuations)} continuation lines, ${num(c.lenient)} read leniently, ${num(c.unparsed)} unparsed, ${num(c.filteredOut)} filtered out)`);
  w(`Left out:   ${num(c.verbose.debug)} DEBUG, ${num(c.verbose.prefDump)} preference/setup dump, ${num(c.verbose.separator)} separator, ` +
    `${num(c.verbose.info)} other info lines (counted, not reported)`);
  if (c.invalidUtf8 || c.nulBytes || c.longLines) {
    w(`Damage:     ${num(c.invalidUtf8)} invalid UTF-8, ${num(c.nulBytes)} NUL bytes, ${num(c.longLines)} over-long lines (kept truncated)`);
  }
  for (const g of r.gaps) w(`GAP:        ${g.file}: ${g.atLeast ? gapSize(g) : `${num(g.bytes)} bytes`} lost (${g.reason}) — a test over this window is inconclusive`);
  for (const p of r.problems) w(`PROBLEM:    ${p.path}: ${p.message}`);

  w();
  w('SUMMARY');
  w(SUB);
  w(`Events ${num(r.totals.events)}: errors ${num(r.totals.errors)}, framework noise ${num(r.totals.noise)} (not counted as errors)`);
  if (c.byLevel) w(`Records per level: ${Object.entries(c.byLevel).map(([k, v]) => `${k} ${num(v)}`).join(', ')}`);
  const classes = [...ERROR_CLASSES, 'framework_noise' as const].filter((k) => r.totals.byClass[k]);
  if (classes.length) {
    w('Events per class:');
    for (const k of classes.sort((a, b) => (r.totals.byClass[b] ?? 0) - (r.totals.byClass[a] ?? 0))) {
      w(`  ${pad(k, 26)} ${lpad(num(r.totals.byClass[k] ?? 0), 9)}`);
    }
  }
  const ops = Object.entries(r.totals.operations);
  if (ops.length) w(`Operations: ${ops.map(([k, v]) => `${k} ${num(v)}`).join(', ')}`);

  const agents = Object.entries(r.agents);
  w();
  w('AGENTS');
  w(SUB);
  if (!agents.length) w('(no agent lines in the window)');
  else {
    w(row(['agent', 'events', 'errors', 'noise', 'requests', 'searches', 'matched', 'failed', 'errored', 'match %', 'updates', 'upd ok %', 'starts']));
    for (const [name, a] of agents) {
      w(row([name, a.events, a.errors, a.noise, a.http.requests, a.searches, a.searchesMatched, a.searchesFailed, a.searchesErrored,
        pct(a.matchRate), a.updates, pct(a.updateSuccessRate), a.pluginStarts]));
    }
    for (const [name, a] of agents) {
      const top = Object.entries(a.byClass).sort((x, y) => (y[1] ?? 0) - (x[1] ?? 0));
      if (top.length) w(`  ${name}: ${top.map(([k, v]) => `${k} ${num(v ?? 0)}`).join(', ')}`);
    }
  }

  const httpRows: string[] = [];
  for (const [name, a] of agents) {
    for (const [host, statuses] of Object.entries(a.http.byHost)) {
      for (const [status, n] of Object.entries(statuses)) {
        httpRows.push(httpRow(name, host, status, num(n), num(a.http.requestsByHost[host] ?? 0)));
      }
    }
    const hostless = Object.entries(a.http.byStatus).filter(([s]) => !Object.values(a.http.byHost).some((m) => s in m));
    for (const [status, n] of hostless) httpRows.push(httpRow(name, '(host unknown)', status, num(n), ''));
  }
  w();
  w('HTTP FAILURES (status per agent and host; "requests" = requests seen to that host)');
  w(SUB);
  if (!httpRows.length) w('(none)');
  else {
    w(httpRow('agent', 'host', 'status', 'count', 'requests'));
    httpRows.forEach((l) => w(l));
  }

  const max = opts.maxPatterns ?? 50;
  w();
  w(`TOP PATTERNS (${Math.min(max, r.patterns.length)} of ${r.patterns.length}; every pattern is in the JSON)`);
  w(SUB);
  if (!r.patterns.length) w('(none)');
  r.patterns.slice(0, max).forEach((p, i) => renderPattern(p, i + 1, w));

  const failed = r.items.filter((i) => i.outcome !== 'matched');
  const maxItems = opts.maxItems ?? 200;
  w();
  w(`FAILED ITEMS (${failed.length} of ${r.items.length} items with a finished operation; success = the agent's own footer)`);
  w(SUB);
  if (!failed.length) w('(none)');
  for (const it of failed.slice(0, maxItems)) {
    const film = `${it.studio ? `(${it.studio}) ` : ''}${it.title}${it.year ? ` (${it.year})` : ''}`;
    w(`${it.outcome.toUpperCase().padEnd(6)} ${it.agent} ${it.phase}: ${film}  [${it.matched}/${it.operations} matched, last ${it.lastTs ?? '?'}]`);
    if (it.filePath) w(`       file: ${it.filePath}`);
    for (const rs of it.reasons) {
      const extra = [rs.status && `HTTP ${rs.status}`, rs.host, rs.location && `${rs.location.file}:${rs.location.line ?? '?'}`].filter(Boolean).join(', ');
      w(`       - ${rs.class}: ${rs.detail}${extra ? `  (${extra})` : ''}`);
    }
  }
  if (failed.length > maxItems) w(`… ${failed.length - maxItems} more in the JSON`);
  w();
  return out.join('\n');
}

function renderPattern(p: Pattern, n: number, w: (s?: string) => void): void {
  const tags = [p.class, p.agent, p.status !== undefined && `HTTP ${p.status}`, p.host].filter(Boolean).join(' · ');
  w(`#${n} [${num(p.count)}×, ${p.items} item(s)] ${tags}   id ${p.id}`);
  w(`    template: ${p.template}`);
  const e = p.example;
  w(`    example:  ${e.ts ?? '?'} ${e.source ?? ''}${e.lineNo ? `:${e.lineNo}` : ''}`);
  w(`              ${e.message}`);
  if (e.exceptionType) w(`    exception: ${e.exceptionType}`);
  if (e.location) w(`    location: ${e.location.file}:${e.location.line ?? '?'}${e.location.function ? `  (${e.location.function})` : ''}`);
  if (e.url) w(`    url:      ${e.url}`);
  if (p.firstSeen) w(`    seen:     ${p.firstSeen} … ${p.lastSeen ?? p.firstSeen}`);
}

function httpRow(agent: string, host: string, status: string, count: string, requests: string): string {
  return `${pad(agent, 22)} ${pad(host, 36)} ${lpad(status, 10)} ${lpad(count, 9)} ${lpad(requests, 9)}`;
}

const WIDTHS = [22, 8, 8, 7, 9, 9, 8, 7, 8, 8, 8, 9, 7];
function row(cells: Array<string | number>): string {
  return cells.map((v, i) => (i === 0 ? pad(String(v), WIDTHS[0]) : lpad(typeof v === 'number' ? num(v) : v, WIDTHS[i] ?? 10))).join(' ');
}
function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}
function num(n: number): string {
  return n.toLocaleString('en-US');
}
function pct(r: number | null): string {
  return r === null ? '—' : `${(r * 100).toFixed(1)}`;
}
