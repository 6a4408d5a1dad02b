/**
 * Which items test a fix: those whose latest operation failed with the error classes the fix targets
 * (from the outcome table), stratified by class, plus a few items that succeeded before as a regression
 * guard. Pure: mapping to Plex ratingKeys happens in map.ts.
 */
import type { ItemOutcome, LogReport } from '../logs/schema.ts';
import type { FixProposal } from '../diagnose/schema.ts';
import { pointerSegments } from '../logs/schema.ts';

export interface Selection {
  /** Failing items, stratified by target class, at most `size`. */
  targets: ItemOutcome[];
  /** Items that matched before, for the same agents: they must still match. */
  guards: ItemOutcome[];
}

/** Host and status the primary metric names (`/agents/A/http/byHost/H/S`), when it names one. */
function primaryHostStatus(p: FixProposal): { host?: string; status?: number } {
  const seg = pointerSegments(p.expectation.primary.path);
  if (seg[2] === 'http' && seg[3] === 'byHost') return { host: seg[4], status: Number(seg[5]) || undefined };
  if (seg[2] === 'http' && seg[3] === 'byStatus') return { status: Number(seg[4]) || undefined };
  return {};
}

/** Does this failed item show the error the fix targets? */
export function targets(item: ItemOutcome, p: FixProposal): boolean {
  if (!p.agents.includes(item.agent) || item.outcome === 'matched') return false;
  const { host, status } = primaryHostStatus(p);
  return item.reasons.some(
    (r) =>
      p.expectation.targetClasses.includes(r.class) &&
      (host === undefined || r.host === undefined || r.host === host) &&
      (status === undefined || r.status === undefined || r.status === status),
  );
}

/** Stable order independent of report order: by a seeded hash of the item key (no Math.random). */
function order(key: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

const keyOf = (i: ItemOutcome) => `${i.agent}\u0000${i.filePath ?? ''}\u0000${i.title}\u0000${i.year ?? ''}`;

/** Selects up to `size` target items (round-robin over classes) and up to `guards` guard items. */
export function selectItems(report: LogReport, p: FixProposal, o: { size: number; guards: number; seed: number; exclude?: Set<string> }): Selection {
  const excluded = (i: ItemOutcome) => o.exclude?.has(keyOf(i)) ?? false;
  const byClass = new Map<string, ItemOutcome[]>();
  for (const item of report.items.filter((i) => i.phase === 'search' && targets(i, p) && !excluded(i))) {
    const cls = item.reasons.find((r) => p.expectation.targetClasses.includes(r.class))!.class;
    byClass.set(cls, [...(byClass.get(cls) ?? []), item]);
  }
  for (const list of byClass.values()) list.sort((a, b) => order(keyOf(a), o.seed) - order(keyOf(b), o.seed));
  const chosen: ItemOutcome[] = [];
  // Classes in a fixed order (not first appearance in the report), so the sample does not depend on report order.
  const lists = [...byClass.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l);
  for (let round = 0; chosen.length < o.size && lists.some((l) => l.length > round); round++) {
    for (const l of lists) if (l[round] && chosen.length < o.size) chosen.push(l[round]!);
  }
  const guards = report.items
    .filter((i) => i.phase === 'search' && p.agents.includes(i.agent) && i.outcome === 'matched' && !excluded(i))
    .sort((a, b) => order(keyOf(a), o.seed) - order(keyOf(b), o.seed))
    .slice(0, o.guards);
  return { targets: chosen, guards };
}

export { keyOf as itemKey };
