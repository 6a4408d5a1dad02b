/**
 * `diagnostic_report.md`: a rendering of the diagnosis document (the JSON is the source of truth). Per
 * error group, by impact: observed, expected, root cause with log and code evidence, and the proposals
 * with their diff, expectation, twelve checklist points and the lessons that changed them.
 */
import type { DiagnosticReport, ErrorGroup, FixProposal } from '../diagnose/schema.ts';
import { redact } from '../redact.ts';

const fence = (lang: string, text: string) => `\`\`\`${lang}\n${text.replace(/\n$/, '')}\n\`\`\``;

function proposal(p: FixProposal): string {
  const out: string[] = [];
  const state = p.offered ? 'offered' : 'NOT offered (a blocking check failed)';
  out.push(`#### ${p.id}: ${p.title} — ${state}`);
  if (p.source === 'llm') out.push(`_Proposed by the LLM adviser (model \`${p.model ?? 'unknown'}\`); built and checked by plexmend like any recipe's proposal._`, '');
  out.push(`Recipe \`${p.recipe}\`${p.composed.length ? ` + ${p.composed.map((c) => `\`${c}\``).join(', ')}` : ''}, ${p.kind}, rank ${p.rank}. ${p.rationale}`);
  if (p.workaround) out.push('', '**What to do:**', '', fence('text', p.workaround));
  if (p.preferences.length) out.push('', ...p.preferences.map((x) => `- preference \`${x.key}\` of ${x.bundleId}: ${x.from ?? '(unset)'} → ${x.to} (via ${x.via.replace(/_/g, ' ')})`));
  if (p.changes.length) {
    const groups = new Map<string, typeof p.changes>();
    for (const c of p.changes) groups.set(c.sharedGroup ?? c.path, [...(groups.get(c.sharedGroup ?? c.path) ?? []), c]);
    for (const cs of groups.values()) {
      out.push('', cs.length > 1 ? `Shared file, the same diff in ${cs.length} copies (${cs.map((c) => c.path.split('/')[0]).join(', ')}):` : `\`${cs[0]!.path}\`:`);
      out.push(fence('diff', cs[0]!.diff));
    }
  }
  const e = p.expectation;
  out.push('', '**Expectation** (judged by ' + (e.judgeBy === 'items' ? 'item success' : 'error share per request') + '):');
  out.push(`- primary: ${e.primary.description} — \`${e.primary.path}\` ${e.primary.direction}${e.primary.threshold ? ` by ${e.primary.threshold.kind === 'relative' ? `${Math.round(e.primary.threshold.value * 100)} %` : e.primary.threshold.value}` : ''} (now ${e.primary.baseline ?? 'n/a'})`);
  for (const m of e.secondary) out.push(`- secondary: ${m.description} — \`${m.path}\` (now ${m.baseline ?? 'n/a'})`);
  for (const m of e.failureIndicators) out.push(`- failure indicator: ${m.description} — \`${m.path}\``);
  for (const s of e.successIndicators) out.push(`- success: ${s}`);
  out.push(`- contingency: ${e.contingency}`);
  out.push(`- watched for side effects: ${e.watch.length} metrics`);
  out.push('', '| # | check | result | reason |', '|---|---|---|---|');
  p.checklist.forEach((c, i) => out.push(`| ${i + 1} | ${c.point.replace(/_/g, ' ')} | ${c.pass ? 'pass' : c.blocking ? '**FAIL**' : 'warn'} | ${c.reason.replace(/\|/g, '\\|')} |`));
  if (p.lessonsApplied.length) out.push('', '**Lessons applied:**', ...p.lessonsApplied.map((l) => `- ${l.lessonId}: ${l.effect}`));
  return out.join('\n');
}

/** The LLM adviser's part (`--llm`): where it was asked, and what each group got. */
function adviser(a: NonNullable<DiagnosticReport['adviser']>): string {
  const out: string[] = ['## LLM adviser', ''];
  out.push(`Model \`${a.model}\` at ${a.endpoint}, policy \`${a.policy}\`. Its answers are proposals in the same schema; each passed the same twelve-point checklist or was discarded.`, '');
  if (a.error) out.push(`**The adviser failed:** ${a.error.message}${a.error.hint ? ` — ${a.error.hint}` : ''}`, '');
  if (a.consulted.length) {
    out.push('| group | outcome | proposal | reason |', '|---|---|---|---|');
    for (const r of a.consulted) out.push(`| ${r.groupId} | ${r.outcome} | ${r.proposalId ?? ''} | ${r.reason.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')} |`);
    out.push('');
  }
  return out.join('\n');
}

function group(g: ErrorGroup, n: number): string {
  const out: string[] = [];
  out.push(`### ${n}. ${g.class.replace(/_/g, ' ')} — ${g.agent}${g.host ? ` @ ${g.host}` : ''}${g.status ? ` (${g.status})` : ''}`);
  out.push(`- **Observed:** ${g.observed}`, `- **Expected:** ${g.expected}`, `- **Root cause** (\`${g.cause.id}\`, ${g.cause.fixable ? 'fixable' : 'no code fix'}): ${g.cause.summary}`);
  if (g.cause.evidence.log.length) out.push('', 'Log evidence:', fence('text', g.cause.evidence.log.map((e) => `${e.ts ?? ''} ${e.message}${e.url ? `  <${e.url}>` : ''}${e.location ? `  [${e.location.file}:${e.location.line ?? '?'}]` : ''}`.trim()).join('\n')));
  if (g.cause.evidence.code.length) out.push('', 'Code evidence:', ...g.cause.evidence.code.map((c) => `- \`${c.file}:${c.line}\` \`${c.text.slice(0, 120)}\` — ${c.why}`));
  out.push('');
  if (g.proposals.length === 0) out.push('_No proposal: see the notes at the end._');
  for (const p of g.proposals) out.push(proposal(p), '');
  return out.join('\n');
}

export function renderDiagnosisMarkdown(d: DiagnosticReport): string {
  const offered = d.groups.flatMap((g) => g.proposals).filter((p) => p.offered);
  const out: string[] = [
    `# Diagnostic report — iteration ${d.iteration}`,
    '',
    `Generated ${d.generatedAt} from \`${d.report}\`; bundles in \`${d.pluginsDir}\`; Python 2.7 check: ${d.python27Checker}; ${d.lessonsLoaded} lessons loaded.`,
    '',
  ];
  if (d.groups.length === 0) out.push('No errors in the report: nothing to diagnose.');
  else {
    out.push(`${d.groups.length} error groups, ${offered.length} proposals offered (${offered.filter((p) => p.kind === 'patch').length} code fixes, ${offered.filter((p) => p.kind === 'workaround').length} workarounds).`, '');
    out.push('| fix | group | title | kind | offered |', '|---|---|---|---|---|');
    for (const g of d.groups) for (const p of g.proposals) out.push(`| ${p.id} | ${g.id} | ${p.title.replace(/\|/g, '\\|')}${p.source === 'llm' ? ' (LLM adviser)' : ''} | ${p.kind} | ${p.offered ? 'yes' : 'no'} |`);
    out.push('', '## Error groups, by items affected', '');
    d.groups.forEach((g, i) => out.push(group(g, i + 1)));
  }
  if (d.adviser) out.push(adviser(d.adviser));
  if (d.notes.length) out.push('## Notes', '', ...d.notes.map((n) => `- ${n}`), '');
  out.push('## Rules that fired on no group', '', d.rulesNotFired.length ? d.rulesNotFired.map((r) => `\`${r}\``).join(', ') : '(all fired)', '');
  return redact(out.join('\n'));
}
