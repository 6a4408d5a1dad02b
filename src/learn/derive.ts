/**
 * Lessons from what happened. Every lesson's text and scope come from the evidence of one intervention
 * (the fix, its expectation, its test's metrics and side effects, its restart attempts), so a different
 * side effect yields a different lesson; nothing here knows an agent, a host or a scenario.
 */
import type { FixProposal, Lesson, LessonsLedger, RecipeName } from '../diagnose/schema.ts';
import type { TestReport } from '../testing/schema.ts';
import { pointerSegments, type EventClass } from '../logs/schema.ts';
import type { LessonDraft } from './ledger.ts';

export interface RestartAttempt {
  strategy: string;
  ok: boolean;
  detail?: string;
}

/** One intervention point: a fix, how it was applied, and how it tested. */
export interface Intervention {
  iteration: number;
  proposal: FixProposal;
  test: TestReport | null;
  restarts: RestartAttempt[];
}

export interface Derived {
  drafts: LessonDraft[];
  /** Lessons in the ledger that this intervention confirmed (+1) or contradicted (−1). */
  adjustments: Array<{ id: string; delta: 1 | -1; observed: string }>;
}

/** Which recipe answers a status that appeared as a side effect (transient answers want back-off). */
const RECIPE_FOR_STATUS: Record<string, RecipeName> = {
  '429': 'retry_backoff',
  '503': 'retry_backoff',
  '502': 'retry_backoff',
  timeout: 'timeout_delay',
};

const label = (r: RecipeName) => r.replace(/_/g, ' ');

interface StatusEffect {
  agent: string;
  host: string;
  status: string;
  before: number;
  after: number;
  path: string;
}

/** Side effects that are a per-host HTTP status rising from nothing (or rising at all). */
function statusEffects(test: TestReport): StatusEffect[] {
  const out: StatusEffect[] = [];
  for (const e of test.sideEffects) {
    const seg = pointerSegments(e.path);
    if (seg.length === 6 && seg[0] === 'agents' && seg[2] === 'http' && seg[3] === 'byHost') {
      const before = e.before ?? 0;
      const after = e.after ?? 0;
      if (after > before) out.push({ agent: seg[1]!, host: seg[4]!, status: seg[5]!, before, after, path: e.path });
    }
  }
  return out;
}

function classEffects(test: TestReport): Array<{ agent: string; cls: string; before: number; after: number; path: string }> {
  const out = [];
  for (const e of test.sideEffects) {
    const seg = pointerSegments(e.path);
    if (seg.length === 4 && seg[0] === 'agents' && seg[2] === 'byClass') {
      const before = e.before ?? 0;
      const after = e.after ?? 0;
      if (after > before) out.push({ agent: seg[1]!, cls: seg[3]!, before, after, path: e.path });
    }
  }
  return out;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)} %`);

/** Derives lesson drafts and ledger adjustments from one intervention. Pure. */
export function deriveLessons(iv: Intervention, ledger: LessonsLedger): Derived {
  const { proposal: p, test } = iv;
  const drafts: LessonDraft[] = [];
  const adjustments: Derived['adjustments'] = [];
  const fix = `${p.id} (${p.title})`;
  const primaryClass = p.expectation.targetClasses[0] as EventClass | undefined;
  const agent = p.agents[0];

  if (test) {
    const decision = test.decision.decision;
    for (const s of statusEffects(test)) {
      const evidence = [{ iteration: iv.iteration, fixId: p.id, metric: s.path, observed: `${s.before} → ${s.after}` }];
      const cure = RECIPE_FOR_STATUS[s.status];
      if (cure && cure !== p.recipe && !p.composed.includes(cure)) {
        drafts.push({
          kind: 'DO',
          phase: 'diagnose',
          scope: { host: s.host, recipe: p.recipe },
          action: { type: 'compose', recipe: p.recipe, with: cure },
          text: `DO give ${label(p.recipe)} fixes for ${s.host} ${label(cure)} too: after ${fix} ${s.host} answered ${s.status} ${s.after} times (before: ${s.before}).`,
          evidence,
        });
      }
      drafts.push({
        kind: 'DO',
        phase: 'test',
        scope: { host: s.host },
        action: { type: 'watch', metric: s.path, description: `${s.status} answers from ${s.host} for ${s.agent}` },
        text: `DO watch ${s.status} answers from ${s.host} when a fix changes requests to it: they rose from ${s.before} to ${s.after} after ${fix}.`,
        evidence,
      });
    }
    for (const c of classEffects(test)) {
      drafts.push({
        kind: 'DO',
        phase: 'test',
        scope: { agent: c.agent },
        action: { type: 'watch', metric: c.path, description: `${c.cls} events of ${c.agent}` },
        text: `DO watch ${c.cls.replace(/_/g, ' ')} for ${c.agent} after changing it: ${fix} raised it from ${c.before} to ${c.after}.`,
        evidence: [{ iteration: iv.iteration, fixId: p.id, metric: c.path, observed: `${c.before} → ${c.after}` }],
      });
    }
    if (decision === 'ROLLBACK' && agent) {
      const why = test.critical.length
        ? `it raised ${test.critical.map((s) => s.replace(/_/g, ' ')).join(', ')}`
        : `it reached ${pct(test.decision.rate)} item success (95 % CI ${pct(test.decision.interval.low)}–${pct(test.decision.interval.high)})`;
      drafts.push({
        kind: 'DONT',
        phase: 'diagnose',
        scope: { agent, ...(primaryClass ? { class: primaryClass } : {}) },
        action: { type: 'demote', recipe: p.recipe },
        text: `DON'T lead with ${label(p.recipe)} for ${primaryClass ? primaryClass.replace(/_/g, ' ') : 'these errors'} on ${agent}: in ${fix} ${why}.`,
        evidence: [{ iteration: iv.iteration, fixId: p.id, expected: p.expectation.primary.description, observed: test.decision.reasons.join('; ') }],
      });
    }
    // Calibrate the recipe's expected effect when the prediction missed.
    const primary = test.metrics.find((m) => m.role === 'primary');
    if (primary && primary.met === false && primary.before !== null && primary.after !== null && primary.before > 0 && primary.expectation.direction !== 'stay') {
      // Progress in the direction the expectation named (a rise counts for an "increase" metric, a fall otherwise).
      const sign = primary.expectation.direction === 'increase' ? -1 : 1;
      const change = (sign * (primary.before - primary.after)) / primary.before;
      const moved = `${primary.before} → ${primary.after} per refresh`;
      drafts.push({
        kind: 'DONT',
        phase: 'diagnose',
        scope: { recipe: p.recipe, ...(agent ? { agent } : {}) },
        action: { type: 'threshold', name: 'expected_relative_change', value: Math.round(change * 100) / 100 },
        text:
          change > 0
            ? `DON'T expect more than a ${Math.round(change * 100)} % change from ${label(p.recipe)} on ${agent ?? 'this agent'}: ${fix} expected "${primary.expectation.description}" and moved ${moved}.`
            : `DON'T count on ${label(p.recipe)} to move this metric on ${agent ?? 'this agent'}: ${fix} expected "${primary.expectation.description}" and it ${change < 0 ? 'went the other way' : 'did not move'} (${moved}).`,
        evidence: [{ iteration: iv.iteration, fixId: p.id, metric: primary.expectation.path, expected: primary.expectation.description, observed: `${primary.before} → ${primary.after}` }],
      });
    }
    // Lessons this proposal applied: confirmed when the trouble they guard against stayed away.
    const effects = statusEffects(test);
    for (const applied of p.lessonsApplied) {
      const lesson = ledger.lessons.find((l) => l.id === applied.lessonId);
      if (!lesson) continue;
      const recurred = lesson.scope.host !== undefined && effects.some((e) => e.host === lesson.scope.host && RECIPE_FOR_STATUS[e.status] !== undefined);
      if (recurred) adjustments.push({ id: lesson.id, delta: -1, observed: `${fix}: the trouble recurred despite the lesson` });
      else if (decision === 'KEEP' || decision === 'MONITOR') adjustments.push({ id: lesson.id, delta: 1, observed: `${fix}: ${decision} with the lesson applied` });
    }
  }

  const restartLesson = restartOrderLesson(iv);
  if (restartLesson) drafts.push(restartLesson);
  return { drafts, adjustments };
}

/** When a restart strategy failed and a later one worked, the next restart on this server starts with the one that worked. */
function restartOrderLesson(iv: Intervention): LessonDraft | null {
  const firstOk = iv.restarts.findIndex((a) => a.ok);
  if (firstOk <= 0) return null;
  const failed = iv.restarts.slice(0, firstOk).map((a) => a.strategy);
  const ok = iv.restarts[firstOk]!.strategy;
  const order = [ok, ...iv.restarts.map((a) => a.strategy).filter((s) => s !== ok)];
  return {
    kind: 'DO',
    phase: 'implement',
    scope: {},
    action: { type: 'restart_order', order },
    text: `DO restart plug-ins on this server with "${ok}" first: ${failed.map((f) => `"${f}"`).join(' and ')} did not restart ${iv.proposal.bundleIds.join(', ')} for ${iv.proposal.id}.`,
    evidence: [{ iteration: iv.iteration, fixId: iv.proposal.id, observed: iv.restarts.map((a) => `${a.strategy}: ${a.ok ? 'ok' : a.detail ?? 'failed'}`).join('; ') }],
  };
}

export type { Lesson };
