/** `test_report_fixK.md`: a rendering of the test report document. */
import type { TestReport } from '../testing/schema.ts';
import { redact } from '../redact.ts';

const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)} %`);

export function renderTestMarkdown(t: TestReport): string {
  const d = t.decision;
  const out: string[] = [
    `# Test of ${t.fixId} — ${d.decision}`,
    '',
    `Iteration ${t.iteration}, ${t.target}, ${t.generatedAt}; judged by ${t.judgeBy === 'items' ? 'item success' : 'error share per request'}; took ${(t.durationMs / 1000).toFixed(1)} s.`,
    '',
    '## Decision',
    '',
    `**${d.decision}**: success ${pct(d.rate)} (95 % CI ${pct(d.interval.low)}–${pct(d.interval.high)}), control baseline ${pct(d.baselineRate)}${d.pValue !== null ? `, p = ${d.pValue.toFixed(4)}` : ''}.`,
    '',
    ...d.reasons.map((r) => `- ${r}`),
    '',
    '## Sample and refreshes',
    '',
    `- planned ${t.sample.planned}, mapped to Plex ${t.sample.mapped} (${t.sample.guards} regression guards), not mapped ${t.sample.unmapped.length}`,
    ...t.sample.unmapped.map((u) => `  - ${u.agent} · ${u.title}: ${u.reason}`),
    `- control: ${t.control.refreshed} refreshed without the fix, ${t.control.recovered} recovered on their own (transient, left the sample)`,
    `- treatment: ${t.refreshes.started} refreshes, ${t.refreshes.completed} completed, ${t.refreshes.timedOut} timed out, ${t.refreshes.noData} without an operation of the agent${t.refreshes.stoppedEarly ? '; stopped early: the decision could no longer change' : ''}`,
    `- requests: ${t.requests.total}, failed ${t.requests.failed}`,
    ...(t.logGap.bytes ? [`- **log gap**: ${t.logGap.bytes} bytes rotated away unread (${t.logGap.files.join(', ')})`] : []),
    '',
    '## Expected vs actual (per refresh; control → treatment)',
    '',
    '| role | metric | expected | before | after | met |',
    '|---|---|---|---|---|---|',
    ...t.metrics.map((m) => `| ${m.role.replace(/_/g, ' ')} | \`${m.expectation.path}\` | ${m.expectation.description} | ${m.before ?? 'n/a'} | ${m.after ?? 'n/a'} | ${m.met === null ? 'n/a' : m.met ? 'yes' : 'no'}${m.note ? ` (${m.note})` : ''} |`),
    '',
    '## Side effects',
    '',
    ...(t.sideEffects.length ? t.sideEffects.map((s) => `- \`${s.path}\`: ${s.description}`) : ['None seen.']),
    ...(t.critical.length ? ['', '## Critical signals (confirmed by a retry)', '', ...t.critical.map((c) => `- ${c.replace(/_/g, ' ')}`)] : []),
    '',
    '## Items',
    '',
    'Verdict: success = matched, or (for a request-level fix) the targeted error is gone and what remains is what the site says (e.g. a title it lacks).',
    '',
    '| item | agent | role | before | control | after | verdict | evidence |',
    '|---|---|---|---|---|---|---|---|',
    ...t.items.map((i) => `| ${i.title.replace(/\|/g, '\\|')} | ${i.agent} | ${i.role} | ${i.before} | ${i.control ?? ''}${i.transient ? ' (transient)' : ''} | ${i.after ?? (i.excluded ? 'excluded' : 'not refreshed')} | ${i.verdict ?? i.excluded ?? ''} | ${i.evidence.join('; ').replace(/\|/g, '\\|').slice(0, 160)} |`),
    '',
  ];
  return redact(out.join('\n'));
}
