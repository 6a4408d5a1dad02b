/**
 * The implementation log, `iteration_N/implementation_log.json` (`plexmend.implementation/1`): one record
 * per fix attempt — the expectation as stated before the change, the plan, every file's hashes, restart
 * attempts, validation, rollback — plus every write plexmend made (`writes`, ordered by a workspace-wide
 * tick). The writes let rollback tell "a later plexmend fix changed this file" (stack) from "someone else
 * changed it" (refuse unless --force).
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import { paths, type Workspace } from '../workspace.ts';
import { BackupFileSchema, ObjectStore } from './backup.ts';
import { join } from 'node:path';
import { FixPlanSchema } from './plan.ts';
import { readDoc, writeDoc, type ImplementFs } from './files.ts';

export const FIX_STATUSES = ['dry-run', 'declined', 'applying', 'applied', 'rolled-back', 'failed'] as const;
export type FixStatus = (typeof FIX_STATUSES)[number];

export const RestartAttemptSchema = z.object({
  strategy: z.string(),
  bundleId: z.string(),
  at: z.string(),
  /** ok = the restart was observed (fresh `Starting framework core` in the plug-in log). */
  outcome: z.enum(['ok', 'failed', 'refused', 'not-observed', 'skipped']),
  detail: z.string(),
  ms: z.number(),
});
export type RestartAttempt = z.infer<typeof RestartAttemptSchema>;

export const ValidationSchema = z.object({
  ok: z.boolean(),
  checker: z.string(),
  codeErrors: z.array(z.object({ file: z.string(), line: z.number(), message: z.string() })),
  /** Lines (first line of each record) that counted against the change in the plug-in log window. */
  logFindings: z.array(z.object({ bundleId: z.string(), line: z.string() })),
  /** Framework noise seen and ignored (resource-hashes CRITICAL and the like). */
  noiseIgnored: z.number().int(),
  restarted: z.boolean(),
  reasons: z.array(z.string()),
});
export type Validation = z.infer<typeof ValidationSchema>;

export const WriteSchema = z.object({
  tick: z.number().int(),
  /** When the bytes were written (ISO time). */
  at: z.string().optional(),
  rel: z.string(),
  sha: z.string().nullable(),
  why: z.string(),
});

export const FixRecordSchema = z.object({
  fixId: z.string(),
  title: z.string(),
  expectation: z.string(),
  status: z.enum(FIX_STATUSES),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  plan: FixPlanSchema,
  backupDir: z.string().optional(),
  snapshot: z.string().optional(),
  files: z.array(BackupFileSchema),
  sharedGroups: z.array(z.object({ group: z.string(), copies: z.number().int(), sha: z.string() })),
  restarts: z.array(RestartAttemptSchema),
  validation: ValidationSchema.optional(),
  rollback: z
    .object({
      at: z.string(),
      reason: z.string(),
      automatic: z.boolean(),
      files: z.array(z.object({ rel: z.string(), method: z.enum(['restore', 'reverse-patch', 'forced', 'unchanged']), sha: z.string().nullable() })),
      rolledBackFirst: z.array(z.string()),
    })
    .optional(),
  writes: z.array(WriteSchema),
  events: z.array(z.object({ at: z.string(), what: z.string() })),
});
export type FixRecord = z.infer<typeof FixRecordSchema>;

export const ImplementationLogDocument = defineDocument(
  'plexmend.implementation/1',
  z.object({ schema: z.literal('plexmend.implementation/1'), iteration: z.number().int(), fixes: z.array(FixRecordSchema) }),
);
export type ImplementationLog = z.output<typeof ImplementationLogDocument.schema>;

/** Reads an iteration's log; an empty log when the file does not exist yet. */
export async function readLog(fs: ImplementFs, ws: Workspace, iteration: number): Promise<ImplementationLog> {
  const path = paths.implementationLog(ws, iteration);
  if (!(await fs.info(path))) return { schema: 'plexmend.implementation/1', iteration, fixes: [] };
  return readDoc(fs, ImplementationLogDocument, path);
}

/** Read-modify-write of one fix record (matched by fixId and startedAt), atomically. */
export async function saveRecord(fs: ImplementFs, ws: Workspace, iteration: number, record: FixRecord): Promise<void> {
  const log = await readLog(fs, ws, iteration);
  const i = log.fixes.findIndex((f) => f.fixId === record.fixId && f.startedAt === record.startedAt);
  if (i >= 0) log.fixes[i] = record;
  else log.fixes.push(record);
  await writeDoc(fs, ImplementationLogDocument, paths.implementationLog(ws, iteration), log);
}

export interface HistoryEntry {
  iteration: number;
  record: FixRecord;
}

/** Every fix record of every iteration, oldest first. */
export async function readHistory(fs: ImplementFs, ws: Workspace): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  const iterations = (await fs.list(ws.root)).map((e) => /^iteration_(\d+)$/.exec(e.name)).filter((m) => m !== null).map((m) => Number(m[1]));
  const last = Math.max(0, ...iterations);
  for (let n = 1; n <= last; n++) {
    for (const record of (await readLog(fs, ws, n)).fixes) out.push({ iteration: n, record });
  }
  return out;
}

/** The next write tick (one more than any recorded). */
export function nextTick(history: HistoryEntry[]): number {
  let max = 0;
  for (const h of history) for (const w of h.record.writes) max = Math.max(max, w.tick);
  return max + 1;
}

/** The last hash plexmend itself wrote to `rel`, with the fix that wrote it; undefined when never written. */
export function lastWrite(history: HistoryEntry[], rel: string): { sha: string | null; fixId: string; tick: number } | undefined {
  let best: { sha: string | null; fixId: string; tick: number } | undefined;
  for (const h of history) {
    for (const w of h.record.writes) if (w.rel === rel && (!best || w.tick > best.tick)) best = { sha: w.sha, fixId: h.record.fixId, tick: w.tick };
  }
  return best;
}

/** The latest record of `fixId` (any iteration unless one is given). */
export function findFix(history: HistoryEntry[], fixId: string, iteration?: number): HistoryEntry | undefined {
  const matches = history.filter((h) => h.record.fixId === fixId && (iteration === undefined || h.iteration === iteration));
  return matches[matches.length - 1];
}

/**
 * The bytes `rel` had at time `when`, from the backup store — PGMA's `File: X, Line: N` points into the code
 * that was live when the line was logged, not necessarily today's file. `undefined` when plexmend never
 * wrote the file (today's file is that version); `null` when the file did not exist then.
 */
export async function fileAsOf(fs: ImplementFs, history: HistoryEntry[], rel: string, when: Date): Promise<Buffer | null | undefined> {
  const writes = history
    .flatMap((h) => h.record.writes.filter((w) => w.rel === rel).map((w) => ({ w, record: h.record })))
    .sort((a, b) => a.w.tick - b.w.tick);
  if (writes.length === 0) return undefined;
  const t = when.getTime();
  const before = writes.filter((x) => x.w.at !== undefined && Date.parse(x.w.at) <= t).pop();
  const source = before ? { sha: before.w.sha, record: before.record } : { sha: writes[0]!.record.files.find((f) => f.rel === rel)?.beforeSha ?? null, record: writes[0]!.record };
  if (source.sha === null) return null;
  if (!source.record.backupDir) return undefined;
  return new ObjectStore(join(source.record.backupDir, 'files'), fs).get(source.sha);
}
