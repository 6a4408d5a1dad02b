/** `post_mortem_analysis.md` and `lessons_learned.md`: renderings of the post-mortem and the ledger. */
import type { PostMortem } from '../learn/postmortem.ts';
import type { LessonsLedger } from '../diagnose/schema.ts';
import { LESSON_PHASES } from '../diagnose/schema.ts';

export function renderPostMortemMarkdown(pm: PostMortem): string {
  const out = [`# Post-mortem — iteration ${pm.iteration}`, '', `Generated ${pm.generatedAt}.`, ''];
  if (pm.interventions.length === 0) out.push('No fix was tried in this iteration.', '');
  for (const iv of pm.interventions) {
    out.push(`## ${iv.fixId}: ${iv.title} — ${iv.decision}`, '', `Recipe ${iv.recipe}; agents ${iv.agents.join(', ')}.`, '', ...iv.reasons.map((r) => `- ${r}`), '');
    if (iv.metrics.length) {
      out.push('| role | metric | expected | before | after | met |', '|---|---|---|---|---|---|');
      for (const m of iv.metrics) out.push(`| ${m.role.replace(/_/g, ' ')} | \`${m.path}\` | ${m.expected} | ${m.before ?? 'n/a'} | ${m.after ?? 'n/a'} | ${m.met === null ? 'n/a' : m.met ? 'yes' : 'no'} |`);
      out.push('');
    }
    out.push('**What else changed:** ' + (iv.sideEffects.length ? '' : 'nothing seen.'));
    for (const s of iv.sideEffects) out.push(`- \`${s.path}\`: ${s.description}${s.watched ? '' : ' (not on the watch list)'}`);
    out.push('', '**What was missed:** ' + (iv.missed.length ? '' : 'nothing: the prediction held.'));
    for (const m of iv.missed) out.push(`- ${m}`);
    if (iv.restarts.length) out.push('', `**Restart:** ${iv.restarts.map((r) => `${r.strategy} ${r.ok ? 'ok' : 'failed'}`).join(', ')}`);
    out.push('');
  }
  out.push('## How well the predictions matched (all iterations so far)', '', '| recipe | predictions | met |', '|---|---|---|');
  for (const [r, a] of Object.entries(pm.recipeAccuracy)) out.push(`| ${r} | ${a.predictions} | ${a.met} (${a.predictions ? Math.round((a.met / a.predictions) * 100) : 0} %) |`);
  out.push('', `Lessons: ${pm.lessons.added.length} new, ${pm.lessons.confirmed.length} confirmed, ${pm.lessons.contradicted.length} contradicted.`, '');
  return out.join('\n');
}

export function renderLessonsMarkdown(ledger: LessonsLedger, iteration: number): string {
  const out = [`# Lessons learned — after iteration ${iteration}`, ''];
  for (const phase of LESSON_PHASES) {
    const ls = ledger.lessons.filter((l) => l.phase === phase).sort((a, b) => b.weight - a.weight);
    out.push(`## ${phase}`, '');
    if (ls.length === 0) out.push('(none yet)');
    for (const l of ls) out.push(`- **${l.kind}** (${l.id}, weight ${l.weight}): ${l.text}`);
    out.push('');
  }
  return out.join('\n');
}
