/**
 * What every Phase 3 operation is given: the workspace, the Plex layout, the ports (deps) and the restart
 * and validation settings. Also the two helpers all of them share: finding a bundle's folder from its id
 * (each bundle's `Contents/Info.plist` names its `CFBundleIdentifier`) and recovering an interrupted change.
 */
import { join } from 'node:path';
import { paths, type Workspace } from '../workspace.ts';
import type { ImplementFs } from './files.ts';
import { nextTick, readHistory, readLog, saveRecord } from './history.ts';
import { recoverJournal, type CrashHook, type Recovery } from './journal.ts';
import { restartBundles, startMarkers, type LogTail, type PlexControl, type ProcessRunner, type RestartOptions, type RestartTarget } from './restart.ts';
import type { PlexLayout } from './scope.ts';
import type { CodeChecker } from './validate.ts';

/** The ports of Phase 3 (real adapters in adapters.ts; tests pass their own). */
export interface ImplementDeps {
  fs: ImplementFs;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Yes/no question to the user (apply's confirmation, the manual restart). */
  prompt(question: string): Promise<boolean>;
  /** A line for the user. */
  out(line: string): void;
  logs: LogTail;
  plex?: PlexControl;
  runner?: ProcessRunner;
  checker?: CodeChecker;
  isAlive(pid: number): boolean;
  pid: number;
  crashHook?: CrashHook;
}

export interface ImplementContext {
  ws: Workspace;
  layout: PlexLayout;
  deps: ImplementDeps;
  restart?: RestartOptions;
  /** How long to watch the plug-in log after a restart before judging it (default 10 s). */
  windowMs?: number;
}

/** `CFBundleIdentifier` from an Info.plist's text (pure). */
export function bundleIdFromPlist(text: string): string | undefined {
  return /<key>\s*CFBundleIdentifier\s*<\/key>\s*<string>\s*([^<\s]+)\s*<\/string>/.exec(text)?.[1];
}

/** Bundle id → absolute bundle folder, for every `*.bundle` in the Plug-ins folder. */
export async function bundleIndex(fs: ImplementFs, plugins: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await fs.list(plugins)) {
    if (!e.name.endsWith('.bundle') || (e.kind !== 'dir' && e.kind !== 'symlink')) continue;
    const plist = await fs.tryRead(join(plugins, e.name, 'Contents', 'Info.plist'));
    const id = plist ? bundleIdFromPlist(plist.toString('utf8')) : undefined;
    if (id) out.set(id, join(plugins, e.name));
  }
  return out;
}

/** Restart targets for bundle ids (ids without a bundle folder are reported, not guessed). */
export async function targetsFor(ctx: ImplementContext, ids: string[]): Promise<{ targets: RestartTarget[]; unknown: string[] }> {
  const index = await bundleIndex(ctx.deps.fs, ctx.layout.plugins);
  const targets: RestartTarget[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const dir = index.get(id);
    if (dir) targets.push({ bundleId: id, bundleDir: dir });
    else unknown.push(id);
  }
  return { targets, unknown };
}

/** Bundle ids of the bundle folders (`GEVI.bundle`) named. */
export async function idsOfBundleDirs(ctx: ImplementContext, dirs: string[]): Promise<string[]> {
  const index = await bundleIndex(ctx.deps.fs, ctx.layout.plugins);
  const ids: string[] = [];
  for (const [id, abs] of index) if (dirs.some((d) => abs === join(ctx.layout.plugins, d))) ids.push(id);
  return ids.sort();
}

/**
 * Runs at the start of apply, rollback and loop: completes or undoes an interrupted change (journal.ts
 * says which, per state), records the outcome in the fix's implementation-log record and restarts the
 * plug-ins whose code changed under them. Undefined when there was nothing to recover.
 */
export async function recover(ctx: ImplementContext): Promise<Recovery | undefined> {
  const { deps, ws } = ctx;
  const r = await recoverJournal(paths.implementJournal(ws), deps);
  if (!r) return undefined;
  deps.out(`recovery: ${r.summary}`);
  const history = await readHistory(deps.fs, ws);
  let tick = nextTick(history);
  const log = await readLog(deps.fs, ws, r.iteration);
  const record = log.fixes.find((f) => f.fixId === r.fixId && f.startedAt === r.recordStartedAt);
  const at = deps.now().toISOString();
  if (record) {
    for (const w of r.rewritten) record.writes.push({ tick: tick++, at, rel: w.rel, sha: w.sha, why: `recovery (${r.action})` });
    record.events.push({ at, what: `recovery: ${r.summary}` });
    if (r.op === 'apply' && r.action !== 'completed') {
      record.status = 'rolled-back';
      record.rollback = { at, reason: r.summary, automatic: true, files: r.rewritten.map((w) => ({ rel: w.rel, method: 'restore', sha: w.sha })), rolledBackFirst: [] };
    } else if (r.op === 'apply') record.status = 'applied';
    else if (r.action === 'completed') {
      record.status = 'rolled-back';
      record.rollback = { at, reason: r.summary, automatic: false, files: r.rewritten.map((w) => ({ rel: w.rel, method: 'restore', sha: w.sha })), rolledBackFirst: [] };
    }
    record.finishedAt = at;
    await saveRecord(deps.fs, ws, r.iteration, record);
  }
  if (r.restartNeeded.length) {
    const { targets } = await targetsFor(ctx, r.restartNeeded);
    const markers = await startMarkers(deps.logs, targets.map((t) => t.bundleId));
    const res = await restartBundles(targets, markers, deps, { ...ctx.restart });
    if (record) {
      record.restarts.push(...res.attempts);
      await saveRecord(deps.fs, ws, r.iteration, record);
    }
    if (res.notRestarted.length) deps.out(`recovery: restart ${res.notRestarted.join(', ')} by hand so Plex loads the restored code`);
  }
  return r;
}
