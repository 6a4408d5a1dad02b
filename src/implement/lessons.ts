/**
 * What the lessons ledger (`lessons.json`, `plexmend.lessons/1`, defined with diagnose) tells Phase 3: the
 * order in which to try restart strategies on this server ("the HTTP restart did not work here" → the
 * Info.plist touch first). Pure: the caller reads the ledger.
 */
import { DEFAULT_RESTART_ORDER, RESTART_STRATEGIES, type RestartStrategyName } from './restart.ts';

export interface RestartLessonLike {
  id: string;
  phase: string;
  weight: number;
  action: { type: string; order?: string[] };
}

/**
 * The restart order of the heaviest `restart_order` lesson for the implement phase (unknown strategy names
 * dropped, missing ones appended in the default order), and the lesson used; the default order otherwise.
 */
export function restartOrderFromLessons(lessons: RestartLessonLike[]): { order: RestartStrategyName[]; lessonId?: string } {
  const best = lessons
    .filter((l) => l.phase === 'implement' && l.action.type === 'restart_order' && l.weight > 0 && l.action.order?.length)
    .sort((a, b) => b.weight - a.weight)[0];
  if (!best) return { order: [...DEFAULT_RESTART_ORDER] };
  const known = best.action.order!.filter((s): s is RestartStrategyName => (RESTART_STRATEGIES as readonly string[]).includes(s));
  const order = [...new Set([...known, ...DEFAULT_RESTART_ORDER])];
  return { order, lessonId: best.id };
}

/**
 * A fix record's restart attempts in the shape the post-mortem reads (`{ strategy, ok, detail }`, in
 * order): `ok` = the restart was observed; entries for plug-ins already restarted by an earlier attempt
 * (strategy `already`) are left out, as they say nothing about a strategy.
 */
export function restartAttemptsForLessons(restarts: Array<{ strategy: string; outcome: string; detail: string }>): Array<{ strategy: string; ok: boolean; detail: string }> {
  return restarts.filter((a) => a.strategy !== 'already').map((a) => ({ strategy: a.strategy, ok: a.outcome === 'ok', detail: a.detail }));
}
