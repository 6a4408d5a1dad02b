/**
 * Phase 6: the post-mortem of an iteration. For each intervention: expected vs actual per metric, what
 * else changed, what was missed and why, the final decision; how well each recipe's predictions have
 * matched outcomes so far; and the lessons it teaches, recorded in the ledger (new 2, confirmed +1,
 * contradicted −1). Pure: reading and writing the documents happen at the edges.
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import type { LessonsLedger } from '../diagnose/schema.ts';
import { deriveLessons, type Intervention } from './derive.ts';
import { adjust, alreadyRecorded, lessonKey, recordLesson } from './ledger.ts';

export const postMortemSchema = z.object({
  schema: z.literal('plexmend.postmortem/1'),
  generatedAt: z.string(),
  iteration: z.number().int().positive(),
  interventions: z.array(
    z.object({
      fixId: z.string(),
      title: z.string(),
      recipe: z.string(),
      agents: z.array(z.string()),
      decision: z.string(),
      reasons: z.array(z.string()),
      metrics: z.array(z.object({ role: z.string(), path: z.string(), expected: z.string(), before: z.number().nullable(), after: z.number().nullable(), met: z.boolean().nullable() })),
      sideEffects: z.array(z.object({ path: z.string(), description: z.string(), watched: z.boolean() })),
      missed: z.array(z.string()),
      restarts: z.array(z.object({ strategy: z.string(), ok: z.boolean() })),
    }),
  ),
  /** Per recipe, across every post-mortem so far: primary predictions made and met. */
  recipeAccuracy: z.record(z.string(), z.object({ predictions: z.number().int(), met: z.number().int() })),
  lessons: z.object({ added: z.array(z.string()), confirmed: z.array(z.string()), contradicted: z.array(z.string()) }),
});
export type PostMortem = z.infer<typeof postMortemSchema>;
export const PostMortemDocument = defineDocument('plexmend.postmortem/1', postMortemSchema);

export function postMortem(
  iteration: number,
  interventions: Intervention[],
  ledger: LessonsLedger,
  previousAccuracy: PostMortem['recipeAccuracy'],
  now: Date,
): { doc: PostMortem; ledger: LessonsLedger } {
  const at = now.toISOString();
  let next = ledger;
  const added: string[] = [];
  const confirmed: string[] = [];
  const contradicted: string[] = [];
  const accuracy = structuredClone(previousAccuracy);
  const out: PostMortem['interventions'] = [];
  for (const iv of interventions) {
    const t = iv.test;
    const watched = new Set([...iv.proposal.expectation.watch, ...iv.proposal.expectation.failureIndicators.map((m) => m.path)]);
    const missed: string[] = [];
    const primary = t?.metrics.find((m) => m.role === 'primary');
    if (primary?.met === false) missed.push(`the expectation was wrong: "${primary.expectation.description}" moved ${primary.before} → ${primary.after} per refresh`);
    for (const m of t?.metrics.filter((x) => x.role === 'failure_indicator' && x.met) ?? []) missed.push(`a predicted risk happened: ${m.expectation.description} (${m.before} → ${m.after} per refresh)`);
    for (const s of t?.sideEffects.filter((x) => !watched.has(x.path)) ?? []) missed.push(`nobody watched ${s.path}: ${s.description}`);
    if (primary && primary.met !== null) {
      const a = (accuracy[iv.proposal.recipe] ??= { predictions: 0, met: 0 });
      a.predictions++;
      if (primary.met) a.met++;
    }
    out.push({
      fixId: iv.proposal.id,
      title: iv.proposal.title,
      recipe: iv.proposal.recipe + (iv.proposal.composed.length ? ` + ${iv.proposal.composed.join(' + ')}` : ''),
      agents: iv.proposal.agents,
      decision: t?.decision.decision ?? 'NOT TESTED',
      reasons: t?.decision.reasons ?? ['no test report'],
      metrics: (t?.metrics ?? []).map((m) => ({ role: m.role, path: m.expectation.path, expected: m.expectation.description, before: m.before, after: m.after, met: m.met })),
      sideEffects: (t?.sideEffects ?? []).map((s) => ({ path: s.path, description: s.description, watched: watched.has(s.path) })),
      missed,
      restarts: iv.restarts.map((r) => ({ strategy: r.strategy, ok: r.ok })),
    });
    const { drafts, adjustments } = deriveLessons(iv, next);
    for (const d of drafts) {
      const before = new Set(next.lessons.map((l) => l.id));
      const known = next.lessons.find((l) => lessonKey(l) === lessonKey(d));
      if (!known || !alreadyRecorded(known, d.evidence)) next = recordLesson(next, d, at);
      const l = next.lessons.find((x) => x.text === d.text);
      // A lesson whose first evidence is this intervention was added by it (also when a resumed post-mortem meets it again).
      const first = l?.evidence[0];
      const mine = first !== undefined && first.iteration === iteration && first.fixId === iv.proposal.id;
      if (l) (!before.has(l.id) || mine ? added : confirmed).push(l.id);
    }
    for (const a of adjustments) {
      const evidence = [{ iteration, fixId: iv.proposal.id, observed: a.observed }];
      const known = next.lessons.find((l) => l.id === a.id);
      if (known && !alreadyRecorded(known, evidence)) next = adjust(next, a.id, a.delta, at, { evidence });
      (a.delta > 0 ? confirmed : contradicted).push(a.id);
    }
  }
  return {
    doc: { schema: 'plexmend.postmortem/1', generatedAt: at, iteration, interventions: out, recipeAccuracy: accuracy, lessons: { added, confirmed, contradicted } },
    ledger: next,
  };
}
