/**
 * FixPlan: what diagnose hands to implement. A plan changes a list of files, each named relative to the
 * Plug-ins folder, by a unified diff (jsdiff/GNU format) or by a whole new content. A shared group marks
 * copies of one logical file — PGMA ships an identical `Contents/Code/utils.py` in 21 site bundles — which
 * must still be identical after the change.
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';

export const FIX_ID = /^fix\d+$/;

export const FileChangeSchema = z
  .object({
    /** Path relative to the Plug-ins folder, with `/` separators, e.g. `GEVI.bundle/Contents/Code/utils.py`. */
    path: z.string().min(1),
    /** A unified diff for this one file (hunks; `---`/`+++` headers optional). */
    diff: z.string().optional(),
    /** The whole new content (UTF-8); creates the file when it does not exist. */
    content: z.string().optional(),
    /** Copies of one logical file share a group name; all copies must hash the same afterwards. */
    sharedGroup: z.string().optional(),
    /** sha256 of the file the diff was made against (diagnose records it); a different file is noted, then patched. */
    baseHash: z.string().optional(),
  })
  .refine((c) => (c.diff === undefined) !== (c.content === undefined), { message: 'give exactly one of diff or content' });
export type FileChange = z.infer<typeof FileChangeSchema>;

export const FixPlanSchema = z.object({
  schema: z.literal('plexmend.fixplan/1'),
  /** `fix3`: the proposal's id in its iteration. */
  fixId: z.string().regex(FIX_ID, 'a fix id looks like fix3'),
  iteration: z.number().int().min(1),
  title: z.string().min(1),
  /** The Expectation in words (metric, direction, threshold), printed and recorded before anything changes. */
  expectation: z.string().min(1),
  changes: z.array(FileChangeSchema).min(1),
  /** Bundle ids (CFBundleIdentifier) to restart; empty = the bundles the changes touch. */
  restart: z.array(z.string()).default([]),
  /** Lines of context that may differ when a hunk is placed (jsdiff fuzzFactor); 0 = exact. */
  fuzz: z.number().int().min(0).max(10).default(0),
  /** Exported plans: when the fix was applied (ISO time), so `reapply` replays stacked fixes in their order. */
  appliedAt: z.string().optional(),
});
export type FixPlan = z.output<typeof FixPlanSchema>;
export type FixPlanInput = z.input<typeof FixPlanSchema>;

export const FixPlanDocument = defineDocument('plexmend.fixplan/1', FixPlanSchema);

/** The number in `fix3`. */
export function fixNumber(fixId: string): number {
  return Number(fixId.replace(/^fix/, ''));
}

/** The bundle folder name a plan path lies in (`GEVI.bundle`), or undefined for `_PGMA/...`. */
export function bundleDirOf(relPath: string): string | undefined {
  const first = relPath.replace(/\\/g, '/').split('/')[0] ?? '';
  return first.endsWith('.bundle') ? first : undefined;
}

/** The parts of a diagnose proposal (`plexmend.diagnosis/1`) a plan is made from (structural, no import). */
export interface ProposalLike {
  id: string;
  title: string;
  kind: string;
  offered?: boolean;
  bundleIds: string[];
  changes: Array<{ path: string; diff: string; baseHash?: string; sharedGroup?: string }>;
  expectation: { primary: { path: string; direction: string; threshold?: { kind: string; value: number }; description: string }; contingency?: string };
}

/** The Expectation in one line: primary metric, direction, threshold, and what it means. */
export function expectationSummary(e: ProposalLike['expectation']): string {
  const t = e.primary.threshold;
  const by = t ? ` by ${t.kind === 'relative' ? `≥ ${Math.round(t.value * 100)} %` : `≥ ${t.value}`}` : '';
  return `${e.primary.path} ${e.primary.direction}s${by} (${e.primary.description})`.replace('zeros', 'goes to zero').replace('stays', 'stays the same');
}

/**
 * Picks the proposal for `fixId` from a diagnostic report's proposals — the one whose id is `fixId`, else
 * the K-th offered patch proposal for `fixK` — and makes it a plan. Undefined when there is none.
 */
export function planFromProposals(proposals: ProposalLike[], fixId: string, iteration: number): FixPlan | undefined {
  const patches = proposals.filter((p) => p.kind === 'patch' && p.offered !== false && p.changes.length > 0);
  const p = patches.find((x) => x.id === fixId) ?? (FIX_ID.test(fixId) ? patches[fixNumber(fixId) - 1] : undefined);
  if (!p) return undefined;
  return FixPlanSchema.parse({
    schema: 'plexmend.fixplan/1',
    fixId,
    iteration,
    title: p.title,
    expectation: expectationSummary(p.expectation),
    changes: p.changes.map((c) => ({ path: c.path, diff: c.diff, ...(c.baseHash ? { baseHash: c.baseHash } : {}), ...(c.sharedGroup ? { sharedGroup: c.sharedGroup } : {}) })),
    restart: p.bundleIds,
    fuzz: 0,
  });
}
