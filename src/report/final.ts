/**
 * The loop's closing reports: `final_comprehensive_report.md` and a self-contained `report.html` (inline
 * SVG charts and CSS, no script, no external request), both rendered from the loop state and the ledger.
 */
import { existsSync } from 'node:fs';
import { readDocument } from '../documents.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { paths, type Workspace } from '../workspace.ts';
import { LessonsLedgerDocument, type LessonsLedger, type MetricExpectation } from '../diagnose/schema.ts';
import type { LoopState } from '../loop/schema.ts';
import { redact } from '../redact.ts';
import { esc, lineChart, pairedBars, stackedBars } from './svg.ts';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${Math.round(x * 100)} %`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** The recipe column: composed recipes after a plus, and "(LLM adviser)" when the adviser wrote the change. */
const recipeText = (f: LoopState['fixes'][number]) =>
  `${f.recipe}${f.composed.length ? ` + ${f.composed.join(' + ')}` : ''}${f.source === 'llm' ? ' (LLM adviser)' : ''}`;

export async function writeFinalReports(ws: Workspace, s: LoopState): Promise<{ report: string; html: string }> {
  const ledger: LessonsLedger = existsSync(paths.lessons(ws)) ? await readDocument(LessonsLedgerDocument, paths.lessons(ws)) : { schema: 'plexmend.lessons/1', lessons: [] };
  await writeFileAtomic(paths.finalReportMd(ws), renderFinalMarkdown(s, ledger));
  await writeFileAtomic(paths.reportHtml(ws), renderHtml(s, ledger));
  return { report: paths.finalReportMd(ws), html: paths.reportHtml(ws) };
}

/** Relative change of the primary metric per refresh (−0.6 = 60 % fewer); null when unknown. */
function change(before: number | null | undefined, after: number | null | undefined): number | null {
  if (before === null || before === undefined || after === null || after === undefined) return null;
  if (before === 0) return after === 0 ? 0 : 1;
  return Math.max(-1, Math.min(1, (after - before) / before));
}

/**
 * The relative change of its primary metric a fix predicted (−0.3 = at least 30 % fewer), from the
 * expectation's direction and threshold; an absolute threshold is read against the baseline. Null when the
 * prediction names no amount.
 */
export function expectedChange(m: MetricExpectation | undefined): number | null {
  if (!m) return null;
  if (m.direction === 'zero') return -1;
  if (m.direction === 'stay') return 0;
  const sign = m.direction === 'decrease' ? -1 : 1;
  if (!m.threshold) return null;
  if (m.threshold.kind === 'relative') return sign * Math.min(1, m.threshold.value);
  if (!m.baseline) return null;
  return sign * Math.min(1, m.threshold.value / m.baseline);
}

export function renderFinalMarkdown(s: LoopState, ledger: LessonsLedger): string {
  const first = s.figures[0];
  const lastF = s.figures[s.figures.length - 1];
  const out = [
    '# plexmend — final report',
    '',
    `Target: ${s.target.replace(/^target: /, "")}. Started ${s.startedAt}, last step ${s.updatedAt}.`,
    '',
    `**Exit: ${s.exit?.reason ?? 'running'}** — ${s.exit?.detail ?? 'the loop has not finished'}`,
    '',
    `Panel (${s.panel.length} items, fixed at the start): ${pct(first?.success)} → ${pct(lastF?.success)} of the panel items are matched by at least one site agent.`,
    '',
    '## Panel per iteration',
    '',
    '| iteration | success | matched / observed | refreshes | errors by class |',
    '|---|---|---|---|---|',
    ...s.figures.map((f) => `| ${f.iteration === 0 ? 'start' : f.iteration} | ${pct(f.success)} | ${f.matched} / ${f.observed} | ${f.refreshes} | ${Object.entries(f.errorsByClass).map(([c, n]) => `${c} ${n}`).join(', ')} |`),
    '',
    '## Fixes',
    '',
    '| iter | fix | recipe | agents | decision | success | primary (per refresh) | kept | refreshes |',
    '|---|---|---|---|---|---|---|---|---|',
    ...s.fixes.map((f) => `| ${f.iteration} | ${f.fixId} ${f.title.replace(/\|/g, '\\|')} | ${recipeText(f)} | ${f.agents.join(', ')} | ${f.decision ?? f.step} | ${pct(f.rate)} | ${f.primaryBefore ?? 'n/a'} → ${f.primaryAfter ?? 'n/a'} (${f.primaryMet === null || f.primaryMet === undefined ? 'n/a' : f.primaryMet ? 'met' : 'unmet'}) | ${f.kept ? 'yes' : 'no'} | ${f.refreshes} |`),
    '',
    ...s.fixes.filter((f) => f.sideEffects.length).flatMap((f) => [`Side effects of ${f.fixId} (iteration ${f.iteration}):`, ...f.sideEffects.map((e) => `- ${e}`), '']),
    '## Parked',
    '',
    ...(s.parked.length ? s.parked.map((p) => `- ${p.groupId}: ${p.reason}`) : ['Nothing parked.']),
    '',
    '## Lessons',
    '',
    ...(ledger.lessons.length ? ledger.lessons.map((l) => `- **${l.kind}** [${l.phase}, weight ${l.weight}] ${l.text}`) : ['No lessons yet.']),
    '',
    '## Time spent',
    '',
    ...Object.entries(s.timings).map(([k, v]) => `- ${k}: ${secs(v)}`),
    '',
    `Per iteration, the workspace holds the aggregate, diagnosis, control/test reports, post-mortem and lessons; kept fixes can be exported with \`plexmend export\`.`,
    '',
  ];
  return redact(out.join('\n'));
}

export function renderHtml(s: LoopState, ledger: LessonsLedger): string {
  const labels = s.figures.map((f) => (f.iteration === 0 ? 'start' : `it ${f.iteration}`));
  const agents = [...new Set(s.figures.flatMap((f) => Object.keys(f.perAgent)))].sort();
  const classes = [...new Set(s.figures.flatMap((f) => Object.keys(f.errorsByClass)))].sort();
  const charts = [
    lineChart('Panel success per iteration', labels, [{ name: 'panel', values: s.figures.map((f) => f.success) }], { max: 1, percent: true }),
    stackedBars('Errors by class per iteration (panel refreshes)', labels, classes.map((c) => ({ name: c.replace(/_/g, ' '), values: s.figures.map((f) => f.errorsByClass[c] ?? 0) }))),
    lineChart('Success per agent per iteration', labels, agents.map((a) => ({ name: a, values: s.figures.map((f) => (f.perAgent[a]?.observed ? f.perAgent[a]!.matched / f.perAgent[a]!.observed : null)) })), { max: 1, percent: true }),
    pairedBars(
      'Primary metric per fix: expected vs actual change',
      s.fixes.filter((f) => f.decision).map((f) => ({ label: `${f.fixId} (it ${f.iteration})`, expected: expectedChange(f.expectedPrimary), actual: change(f.primaryBefore, f.primaryAfter) })),
    ),
  ];
  const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>plexmend report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}.exit{padding:10px 14px;border-radius:6px;background:#eef4fb;border:1px solid #c9dcf0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}.card{border:1px solid #e3e3e3;border-radius:6px;padding:8px;background:#fff}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
.KEEP{color:#1e7b34;font-weight:bold}.MONITOR{color:#b7950b;font-weight:bold}.ROLLBACK{color:#c0392b;font-weight:bold}.INCONCLUSIVE{color:#7f8c8d;font-weight:bold}
svg{width:100%;height:auto}
</style></head><body>
<h1>plexmend — repair loop report</h1>
<p>${esc(s.target)} · started ${esc(s.startedAt)} · ${s.panel.length} panel items</p>
<p class="exit"><strong>Exit: ${esc(s.exit?.reason ?? 'running')}</strong> — ${esc(s.exit?.detail ?? 'the loop has not finished')}</p>
<div class="grid">${charts.map((c) => `<div class="card">${c}</div>`).join('')}</div>
<h2>Fixes and decisions</h2>
<table><thead><tr><th>iteration</th><th>fix</th><th>recipe</th><th>decision</th><th>success</th><th>expected</th><th>primary per refresh</th><th>side effects</th></tr></thead><tbody>
${s.fixes.map((f) => row([String(f.iteration), esc(`${f.fixId}: ${f.title}`), esc(recipeText(f)), `<span class="${f.decision ?? ''}">${esc(f.decision ?? f.step)}</span>${f.kept ? ' (kept)' : ''}`, pct(f.rate), esc(f.expected), `${f.primaryBefore ?? 'n/a'} → ${f.primaryAfter ?? 'n/a'}`, esc(f.sideEffects.join('; ') || '—')])).join('\n')}
</tbody></table>
<h2>Lessons</h2>
<table><thead><tr><th>kind</th><th>phase</th><th>weight</th><th>lesson</th></tr></thead><tbody>
${ledger.lessons.map((l) => row([l.kind, l.phase, String(l.weight), esc(l.text)])).join('\n') || row(['—', '', '', 'none yet'])}
</tbody></table>
<h2>Time spent</h2>
<table><tbody>${Object.entries(s.timings).map(([k, v]) => row([esc(k), secs(v)])).join('')}</tbody></table>
</body></html>
`;
  return redact(html);
}
