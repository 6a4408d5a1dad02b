/**
 * The write-ahead journal (`<workspace>/implement_journal.json`, `plexmend.journal/1`, atomic rewrites).
 * An apply or rollback is a transition of a list of files from one hash to another (both sets of bytes are
 * in the fix's backup store before the first byte is written). Every step is journalled BEFORE it is taken
 * and again after: planned → backed-up → writing i / written i (per file) → all-written → restarted →
 * validated → committed, or rolling-back → rolled-back.
 *
 * `recover()` runs at the start of apply, rollback and loop. If the last journal is still open and its
 * process is gone, it decides by state (so a bundle is never left half-patched):
 * - apply, `planned`: nothing was written — abandoned (bundle as before);
 * - apply, `backed-up` … `restarted`, `rolling-back`: the change was never validated — UNDONE, every file
 *   back to its old bytes (hash-verified); the plug-in is restarted if any file had been written;
 * - apply, `validated`: only the bookkeeping was missing — COMPLETED (bundle as after);
 * - rollback, `planned`: nothing written — abandoned (fix stays applied);
 * - rollback, any later step: COMPLETED, every file to its pre-fix bytes (the user asked for the rollback).
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import { LockHeldError, PlexmendError } from '../errors.ts';
import { ObjectStore } from './backup.ts';
import { join } from 'node:path';
import { readDoc, sha256, writeDoc, type ImplementFs } from './files.ts';
import { resolvePlanPath, type PlexLayout } from './scope.ts';

export const JOURNAL_STEPS = [
  'planned',
  'backed-up',
  'writing',
  'written',
  'all-written',
  'restarted',
  'validated',
  'committed',
  'rolling-back',
  'rolled-back',
] as const;
export type JournalStep = (typeof JOURNAL_STEPS)[number];

export const JournalFileSchema = z.object({
  rel: z.string(),
  /** Hash before this transition (null: absent). */
  fromSha: z.string().nullable(),
  /** Hash after it (null: removed). */
  toSha: z.string().nullable(),
  mode: z.number().int(),
});
export type JournalFile = z.infer<typeof JournalFileSchema>;

export const JournalDocument = defineDocument(
  'plexmend.journal/1',
  z.object({
    schema: z.literal('plexmend.journal/1'),
    op: z.enum(['apply', 'rollback']),
    fixId: z.string(),
    iteration: z.number().int(),
    /** Identifies the fix record in the implementation log. */
    recordStartedAt: z.string(),
    pid: z.number().int(),
    pluginsDir: z.string(),
    pluginSupport: z.string(),
    /** Object store holding both old and new bytes of every file. */
    objectsDir: z.string(),
    files: z.array(JournalFileSchema),
    restart: z.array(z.string()),
    steps: z.array(z.object({ step: z.enum(JOURNAL_STEPS), at: z.string(), file: z.number().int().optional() })),
    closed: z.boolean(),
  }),
);
export type JournalDoc = z.output<typeof JournalDocument.schema>;

/** Called after each journal entry is durable, with `step` or `step:i`; tests kill the process here. */
export type CrashHook = (point: string) => void;

export interface JournalDeps {
  fs: ImplementFs;
  now(): Date;
  /** Whether a process id is alive (a journal of a live process is a lock, not a crash). */
  isAlive(pid: number): boolean;
  crashHook?: CrashHook;
  pid: number;
}

/** An open journal: every `step()` is written atomically before returning. */
export class Journal {
  private constructor(readonly path: string, public doc: JournalDoc, private readonly deps: JournalDeps) {}

  /** Starts a journal; throws LockHeldError when another live process has one open. */
  static async begin(path: string, header: Omit<JournalDoc, 'schema' | 'steps' | 'closed' | 'pid'>, deps: JournalDeps): Promise<Journal> {
    const existing = await readJournal(deps.fs, path);
    if (existing && !existing.closed) {
      if (existing.pid !== deps.pid && deps.isAlive(existing.pid)) throw new LockHeldError(`the Plug-ins folder (${existing.op} of ${existing.fixId})`, existing.pid);
      throw new Error(`journal ${path} is still open; recover() must run first`);
    }
    const j = new Journal(path, { schema: 'plexmend.journal/1', ...header, pid: deps.pid, steps: [], closed: false }, deps);
    await j.step('planned');
    return j;
  }

  /** Appends a step and makes it durable; then gives the crash hook its chance. */
  async step(step: JournalStep, file?: number): Promise<void> {
    this.doc.steps.push({ step, at: this.deps.now().toISOString(), ...(file === undefined ? {} : { file }) });
    if (step === 'committed' || step === 'rolled-back') this.doc.closed = true;
    await writeDoc(this.deps.fs, JournalDocument, this.path, this.doc);
    this.deps.crashHook?.(file === undefined ? step : `${step}:${file}`);
  }

  get last(): JournalStep {
    return this.doc.steps[this.doc.steps.length - 1]!.step;
  }
}

export async function readJournal(fs: ImplementFs, path: string): Promise<JournalDoc | undefined> {
  if (!(await fs.info(path))) return undefined;
  return readDoc(fs, JournalDocument, path);
}

/**
 * Brings one file to `target` ('from' or 'to' bytes of the transition), in place, verifying the result by
 * hash. Returns whether it had to write. `midway` runs halfway through the write (crash tests).
 */
export async function settleFile(fs: ImplementFs, layout: PlexLayout, store: ObjectStore, f: JournalFile, target: 'from' | 'to', midway?: () => void): Promise<boolean> {
  const sha = target === 'from' ? f.fromSha : f.toSha;
  const { abs } = await resolvePlanPath(layout, f.rel, fs);
  const current = await fs.tryRead(abs);
  const currentSha = current ? sha256(current) : null;
  if (currentSha === sha) return false;
  if (sha === null) {
    await fs.remove(abs);
    return true;
  }
  const bytes = await store.get(sha);
  if (current) await fs.writeInPlace(abs, bytes, midway);
  else await fs.create(abs, bytes, f.mode);
  const check = await fs.read(abs);
  if (sha256(check) !== sha) throw new Error(`wrote ${f.rel} but it does not read back as ${sha.slice(0, 12)}…`);
  return true;
}

export interface Recovery {
  op: 'apply' | 'rollback';
  fixId: string;
  iteration: number;
  recordStartedAt: string;
  lastStep: JournalStep;
  action: 'abandoned' | 'undone' | 'completed';
  /** Files whose bytes recovery rewrote, with the hash they now have. */
  rewritten: Array<{ rel: string; sha: string | null }>;
  /** Bundle ids to restart because code on disk changed while the plug-in may have loaded it. */
  restartNeeded: string[];
  /** One sentence for the user and the log. */
  summary: string;
}

/** The recovery decision for a journal state (pure; see the module comment). */
export function recoveryAction(op: 'apply' | 'rollback', last: JournalStep): Recovery['action'] {
  if (last === 'planned') return 'abandoned';
  if (op === 'apply') return last === 'validated' ? 'completed' : 'undone';
  return 'completed';
}

/**
 * Finds an unfinished journal of a dead process and completes or undoes it; undefined when there is
 * nothing to recover. Throws LockHeldError when the journal's process is still running.
 */
export async function recoverJournal(path: string, deps: JournalDeps): Promise<Recovery | undefined> {
  const doc = await readJournal(deps.fs, path);
  if (!doc || doc.closed) return undefined;
  if (doc.pid !== deps.pid && deps.isAlive(doc.pid)) throw new LockHeldError(`the Plug-ins folder (${doc.op} of ${doc.fixId})`, doc.pid);
  const last = doc.steps[doc.steps.length - 1]?.step ?? 'planned';
  const action = recoveryAction(doc.op, last);
  const layout: PlexLayout = { plugins: doc.pluginsDir, pluginSupport: doc.pluginSupport };
  const store = new ObjectStore(doc.objectsDir, deps.fs);
  const rewritten: Recovery['rewritten'] = [];
  const anyWritten = doc.steps.some((s) => s.step === 'writing');
  if (action !== 'abandoned') {
    const target = action === 'undone' ? 'from' : 'to';
    try {
      for (const f of doc.files) {
        if (await settleFile(deps.fs, layout, store, f, target)) rewritten.push({ rel: f.rel, sha: target === 'from' ? f.fromSha : f.toSha });
      }
    } catch (err) {
      throw new PlexmendError(`cannot finish the interrupted ${doc.op} of ${doc.fixId}: ${(err as Error).message}`, {
        hint: `fix the cause and run the command again; or restore ${doc.files.map((f) => f.rel).join(', ')} by hand (the Plug-ins snapshot is in _BACKUPS/snapshots) and delete ${path}`,
        cause: err,
      });
    }
  }
  const restartNeeded = anyWritten && !(doc.op === 'apply' && action === 'completed') ? doc.restart : [];
  const verb = { abandoned: 'abandoned (nothing had been written)', undone: 'undone: every file is back to its bytes before the change', completed: doc.op === 'apply' ? 'completed: the change had been validated' : 'completed: every file is back to its bytes before the fix' }[action];
  const summary = `an interrupted ${doc.op} of ${doc.fixId} (last step "${last}") was ${verb}`;
  doc.steps.push({ step: action === 'undone' || doc.op === 'rollback' ? 'rolled-back' : 'committed', at: deps.now().toISOString() });
  if (action === 'abandoned' && doc.op === 'rollback') doc.steps[doc.steps.length - 1]!.step = 'committed';
  doc.closed = true;
  await writeDoc(deps.fs, JournalDocument, path, doc);
  return { op: doc.op, fixId: doc.fixId, iteration: doc.iteration, recordStartedAt: doc.recordStartedAt, lastStep: last, action, rewritten, restartNeeded, summary };
}

/** The object store folder inside a fix's backup folder (same as backup.ts fixObjects). */
export const objectsDirOf = (backupDir: string) => join(backupDir, 'files');
