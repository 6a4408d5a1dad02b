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
