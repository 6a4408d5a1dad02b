/**
 * MONITOR fixes are re-tested on fresh items in the next iteration (DESIGN.md §Phase 5): the fix stays
 * applied; a re-test entry of the new iteration runs only the treatment (no control, no apply) on a sample
 * drawn with the new iteration's seed from the report its first test read. KEEP or MONITOR keeps it; ROLLBACK
 * rolls the original fix back (in its own iteration's journal); INCONCLUSIVE leaves it as it was.
 *
 * The re-test gets a fix id of its own iteration (after the diagnosis' highest `fixN`), so its test report
 * never overwrites one of that iteration's fixes.
 */
import type { DiagnosticReport, FixProposal } from '../diagnose/schema.ts';
import type { LogReport } from '../logs/schema.ts';
import type { FixEntry, LoopState } from './schema.ts';

/** Entries re-testing the previous iteration's kept MONITOR fixes (a re-test itself is not re-tested again). */
export function retestEntries(s: LoopState, d: DiagnosticReport, n: number): FixEntry[] {
  const ids = d.groups.flatMap((g) => g.proposals).map((p) => /^fix(\d+)$/.exec(p.id)?.[1]);
  let next = Math.max(0, ...ids.filter((x): x is string => x !== undefined).map(Number)) + 1;
  return s.fixes
    .filter((f) => f.iteration === n - 1 && f.kept && f.decision === 'MONITOR' && !f.retestOf)
    .map((f) => ({
      iteration: n,
      fixId: `fix${next++}`,
      retestOf: { iteration: f.iteration, fixId: f.fixId },
      groupId: f.groupId,
      recipe: f.recipe,
      composed: f.composed,
      source: f.source,
      title: `re-test of ${f.fixId} (iteration ${f.iteration}): ${f.title}`,
      agents: f.agents,
      step: 'applied' as const,
      reasons: [],
      expected: f.expected,
      ...(f.expectedPrimary ? { expectedPrimary: f.expectedPrimary } : {}),
      sideEffects: [],
      refreshes: 0,
      durationMs: 0,
      kept: false,
    }));
}

/** Where an entry's proposal and baseline report live: its own iteration, or the re-tested fix's. */
export function sourceOf(f: FixEntry): { iteration: number; fixId: string } {
  return f.retestOf ?? { iteration: f.iteration, fixId: f.fixId };
}

/** The proposal an entry works on (a re-test: the original, under the re-test's id). */
export function proposalOf(f: FixEntry, d: DiagnosticReport): FixProposal | undefined {
  const src = sourceOf(f);
  const p = d.groups.flatMap((g) => g.proposals).find((x) => x.id === src.fixId);
  return p && f.retestOf ? { ...p, id: f.fixId } : p;
}

export type { LogReport };
