/**
 * `plexmend apply <fix>`: state the expectation, ask, snapshot the Plug-ins folder (once per run), back up,
 * write every copy in place under the journal, verify hashes and shared copies, check the code, restart the
 * affected plug-ins, watch their logs, and keep the change — or roll it back automatically and say why.
 */
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { paths } from '../workspace.ts';
import { fixObjects, newFixBackupDir, snapshotPlugins, stamp, writeManifest, type BackupFile } from './backup.ts';
import { idsOfBundleDirs, recover, targetsFor, type ImplementContext } from './context.ts';
import { sha256 } from './files.ts';
import { nextTick, readHistory, saveRecord, type FixRecord, type FixStatus, type Validation } from './history.ts';
import { Journal, objectsDirOf, settleFile, type JournalFile, type Recovery } from './journal.ts';
import { applyChange, checkSharedGroups, unifiedDiff } from './patch.ts';
import { bundleDirOf, type FixPlan } from './plan.ts';
import { DEFAULT_RESTART_ORDER, restartBundles, startMarkers, type RestartTarget } from './restart.ts';
import { resolvePlanPath, type ScopedPath } from './scope.ts';
import { checkCode, checkLogs } from './validate.ts';

export interface ApplyOptions {
  dryRun?: boolean;
  /** Do not ask before changing anything. */
  yes?: boolean;
  /** Identifies the run: the Plug-ins snapshot is taken once per run id. */
  runId?: string;
  /** Overrides the plan's fuzz (reapply after an agent upgrade). */
  fuzz?: number;
}

export interface ApplyResult {
  status: FixStatus;
  record?: FixRecord;
  recovery?: Recovery;
  /** The unified diff of the whole change (all copies). */
  diff: string;
  /** Why a change was rolled back or not kept. */
  reasons: string[];
}

interface Prepared {
  scoped: ScopedPath;
  before: Buffer | undefined;
  after: Buffer;
  mode: number;
  uid: number;
  gid: number;
  sharedGroup?: string;
}

/** Reads every target file and computes its new bytes, without writing anything. Throws on scope or patch conflicts. */
export async function preparePlan(plan: FixPlan, ctx: ImplementContext, fuzz: number): Promise<{ prepared: Prepared[]; notes: string[] }> {
  const { fs } = ctx.deps;
  const prepared: Prepared[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const change of plan.changes) {
    const scoped = await resolvePlanPath(ctx.layout, change.path, fs);
    if (seen.has(scoped.rel)) throw new InputError(`the plan changes ${scoped.rel} twice`, 'merge the two changes into one diff');
    seen.add(scoped.rel);
    const info = await fs.info(scoped.abs);
    if (info && info.kind !== 'file') throw new InputError(`${scoped.rel} is not a regular file (${info.kind})`, 'the plan must name files');
    const before = info ? await fs.read(scoped.abs) : undefined;
    if (change.baseHash && before && sha256(before) !== change.baseHash) notes.push(`${scoped.rel} differs from the file the diff was made against; placing the hunks anyway`);
    const after = applyChange(before, change, fuzz);
    prepared.push({ scoped, before, after, mode: info?.mode ?? 0o644, uid: info?.uid ?? -1, gid: info?.gid ?? -1, sharedGroup: change.sharedGroup });
  }
  checkSharedGroups(prepared.map((p) => ({ rel: p.scoped.rel, sharedGroup: p.sharedGroup, afterSha: sha256(p.after) })));
  return { prepared, notes };
}

/** The expectation block printed (and recorded) before anything changes. */
export function expectationLines(plan: FixPlan, prepared: Prepared[]): string[] {
  const changed = prepared.filter((p) => !p.before || !p.after.equals(p.before));
  return [
    `${plan.fixId} (iteration ${plan.iteration}): ${plan.title}`,
    `Expectation: ${plan.expectation}`,
    `Changes ${changed.length} file(s): ${changed.map((p) => p.scoped.rel).join(', ')}`,
  ];
}

/** Applies a fix plan (see the module comment). Dry runs print the plan and diff and change nothing. */
export async function applyFix(plan: FixPlan, ctx: ImplementContext, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const { deps, ws } = ctx;
  const recovery = opts.dryRun ? undefined : await recover(ctx);
  const { prepared: all, notes } = await preparePlan(plan, ctx, opts.fuzz ?? plan.fuzz);
  const prepared = all.filter((p) => !p.before || !p.after.equals(p.before));
  const diff = prepared.map((p) => unifiedDiff(p.scoped.rel, p.before, p.after)).join('');
  for (const line of expectationLines(plan, all)) deps.out(line);
  for (const n of notes) deps.out(`note: ${n}`);
  if (prepared.length === 0) throw new InputError(`${plan.fixId} changes nothing: every file already has the planned content`, 'it may be applied already; see implementation_log.json');
  if (opts.dryRun) {
    const ids = plan.restart.length ? plan.restart : await idsOfBundleDirs(ctx, [...new Set(prepared.map((p) => bundleDirOf(p.scoped.rel)).filter((d): d is string => !!d))]);
    const groups = [...new Set(prepared.map((p) => p.sharedGroup).filter(Boolean))];
    deps.out('--- dry run: nothing is changed ---');
    deps.out('Plan: snapshot the Plug-ins folder (once per run); back up the files below to ' +
      `${paths.backupsDir(ws, plan.iteration)}/${plan.fixId}_<time>/; write them in place${groups.length ? `; check the copies of ${groups.join(', ')} are identical` : ''}; ` +
      `check Python 2.7 and the naming rules; restart ${ids.join(', ') || 'nothing'} (${(ctx.restart?.order ?? DEFAULT_RESTART_ORDER).join(' → ')}); watch the log; keep or roll back.`);
    deps.out(diff.trimEnd());
    return { status: 'dry-run', diff, recovery, reasons: [] };
  }
  const startedAt = deps.now().toISOString();
  const record: FixRecord = {
    fixId: plan.fixId,
    title: plan.title,
    expectation: plan.expectation,
    status: 'applying',
    startedAt,
    plan,
    files: [],
    sharedGroups: [],
    restarts: [],
    writes: [],
    events: [{ at: startedAt, what: `expectation stated: ${plan.expectation}` }, ...notes.map((n) => ({ at: startedAt, what: n }))],
  };
  if (!opts.yes && !(await deps.prompt(`Apply ${plan.fixId} to ${prepared.length} file(s)?`))) {
    record.status = 'declined';
    record.finishedAt = deps.now().toISOString();
    await saveRecord(deps.fs, ws, plan.iteration, record);
    return { status: 'declined', record, diff, recovery, reasons: ['declined by the user'] };
  }

  // Backups: the whole Plug-ins folder once per run, then this fix's files (old and new bytes).
  const backupsDir = paths.backupsDir(ws, plan.iteration);
  const runId = opts.runId ?? `${stamp(deps.now())}_${deps.pid}`;
  const snap = await snapshotPlugins(deps.fs, backupsDir, ctx.layout.plugins, runId, deps.now());
  record.snapshot = snap.path;
  record.events.push({ at: deps.now().toISOString(), what: snap.reused ? 'Plug-ins snapshot of this run reused' : `Plug-ins snapshot taken (${snap.snapshot.files.length} files, ${snap.snapshot.newObjects} new objects)` });
  const backupDir = await newFixBackupDir(deps.fs, backupsDir, plan.fixId, deps.now());
  const store = fixObjects(deps.fs, backupDir);
  const files: BackupFile[] = [];
  const jfiles: JournalFile[] = [];
  for (const p of prepared) {
    const beforeSha = p.before ? await store.put(p.before) : null;
    const afterSha = await store.put(p.after);
    files.push({ rel: p.scoped.rel, beforeSha, afterSha, mode: p.mode, uid: p.uid, gid: p.gid, ...(p.sharedGroup ? { sharedGroup: p.sharedGroup } : {}) });
    jfiles.push({ rel: p.scoped.rel, fromSha: beforeSha, toSha: afterSha, mode: p.mode });
  }
  await writeManifest(deps.fs, backupDir, { schema: 'plexmend.backup/1', fixId: plan.fixId, iteration: plan.iteration, createdAt: startedAt, pluginsDir: ctx.layout.plugins, title: plan.title, files });
  Object.assign(record, { backupDir, files });

  const restartIds = plan.restart.length ? plan.restart : await idsOfBundleDirs(ctx, [...new Set(prepared.map((p) => bundleDirOf(p.scoped.rel)).filter((d): d is string => !!d))]);
  const { targets, unknown } = await targetsFor(ctx, restartIds);
  if (unknown.length) record.events.push({ at: deps.now().toISOString(), what: `no bundle folder found for ${unknown.join(', ')}; not restarted` });
  const markers = await startMarkers(deps.logs, targets.map((t) => t.bundleId));
  let tick = nextTick(await readHistory(deps.fs, ws));
  // The prompt may have waited minutes: a file edited meanwhile must not be overwritten from stale bytes.
  for (const f of jfiles) {
    const now = await deps.fs.tryRead(resolveAbs(prepared, f.rel));
    if ((now ? sha256(now) : null) !== f.fromSha) {
      record.status = 'failed';
      record.finishedAt = deps.now().toISOString();
      record.events.push({ at: record.finishedAt, what: `${f.rel} changed while waiting; nothing written` });
      await saveRecord(deps.fs, ws, plan.iteration, record);
      throw new InputError(`${f.rel} changed while plexmend was waiting; nothing was written`, `run \`plexmend apply ${plan.fixId}\` again`);
    }
  }
  await saveRecord(deps.fs, ws, plan.iteration, record);

  let journal: Journal;
  try {
    journal = await Journal.begin(
      paths.implementJournal(ws),
      { op: 'apply', fixId: plan.fixId, iteration: plan.iteration, recordStartedAt: startedAt, pluginsDir: ctx.layout.plugins, pluginSupport: ctx.layout.pluginSupport, objectsDir: objectsDirOf(backupDir), files: jfiles, restart: targets.map((t) => t.bundleId) },
      deps,
    );
  } catch (err) {
    // Another plexmend process started a change meanwhile: nothing was written; say so in the record.
    record.status = 'failed';
    record.finishedAt = deps.now().toISOString();
    record.events.push({ at: record.finishedAt, what: `not started: ${(err as Error).message}` });
    await saveRecord(deps.fs, ws, plan.iteration, record);
    throw err;
  }
  try {
    return await changeAndValidate(ctx, plan, journal, record, store, prepared, jfiles, targets, markers, tick, diff, recovery);
  } catch (err) {
    // Anything thrown mid-change (a write refused, a checker that cannot run): undo it now, then report.
    const undone = await recover(ctx).catch(() => undefined);
    if (undone) deps.out(`${plan.fixId}: ${undone.summary}`);
    throw err;
  }
}

async function changeAndValidate(
  ctx: ImplementContext, plan: FixPlan, journal: Journal, record: FixRecord, store: ReturnType<typeof fixObjects>, prepared: Prepared[],
  jfiles: JournalFile[], targets: RestartTarget[], markers: Map<string, Set<string>>, tick: number, diff: string, recovery: Recovery | undefined,
): Promise<ApplyResult> {
  const { deps, ws } = ctx;
  await journal.step('backed-up');
  for (const [i, f] of jfiles.entries()) {
    await journal.step('writing', i);
    await settleFile(deps.fs, ctx.layout, store, f, 'to', deps.crashHook ? () => deps.crashHook!(`torn:${i}`) : undefined);
    record.writes.push({ tick: tick++, at: deps.now().toISOString(), rel: f.rel, sha: f.toSha, why: `${plan.fixId} applied` });
    await journal.step('written', i);
  }
  await journal.step('all-written');

  // Verify: every file reads back as planned, with its mode; shared copies identical.
  for (const p of prepared) {
    const info = await deps.fs.info(p.scoped.abs);
    if (p.before && info && info.mode !== p.mode) record.events.push({ at: deps.now().toISOString(), what: `mode of ${p.scoped.rel} changed from ${p.mode.toString(8)} to ${info.mode.toString(8)}` });
  }
  const onDisk = await Promise.all(prepared.map(async (p) => ({ rel: p.scoped.rel, sharedGroup: p.sharedGroup, afterSha: sha256(await deps.fs.read(p.scoped.abs)) })));
  record.sharedGroups = checkSharedGroups(onDisk);

  const result = (status: FixStatus, reasons: string[]): ApplyResult => ({ status, record, diff, recovery, reasons });
  const beforeText = new Map(prepared.filter((p) => p.before).map((p) => [p.scoped.abs, p.before!.toString('utf8')] as const));
  const code = await checkCode(deps.checker, prepared.map((p) => p.scoped.abs), beforeText);
  const validation: Validation = { ok: false, checker: code.checker, codeErrors: code.codeErrors, logFindings: [], noiseIgnored: 0, restarted: false, reasons: [...code.reasons] };
  record.validation = validation;
  if (!code.ok) {
    await undo(ctx, journal, record, store, jfiles, () => tick++, code.reasons.join('; '), []);
    return result('rolled-back', validation.reasons);
  }

  const rs = await restartBundles(targets, markers, deps, ctx.restart);
  record.restarts.push(...rs.attempts);
  validation.restarted = rs.notRestarted.length === 0;
  await journal.step('restarted');
  if (rs.notRestarted.length && !ctx.restart?.noWait) {
    validation.reasons.push(`the restart of ${rs.notRestarted.join(', ')} was not observed, so the change cannot be validated`);
    await undo(ctx, journal, record, store, jfiles, () => tick++, validation.reasons.join('; '), []);
    return result('rolled-back', validation.reasons);
  }
  if (rs.notRestarted.length) validation.reasons.push(`restart of ${rs.notRestarted.join(', ')} pending (--no-wait): the log was not checked`);
  const logs = await checkLogs(deps, rs.restarted, markers, ctx.windowMs ?? 10_000);
  Object.assign(validation, { logFindings: logs.logFindings, noiseIgnored: logs.noiseIgnored });
  validation.reasons.push(...logs.reasons);
  if (!logs.ok) {
    await undo(ctx, journal, record, store, jfiles, () => tick++, logs.reasons.join('; '), targets.filter((t) => rs.restarted.includes(t.bundleId)));
    return result('rolled-back', validation.reasons);
  }
  validation.ok = true;
  await journal.step('validated');
  record.status = 'applied';
  record.finishedAt = deps.now().toISOString();
  record.events.push({ at: record.finishedAt, what: `applied and validated${logs.noiseIgnored ? ` (${logs.noiseIgnored} framework-noise record(s) ignored)` : ''}` });
  await saveRecord(deps.fs, ws, plan.iteration, record);
  await journal.step('committed');
  deps.out(`${plan.fixId} applied; backup in ${record.backupDir}`);
  return result('applied', validation.reasons);
}

const resolveAbs = (prepared: Prepared[], rel: string) => prepared.find((p) => p.scoped.rel === rel)!.scoped.abs;

/** Automatic rollback inside apply: every file back to its old bytes under the journal, then a restart. */
async function undo(ctx: ImplementContext, journal: Journal, record: FixRecord, store: ReturnType<typeof fixObjects>, files: JournalFile[], tick: () => number, reason: string, restart: RestartTarget[]): Promise<void> {
  const { deps, ws } = ctx;
  deps.out(`rolling back ${record.fixId}: ${reason}`);
  await journal.step('rolling-back');
  const markers = await startMarkers(deps.logs, restart.map((t) => t.bundleId));
  const restored: NonNullable<FixRecord['rollback']>['files'] = [];
  for (const f of files) {
    const wrote = await settleFile(deps.fs, ctx.layout, store, f, 'from');
    record.writes.push({ tick: tick(), at: deps.now().toISOString(), rel: f.rel, sha: f.fromSha, why: `${record.fixId} rolled back automatically` });
    restored.push({ rel: f.rel, method: wrote ? 'restore' : 'unchanged', sha: f.fromSha });
  }
  const at = deps.now().toISOString();
  record.status = 'rolled-back';
  record.rollback = { at, reason, automatic: true, files: restored, rolledBackFirst: [] };
  if (restart.length) {
    const rs = await restartBundles(restart, markers, deps, ctx.restart);
    record.restarts.push(...rs.attempts);
  }
  record.finishedAt = deps.now().toISOString();
  await saveRecord(deps.fs, ws, journal.doc.iteration, record);
  await journal.step('rolled-back');
  deps.out(`${record.fixId} rolled back; every file is byte-identical to before (${join(record.backupDir ?? '', 'manifest.json')})`);
}
