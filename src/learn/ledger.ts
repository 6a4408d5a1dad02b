/**
 * The lessons ledger (`lessons.json`): lessons are records with a scope, an action the other phases apply
 * mechanically, the evidence that made them, and a weight — new 2, confirmed +1, contradicted −1, removed
 * at 0, capped. Pure functions over the ledger document; reading and writing it happen at the edges.
 */
import { createHash } from 'node:crypto';
import type { Lesson, LessonAction, LessonsLedger } from '../diagnose/schema.ts';

export const NEW_WEIGHT = 2;
export const MAX_WEIGHT = 5;

export function emptyLedger(): LessonsLedger {
  return { schema: 'plexmend.lessons/1', lessons: [] };
}

/** A lesson as derived from one piece of evidence, before it meets the ledger. */
export type LessonDraft = Omit<Lesson, 'id' | 'weight' | 'created' | 'updated'>;

/** Identity of a lesson: what it says and where it applies, not its wording or evidence. */
export function lessonKey(l: Pick<Lesson, 'kind' | 'phase' | 'scope' | 'action'>): string {
  const scope = Object.entries(l.scope)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  const action = Object.entries(l.action).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([l.kind, l.phase, scope, action]);
}

function lessonId(key: string): string {
  return 'L' + createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Records a lesson: a new one enters with weight 2; the same lesson seen again is confirmed (+1, capped)
 * and takes the newer text and the added evidence.
 */
export function recordLesson(ledger: LessonsLedger, draft: LessonDraft, now: string): LessonsLedger {
  const key = lessonKey(draft);
  const found = ledger.lessons.find((l) => lessonKey(l) === key);
  if (!found) {
    const lesson: Lesson = { ...draft, id: lessonId(key), weight: NEW_WEIGHT, created: now, updated: now };
    return { ...ledger, lessons: [...ledger.lessons, lesson] };
  }
  return adjust(ledger, found.id, +1, now, { text: draft.text, evidence: draft.evidence });
}

/** Confirms (+1) or contradicts (−1) a lesson by id; a lesson whose weight reaches 0 is removed. */
export function adjust(
  ledger: LessonsLedger,
  id: string,
  delta: 1 | -1,
  now: string,
  add: { text?: string; evidence?: Lesson['evidence'] } = {},
): LessonsLedger {
  const lessons: Lesson[] = [];
  for (const l of ledger.lessons) {
    if (l.id !== id) {
      lessons.push(l);
      continue;
    }
    const weight = Math.min(MAX_WEIGHT, l.weight + delta);
    if (weight <= 0) continue;
    lessons.push({ ...l, weight, updated: now, text: add.text ?? l.text, evidence: [...l.evidence, ...(add.evidence ?? [])] });
  }
  return { ...ledger, lessons };
}

const sameEvidence = (a: Lesson['evidence'][number], b: Lesson['evidence'][number]) =>
  a.iteration === b.iteration && a.fixId === b.fixId && a.metric === b.metric && a.observed === b.observed;

/**
 * Whether a lesson already holds this evidence. The same evidence met again (a post-mortem re-run after a
 * kill between saving the ledger and saving the loop state) is no confirmation: post-mortems skip it, so a
 * resumed loop ends with the same weights.
 */
export function alreadyRecorded(l: Lesson, evidence: Lesson['evidence']): boolean {
  return evidence.length > 0 && evidence.every((e) => l.evidence.some((x) => sameEvidence(x, e)));
}

export interface Situation {
  phase: Lesson['phase'];
  agent?: string;
  host?: string;
  class?: Lesson['scope']['class'];
  recipe?: Lesson['scope']['recipe'];
}

/**
 * The lessons that apply to a situation: every scope field a lesson sets must equal the situation's.
 * Heaviest first.
 */
export function lessonsFor(ledger: LessonsLedger, s: Situation): Lesson[] {
  return ledger.lessons
    .filter((l) => l.phase === s.phase)
    .filter((l) => (Object.keys(l.scope) as Array<keyof Lesson['scope']>).every((k) => l.scope[k] === undefined || l.scope[k] === s[k]))
    .sort((a, b) => b.weight - a.weight || a.id.localeCompare(b.id));
}

/** The lessons of one action type in a situation (typed narrowing helper for readers). */
export function actionsFor<T extends LessonAction['type']>(
  ledger: LessonsLedger,
  s: Situation,
  type: T,
): Array<{ lesson: Lesson; action: Extract<LessonAction, { type: T }> }> {
  return lessonsFor(ledger, s)
    .filter((l) => l.action.type === type)
    .map((l) => ({ lesson: l, action: l.action as Extract<LessonAction, { type: T }> }));
}
