/**
 * `plexmend rollback <fix>`: puts every file a fix touched back to its bytes from before the fix
 * (hash-verified), restarts the plug-ins and checks their logs. A file plexmend itself changed again later
 * (a stacked fix) gets this fix's change reversed on top of its current bytes; when that no longer fits,
 * the later fix is rolled back first, and the result says so. A file someone else changed since is never
 * overwritten unless `force`.
 */
import { InputError } from '../errors.ts';
import { paths } from '../workspace.ts';
import { fixObjects } from './backup.ts';
import { recover, targetsFor, type ImplementContext } from './context.ts';
import { FileChangedError, UnknownFixError } from './errors.ts';
import { sha256 } from './files.ts';
import { findFix, lastWrite, nextTick, readHistory, saveRecord, type FixRecord, type HistoryEntry } from './history.ts';
import { Journal, objectsDirOf, settleFile, type JournalFile } from './journal.ts';
import { checkSharedGroups, reverseOnTop } from './patch.ts';
import { restartBundles, startMarkers } from './restart.ts';
import { resolvePlanPath } from './scope.ts';
import { checkLogs } from './validate.ts';

export interface RollbackOptions {
  /** Overwrite files someone else changed since the fix. */
  force?: boolean;
  /** Only look in this iteration's implementation log. */
  iteration?: number;
  /** Why (recorded); default "requested by the user". */
  reason?: string;
}

export interface RollbackResult {
  fixId: string;
  files: NonNullable<FixRecord['rollback']>['files'];
  /** Later fixes rolled back first because their change overlapped this one's. */
  rolledBackFirst: string[];
  restarted: string[];
  /** Log findings after the restart (reported; a rollback is not itself rolled back). */
  warnings: string[];
}

type Method = NonNullable<FixRecord['rollback']>['files'][number]['method'];

/** Later, still-applied fixes that wrote `rel` after `entry` did. */
function laterFixesOn(history: HistoryEntry[], entry: HistoryEntry, rel: string): HistoryEntry[] {
  const mine = Math.max(0, ...entry.record.writes.filter((w) => w.rel === rel).map((w) => w.tick));
  return history.filter((h) => h !== entry && h.record.status === 'applied' && h.record.writes.some((w) => w.rel === rel && w.tick > mine));
}

/** Rolls a fix back (see the module comment). Throws UnknownFixError, FileChangedError, InputError. */
export async function rollbackFix(fixId: string, ctx: ImplementContext, opts: RollbackOptions = {}): Promise<RollbackResult> {
  const { deps, ws } = ctx;
  await recover(ctx);
  let history = await readHistory(deps.fs, ws);
  let entry = findFix(history, fixId, opts.iteration);
  if (!entry) throw new UnknownFixError(fixId, `the implementation logs of ${ws.root}`);
  if (entry.record.status !== 'applied') throw new InputError(`${fixId} is not applied (status: ${entry.record.status})`, 'nothing to roll back; see implementation_log.json');
  if (!entry.record.backupDir) throw new InputError(`${fixId} has no backup folder recorded`, 'restore from the Plug-ins snapshot in _BACKUPS/snapshots');
  const store = fixObjects(deps.fs, entry.record.backupDir);
  const fuzz = entry.record.plan.fuzz;

  // Decide per file; roll back later fixes first where this fix's change can no longer be reversed on top.
  const rolledBackFirst: string[] = [];
  type Decision = { rel: string; abs: string; current: string | null; target: Buffer | null; method: Method; mode: number };
  let decisions: Decision[] = [];
  for (let pass = 0; ; pass++) {
    decisions = [];
    let blocked: HistoryEntry | undefined;
    for (const f of entry.record.files) {
      const { abs } = await resolvePlanPath(ctx.layout, f.rel, deps.fs);
      const bytes = await deps.fs.tryRead(abs);
      const cur = bytes ? sha256(bytes) : null;
      const before = f.beforeSha ? await store.get(f.beforeSha) : null;
      const base = { rel: f.rel, abs, current: cur, mode: f.mode };
      if (cur === f.beforeSha) decisions.push({ ...base, target: before, method: 'unchanged' });
      else if (cur === f.afterSha) decisions.push({ ...base, target: before, method: 'restore' });
      else {
        const lw = lastWrite(history, f.rel);
        const byPlexmend = lw !== undefined && lw.sha === cur;
        if (!byPlexmend) {
          if (!opts.force) throw new FileChangedError(f.rel, fixId);
          decisions.push({ ...base, target: before, method: 'forced' });
          continue;
        }
        const after = f.afterSha ? await store.get(f.afterSha) : Buffer.alloc(0);
        const reversed = bytes && before ? reverseOnTop(bytes, before, after, fuzz) : undefined;
        if (reversed) decisions.push({ ...base, target: reversed, method: 'reverse-patch' });
        else {
          blocked = laterFixesOn(history, entry, f.rel).pop();
          if (!blocked) throw new FileChangedError(f.rel, fixId);
          break;
        }
      }
    }
    if (!blocked) break;
    if (pass > history.length) throw new InputError(`cannot untangle the fixes stacked on ${fixId}`, 'roll back the later fixes one by one, newest first');
    deps.out(`${fixId}: ${blocked.record.fixId} changed the same lines later; rolling back ${blocked.record.fixId} first`);
    await rollbackFix(blocked.record.fixId, ctx, { ...opts, iteration: blocked.iteration, reason: `stacked on ${fixId}, which is being rolled back` });
    rolledBackFirst.push(blocked.record.fixId);
    history = await readHistory(deps.fs, ws);
    entry = findFix(history, fixId, entry.iteration)!;
  }

  // Store the target bytes, then write under the journal (a crash completes the rollback).
  const jfiles: JournalFile[] = [];
  for (const d of decisions) {
    if (d.method === 'unchanged') continue;
    const toSha = d.target ? await store.put(d.target) : null;
    jfiles.push({ rel: d.rel, fromSha: d.current, toSha, mode: d.mode });
  }
  const record = entry.record;
  const restartIds = [...new Set(record.restarts.map((a) => a.bundleId))];
  const { targets } = await targetsFor(ctx, restartIds.length ? restartIds : record.plan.restart);
  const markers = await startMarkers(deps.logs, targets.map((t) => t.bundleId));
  let tick = nextTick(history);
  const journal = await Journal.begin(
    paths.implementJournal(ws),
    { op: 'rollback', fixId, iteration: entry.iteration, recordStartedAt: record.startedAt, pluginsDir: ctx.layout.plugins, pluginSupport: ctx.layout.pluginSupport, objectsDir: objectsDirOf(record.backupDir!), files: jfiles, restart: targets.map((t) => t.bundleId) },
    deps,
  );
  try {
    await journal.step('backed-up');
    for (const [i, f] of jfiles.entries()) {
      await journal.step('writing', i);
      await settleFile(deps.fs, ctx.layout, store, f, 'to', deps.crashHook ? () => deps.crashHook!(`torn:${i}`) : undefined);
      record.writes.push({ tick: tick++, at: deps.now().toISOString(), rel: f.rel, sha: f.toSha, why: `${fixId} rolled back` });
      await journal.step('written', i);
    }
    await journal.step('all-written');
  } catch (err) {
    // A write refused midway: recovery completes the rollback when it can; else the journal stays open
    // and the next plexmend command completes it (after the cause, e.g. permissions, is fixed).
    await recover(ctx).catch(() => undefined);
    throw err;
  }
  const groups = await Promise.all(
    record.files.filter((f) => f.sharedGroup).map(async (f) => ({ rel: f.rel, sharedGroup: f.sharedGroup, afterSha: sha256((await deps.fs.tryRead(decisions.find((d) => d.rel === f.rel)!.abs)) ?? '') })),
  );
  const warnings: string[] = [];
  try {
    checkSharedGroups(groups);
  } catch (err) {
    warnings.push((err as Error).message);
  }
  const rs = await restartBundles(targets, markers, deps, ctx.restart);
  record.restarts.push(...rs.attempts);
  await journal.step('restarted');
  const logs = await checkLogs(deps, rs.restarted, markers, ctx.windowMs ?? 10_000);
  warnings.push(...logs.reasons);
  if (rs.notRestarted.length) warnings.push(`restart ${rs.notRestarted.join(', ')} by hand so Plex loads the restored code`);
  await journal.step('validated');
  const at = deps.now().toISOString();
  const files = decisions.map((d) => ({ rel: d.rel, method: d.method, sha: d.target ? sha256(d.target) : null }));
  record.status = 'rolled-back';
  record.finishedAt = at;
  record.rollback = { at, reason: opts.reason ?? 'requested by the user', automatic: false, files, rolledBackFirst };
  record.events.push({ at, what: `rolled back: ${files.map((f) => `${f.rel} (${f.method})`).join(', ')}` });
  await saveRecord(deps.fs, ws, entry.iteration, record);
  await journal.step('committed');
  for (const w of warnings) deps.out(`warning: ${w}`);
  deps.out(`${fixId} rolled back${rolledBackFirst.length ? ` (after rolling back ${rolledBackFirst.join(', ')} first)` : ''}`);
  return { fixId, files, rolledBackFirst, restarted: rs.restarted, warnings };
}

/**
 * Rolls back every fix of an iteration that is still applied, newest first (the loop's FAILURE exit:
 * the panel regressed). Returns what each rollback did.
 */
export async function rollbackIteration(ctx: ImplementContext, iteration: number, reason: string): Promise<RollbackResult[]> {
  const history = await readHistory(ctx.deps.fs, ctx.ws);
  const firstTick = (r: FixRecord) => Math.min(Infinity, ...r.writes.map((w) => w.tick));
  const applied = history.filter((h) => h.iteration === iteration && h.record.status === 'applied').sort((a, b) => firstTick(b.record) - firstTick(a.record));
  const out: RollbackResult[] = [];
  for (const h of applied) {
    const fresh = findFix(await readHistory(ctx.deps.fs, ctx.ws), h.record.fixId, iteration);
    if (fresh?.record.status !== 'applied') continue; // rolled back already, as a stacked fix of another
    out.push(await rollbackFix(h.record.fixId, ctx, { iteration, reason }));
  }
  return out;
}
