/**
 * What an EXHAUSTED loop leaves behind, and why (DESIGN.md §Phase 5: "say what is left and why"), as
 * one short text for the exit detail. Per error group of the last diagnosis: parked (with the reason),
 * a fix already kept (its id: the group's remaining events are what that fix did not cure), rolled
 * back, no code fix (with the workaround), or an offered change that is not a code patch. Groups that
 * say the same thing are listed together, and file renames — the same misnamed file fails in every
 * site agent that searches it, so each agent's group suggests the same rename — are listed once per
 * file with the agents that asked for it. Pure.
 */
import type { ErrorGroup } from '../diagnose/schema.ts';
import type { LoopState } from './schema.ts';

/** How many renames the detail lists before pointing at the diagnostic report. */
const MAX_RENAMES = 5;

/** A rename line of a workaround (`  rename "a.mp4" → "(Studio) - a.mp4"`), as the workaround recipe writes it. */
const RENAME = /^\s*rename\s+(.+)$/;

/** One group's state, without its id; renames are taken out of the workaround text. */
function stateOf(g: ErrorGroup, s: Pick<LoopState, 'parked' | 'fixes'>): { text: string; renames: string[] } {
  const parked = s.parked.find((p) => p.groupId === g.id);
  if (parked) return { text: `parked: ${parked.reason}`, renames: [] };
  // A kept fix of this group, or one of the same agent that carries the change this group's proposal would
  // make (a 429 group left after a kept headers + back-off fix of the 403 group: its back-off is in place).
  const wanted = new Set(g.proposals.filter((p) => p.kind === 'patch').map((p) => p.recipe));
  const kept =
    s.fixes.filter((f) => f.groupId === g.id && f.kept).pop() ??
    s.fixes.filter((f) => f.kept && f.agents.includes(g.agent) && [f.recipe, ...f.composed].some((r) => wanted.has(r))).pop();
  if (kept) {
    const how = kept.decision === 'KEEP' || !kept.decision ? 'kept' : `applied (${kept.decision})`;
    const recipes = [kept.recipe, ...kept.composed].join(' + ');
    return { text: `fix ${kept.fixId} (${recipes}) ${how} since iteration ${kept.iteration}; ${g.events} event${g.events === 1 ? '' : 's'} remain${g.events === 1 ? 's' : ''}`, renames: [] };
  }
  const rolled = s.fixes.filter((f) => f.groupId === g.id && f.decision === 'ROLLBACK').pop();
  if (rolled) return { text: `rolled back: ${rolled.decision} — ${rolled.reasons.join('; ')}`, renames: [] };
  const p = g.proposals.find((x) => x.offered);
  const lines = (p?.workaround ?? '').split('\n');
  const renames = lines.map((l) => RENAME.exec(l)?.[1]).filter((r): r is string => !!r);
  const workaround = lines.filter((l) => !RENAME.test(l)).join(' ').trim();
  const files = renames.length ? `${workaround ? '; ' : ''}rename the files below` : '';
  if (!g.cause.fixable || !p) return { text: `${g.cause.id}: no code fix${workaround || files ? `; workaround: ${workaround}${files}` : ''}`, renames };
  return { text: `${p.kind} ${p.recipe}: not a code patch${workaround || files ? `; ${workaround}${files}` : ''}`, renames };
}

/**
 * The "Left: …" text of an EXHAUSTED exit: groups with the same state share one entry (`a, b (state)`);
 * renames follow once per file with the agents whose groups asked for them. Empty when nothing is left.
 */
export function leftOver(groups: readonly ErrorGroup[], s: Pick<LoopState, 'parked' | 'fixes'>): string {
  const entries = new Map<string, string[]>();
  const renames = new Map<string, Set<string>>();
  for (const g of groups) {
    const { text, renames: r } = stateOf(g, s);
    entries.set(text, [...(entries.get(text) ?? []), g.id]);
    for (const rename of r) (renames.get(rename) ?? renames.set(rename, new Set()).get(rename)!).add(g.agent);
  }
  const parts = [...entries].map(([text, ids]) => `${ids.join(', ')} (${text})`);
  if (renames.size === 0) return parts.join('; ');
  const listed = [...renames].slice(0, MAX_RENAMES).map(([r, agents]) => `${r} (${[...agents].join(', ')})`);
  const more = renames.size > MAX_RENAMES ? `; and ${renames.size - MAX_RENAMES} more in the diagnostic report` : '';
  return `${parts.join('; ')}. Rename ${renames.size} file${renames.size > 1 ? 's' : ''}: ${listed.join('; ')}${more}`;
}
