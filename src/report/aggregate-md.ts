/**
 * Markdown rendering of a LogReport (for issues, PRs and the loop's reports). Same content as the text
 * rendering, as GitHub-flavoured tables; examples in code spans so paths and URLs survive unmangled.
 */
import { ERROR_CLASSES, type LogReport } from '../logs/schema.ts';

export interface MarkdownOptions {
  maxPatterns?: number;
  maxItems?: number;
}

/** Renders the report as Markdown. */
export function renderAggregateMarkdown(r: LogReport, opts: MarkdownOptions = {}): string {
  const out: string[] = [];
  const w = (s = '') => out.push(s);
  const c = r.counts;
  w('# Plug-in log aggregation');
  w();
  w(`- Generated: ${r.generatedAt}`);
  w(`- Input: ${r.input.kind} ${r.input.paths.map(code).join(', ')}`);
  w(`- Window: ${r.window.first ?? '?'} → ${r.window.last ?? '?'} (server local time)`);
  const f = r.filters;
  if (f.since || f.until || f.agents?.length) {
    w(`- Filters: ${[f.since && `since ${f.since}`, f.until && `until ${f.until}`, f.agents?.length && `agents ${f.agents.join(', ')}`].filter(Boolean).join('; ')}`);
  }
  w(`- Read: ${r.sources.length} file(s), ${c.bytes} bytes, ${c.lines} lines, ${c.records} records (${c.continuations} continuation, ${c.lenient} lenient, ${c.unparsed} unparsed, ${c.filteredOut} filtered out)`);
  w(`- Left out but counted: ${c.verbose.debug} DEBUG, ${c.verbose.prefDump} dump, ${c.verbose.separator} separator, ${c.verbose.info} other info`);
  if (c.invalidUtf8 || c.nulBytes || c.longLines) w(`- Damage: ${c.invalidUtf8} invalid UTF-8, ${c.nulBytes} NUL, ${c.longLines} over-long lines`);
  for (const g of r.gaps) w(`- **Gap**: ${code(g.file)} ${gapSize(g)} lost (${esc(g.reason)})`);
  for (const p of r.problems) w(`- **Problem**: ${code(p.path)}: ${esc(p.message)}`);
  w();
  w('## Summary');
  w();
  w(`${r.totals.events} events: **${r.totals.errors} errors**, ${r.totals.noise} framework noise (not errors).`);
  if (c.byLevel) w(`Records per level: ${Object.entries(c.byLevel).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  w();
  const classes = [...ERROR_CLASSES, 'framework_noise' as const].filter((k) => r.totals.byClass[k]);
  if (classes.length) {
    w('| class | events |');
    w('|---|---:|');
    for (const k of classes.sort((a, b) => (r.totals.byClass[b] ?? 0) - (r.totals.byClass[a] ?? 0))) w(`| ${k} | ${r.totals.byClass[k]} |`);
    w();
  }
  const ops = Object.entries(r.totals.operations);
  if (ops.length) w(`Operations: ${ops.map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  w();
  w('## Agents');
  w();
  const agents = Object.entries(r.agents);
  if (!agents.length) w('_No agent lines in the window._');
  else {
    w('| agent | events | errors | noise | requests | searches | matched | failed | errored | match rate | updates | update ok | starts |');
    w('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [n, a] of agents) {
      w(`| ${esc(n)} | ${a.events} | ${a.errors} | ${a.noise} | ${a.http.requests} | ${a.searches} | ${a.searchesMatched} | ${a.searchesFailed} | ${a.searchesErrored} | ${pct(a.matchRate)} | ${a.updates} | ${pct(a.updateSuccessRate)} | ${a.pluginStarts} |`);
    }
  }
  w();
  w('## HTTP failures');
  w();
  const rows: string[] = [];
  for (const [n, a] of agents) {
    for (const [host, st] of Object.entries(a.http.byHost)) {
      for (const [s, k] of Object.entries(st)) rows.push(`| ${esc(n)} | ${code(host)} | ${s} | ${k} | ${a.http.requestsByHost[host] ?? 0} |`);
    }
  }
  if (!rows.length) w('_None._');
  else {
    w('| agent | host | status | count | requests to host |');
    w('|---|---|---|---:|---:|');
    rows.forEach((l) => w(l));
  }
  w();
  const max = opts.maxPatterns ?? 50;
  w(`## Top patterns (${Math.min(max, r.patterns.length)} of ${r.patterns.length})`);
  w();
  r.patterns.slice(0, max).forEach((p, i) => {
    const tags = [p.class, p.agent, p.status !== undefined && `HTTP ${p.status}`, p.host].filter(Boolean).join(' · ');
    w(`${i + 1}. **${p.count}×** (${p.items} items) ${esc(tags)} — \`${p.id}\``);
    w(`   - template: ${code(p.template)}`);
    w(`   - example (${p.example.ts ?? '?'}, ${code(`${p.example.source ?? ''}:${p.example.lineNo ?? ''}`)}): ${code(p.example.message)}`);
    if (p.example.exceptionType) w(`   - exception: ${code(p.example.exceptionType)}`);
    if (p.example.location) w(`   - location: ${code(`${p.example.location.file}:${p.example.location.line ?? '?'}`)}${p.example.location.function ? ` (${esc(p.example.location.function)})` : ''}`);
    if (p.example.url) w(`   - url: ${code(p.example.url)}`);
  });
  w();
  const failed = r.items.filter((i) => i.outcome !== 'matched');
  w(`## Failed items (${failed.length} of ${r.items.length})`);
  w();
  if (!failed.length) w('_None._');
  else {
    w('| outcome | agent | phase | title | studio | year | reasons |');
    w('|---|---|---|---|---|---:|---|');
    for (const it of failed.slice(0, opts.maxItems ?? 200)) {
      const reasons = it.reasons.map((rs) => `${rs.class}${rs.status ? ` ${rs.status}` : ''}${rs.host ? ` ${rs.host}` : ''}`).join('; ');
      w(`| ${it.outcome} | ${esc(it.agent)} | ${it.phase} | ${esc(it.title)} | ${esc(it.studio ?? '')} | ${it.year ?? ''} | ${esc(reasons)} |`);
    }
  }
  w();
  return out.join('\n');
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
function code(s: string): string {
  const t = s.replace(/\r?\n/g, ' ');
  const ticks = t.includes('`') ? '``' : '`';
  return `${ticks}${ticks.length > 1 ? ' ' : ''}${t.replace(/\|/g, '\\|')}${ticks.length > 1 ? ' ' : ''}${ticks}`;
}
function pct(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(1)} %`;
}

/** `1234 bytes`, `at least 1234 bytes`, or `an unknown number of bytes` (a lower bound of 0). */
export function gapSize(g: { bytes: number; atLeast?: boolean }): string {
  if (!g.atLeast) return `${g.bytes} bytes`;
  return g.bytes > 0 ? `at least ${g.bytes} bytes` : 'an unknown number of bytes';
}
