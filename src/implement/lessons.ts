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
