/**
 * Restarting a legacy plug-in so it loads changed code (Plex loads a plug-in's code once, at its start).
 * Strategies share one interface and are tried in a preference order (lessons may reorder them):
 * - `plist-touch`: set the mtime of `<bundle>/Contents/Info.plist` — Plex's own System plug-in restarts a
 *   plug-in this way (installservice `restart()`);
 * - `http`: `GET /:/plugins/<id>/restart` through the Plex client;
 * - `plex-restart`: restart the whole server where that needs no root — macOS (quit and reopen the app),
 *   Windows (taskkill + start the exe), Docker (`docker restart <container>` when configured) — and only
 *   when `/status/sessions` reports nobody watching. Linux packages need root (systemctl): never sudo;
 * - `manual`: print the exact steps and wait for the user (or not, with --no-wait).
 * Success is OBSERVED, never assumed: a `Starting framework core` line in the plug-in's log that was not
 * there before (each start rotates the log and writes that banner first).
 */
import { join } from 'node:path';
import { redact } from '../redact.ts';
import type { ImplementFs } from './files.ts';
import type { RestartAttempt } from './history.ts';
import { banners, freshStart } from './logwindow.ts';

export const RESTART_STRATEGIES = ['plist-touch', 'http', 'plex-restart', 'manual'] as const;
export type RestartStrategyName = (typeof RESTART_STRATEGIES)[number];
export const DEFAULT_RESTART_ORDER: readonly RestartStrategyName[] = RESTART_STRATEGIES;

/** The part of the Plex client restarts need (engineer C's src/plex client implements it). */
export interface PlexControl {
  /** `GET /:/plugins/<id>/restart`. */
  restartPlugin(id: string): Promise<void>;
  /** Number of playback sessions (`/status/sessions` size). */
  sessions(): Promise<number>;
}

/** The current plug-in log text (`PMS Plugin Logs/<id>.log`), or undefined when there is none. */
export interface LogTail {
  read(bundleId: string): Promise<string | undefined>;
}

/** Runs a program with an argument array (never a shell string). */
export interface ProcessRunner {
  run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

export interface PlexRestartConfig {
  platform: NodeJS.Platform;
  /** Docker container name: enables `docker restart`. */
  dockerContainer?: string;
  /** Windows: path of `Plex Media Server.exe`. */
  windowsExe?: string;
  /** macOS: app name for `open -a`. */
  macApp?: string;
}

export interface RestartDeps {
  fs: ImplementFs;
  now(): Date;
  sleep(ms: number): Promise<void>;
  logs: LogTail;
  plex?: PlexControl;
  runner?: ProcessRunner;
  /** Asks the user a yes/no question (manual restart: "done?"). */
  prompt(question: string): Promise<boolean>;
  out(line: string): void;
}

export interface RestartOptions {
  order?: readonly RestartStrategyName[];
  noWait?: boolean;
  /** How long to watch the log for the fresh start after each attempt. */
  observeMs?: number;
  pollMs?: number;
  server?: PlexRestartConfig;
}

export interface RestartTarget {
  bundleId: string;
  /** Absolute path of the `.bundle` folder. */
  bundleDir: string;
}

type Triggered = { outcome: 'ok' | 'failed' | 'refused' | 'skipped'; detail: string };

/** One restart strategy: triggers the restart; observing it is the selector's job. */
export interface RestartStrategy {
  readonly name: RestartStrategyName;
  trigger(target: RestartTarget, deps: RestartDeps, opts: RestartOptions): Promise<Triggered>;
}

const plistTouch: RestartStrategy = {
  name: 'plist-touch',
  async trigger(t, deps) {
    const plist = join(t.bundleDir, 'Contents', 'Info.plist');
    if (!(await deps.fs.info(plist))) return { outcome: 'failed', detail: `${plist} not found` };
    await deps.fs.touch(plist, deps.now());
    return { outcome: 'ok', detail: `touched ${plist}` };
  },
};

const http: RestartStrategy = {
  name: 'http',
  async trigger(t, deps) {
    if (!deps.plex) return { outcome: 'skipped', detail: 'no Plex server configured' };
    try {
      await deps.plex.restartPlugin(t.bundleId);
      return { outcome: 'ok', detail: `GET /:/plugins/${t.bundleId}/restart` };
    } catch (err) {
      return { outcome: 'failed', detail: redact((err as Error).message ?? String(err)) };
    }
  },
};

/** The commands that restart Plex without root on this platform, or why there are none. */
export function plexRestartCommands(cfg: PlexRestartConfig | undefined): Array<[string, string[]]> | string {
  if (!cfg) return 'no server platform configured';
  if (cfg.dockerContainer) return [['docker', ['restart', cfg.dockerContainer]]];
  if (cfg.platform === 'darwin') {
    const app = cfg.macApp ?? 'Plex Media Server';
    return [['osascript', ['-e', `quit app "${app}"`]], ['open', ['-a', app]]];
  }
  if (cfg.platform === 'win32') {
    const exe = cfg.windowsExe ?? 'C:\\Program Files\\Plex\\Plex Media Server\\Plex Media Server.exe';
    return [
      ['taskkill', ['/IM', 'Plex Media Server.exe', '/F']],
      ['powershell', ['-NoProfile', '-Command', `Start-Process -FilePath '${exe.replace(/'/g, "''")}'`]],
    ];
  }
  return 'restarting Plex on this platform needs root (systemctl); plexmend never uses sudo';
}

const plexRestart: RestartStrategy = {
  name: 'plex-restart',
  async trigger(_t, deps, opts) {
    const cmds = plexRestartCommands(opts.server);
    if (typeof cmds === 'string') return { outcome: 'skipped', detail: cmds };
    if (!deps.runner) return { outcome: 'skipped', detail: 'no process runner' };
    if (!deps.plex) return { outcome: 'refused', detail: 'cannot check /status/sessions without a Plex server; not restarting Plex blind' };
    let sessions: number;
    try {
      sessions = await deps.plex.sessions();
    } catch (err) {
      return { outcome: 'refused', detail: `cannot read /status/sessions (${redact((err as Error).message)}); not restarting Plex blind` };
    }
    if (sessions > 0) return { outcome: 'refused', detail: `${sessions} playback session(s) active; not restarting Plex while someone watches` };
    for (const [i, [cmd, args]] of cmds.entries()) {
      const r = await deps.runner.run(cmd, args);
      if (r.code !== 0) return { outcome: 'failed', detail: `${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(0, 200)}` };
      if (i < cmds.length - 1) await deps.sleep(5000);
    }
    return { outcome: 'ok', detail: cmds.map(([c, a]) => `${c} ${a.join(' ')}`).join('; ') };
  },
};

/** The exact steps a user can take by hand (printed by the manual strategy). */
export function manualSteps(t: RestartTarget, cfg: PlexRestartConfig | undefined): string[] {
  const plist = join(t.bundleDir, 'Contents', 'Info.plist');
  const steps = [
    `Restart the plug-in ${t.bundleId} so Plex loads the changed code. Any one of:`,
    cfg?.platform === 'win32'
      ? `  - touch its Info.plist: powershell -Command "(Get-Item '${plist}').LastWriteTime = Get-Date"`
      : `  - touch its Info.plist: touch "${plist}"`,
    `  - open http://<server>:32400/:/plugins/${t.bundleId}/restart?X-Plex-Token=<your token> in a browser`,
  ];
  if (cfg?.dockerContainer) steps.push(`  - docker restart ${cfg.dockerContainer}`);
  else if (cfg?.platform === 'darwin') steps.push('  - quit Plex Media Server from the menu bar and open it again');
  else if (cfg?.platform === 'win32') steps.push('  - right-click the Plex icon in the tray, Exit, then start Plex Media Server again');
  else steps.push('  - as an administrator: sudo systemctl restart plexmediaserver');
  steps.push('  (only restart Plex itself when nobody is watching)');
  return steps;
}

const manual: RestartStrategy = {
  name: 'manual',
  async trigger(t, deps, opts) {
    for (const line of manualSteps(t, opts.server)) deps.out(line);
    if (opts.noWait) return { outcome: 'skipped', detail: 'manual steps printed; not waiting (--no-wait)' };
    const done = await deps.prompt(`Restarted ${t.bundleId}?`);
    return done ? { outcome: 'ok', detail: 'the user restarted it by hand' } : { outcome: 'skipped', detail: 'the user did not restart it' };
  },
};

export const STRATEGIES: Record<RestartStrategyName, RestartStrategy> = {
  'plist-touch': plistTouch,
  http,
  'plex-restart': plexRestart,
  manual,
};

/** The banners currently in each bundle's log: the "before" marker for observing a fresh start. */
export async function startMarkers(logs: LogTail, bundleIds: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const id of bundleIds) out.set(id, new Set(banners((await logs.read(id)) ?? '')));
  return out;
}

async function observe(deps: RestartDeps, id: string, before: Set<string>, opts: RestartOptions): Promise<boolean> {
  const deadline = deps.now().getTime() + (opts.observeMs ?? 60_000);
  for (;;) {
    if (freshStart((await deps.logs.read(id)) ?? '', before)) return true;
    if (deps.now().getTime() >= deadline) return false;
    await deps.sleep(opts.pollMs ?? 500);
  }
}

/**
 * Restarts each target with the first strategy whose restart is observed, recording every attempt.
 * `markers` are the banners seen before the change (startMarkers); a target that already shows a fresh
 * start (e.g. after a Plex restart done for another bundle) needs no further attempt.
 */
export async function restartBundles(targets: RestartTarget[], markers: Map<string, Set<string>>, deps: RestartDeps, opts: RestartOptions = {}): Promise<{ attempts: RestartAttempt[]; restarted: string[]; notRestarted: string[] }> {
  const order = opts.order?.length ? opts.order : DEFAULT_RESTART_ORDER;
  const attempts: RestartAttempt[] = [];
  const restarted: string[] = [];
  const notRestarted: string[] = [];
  for (const t of targets) {
    const before = markers.get(t.bundleId) ?? new Set<string>();
    if (freshStart((await deps.logs.read(t.bundleId)) ?? '', before)) {
      attempts.push({ strategy: 'already', bundleId: t.bundleId, at: deps.now().toISOString(), outcome: 'ok', detail: 'a fresh start was already in the log', ms: 0 });
      restarted.push(t.bundleId);
      continue;
    }
    let ok = false;
    for (const name of order) {
      const started = deps.now().getTime();
      const res = await STRATEGIES[name].trigger(t, deps, opts);
      let outcome: RestartAttempt['outcome'] = res.outcome;
      let detail = res.detail;
      if (res.outcome === 'ok') {
        ok = await observe(deps, t.bundleId, before, opts);
        if (!ok) {
          outcome = 'not-observed';
          detail += `; no fresh "Starting framework core" in the log within ${Math.round((opts.observeMs ?? 60_000) / 1000)} s`;
        }
      }
      attempts.push({ strategy: name, bundleId: t.bundleId, at: new Date(started).toISOString(), outcome, detail, ms: deps.now().getTime() - started });
      if (ok) break;
    }
    (ok ? restarted : notRestarted).push(t.bundleId);
  }
  return { attempts, restarted, notRestarted };
}
