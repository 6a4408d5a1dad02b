/**
 * Phase 5 entry: `loop(config, options)` — takes the locks, loads or starts the state, runs the
 * coordinator with the real ports, and writes the final reports.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { describeTarget } from '../config/index.ts';
import { requireFolder } from '../config/folders.ts';
import { readDocument } from '../documents.ts';
import { InputError } from '../errors.ts';
import { latestIteration, paths, type Workspace } from '../workspace.ts';
import { takeLock } from '../io/lock.ts';
import { newState, runLoop } from './coordinator.ts';
import { realPorts, type RealLoopOptions } from './run.ts';
import { LoopStateDocument, type LoopState } from './schema.ts';
import { writeFinalReports } from '../report/final.ts';
import { selectPy27Session } from '../diagnose/python/py27-session.ts';
import { nodeLineProcessSpawner, nodeProcessRunner } from '../diagnose/python/process.ts';

export interface LoopOptions extends RealLoopOptions {
  resume: boolean;
  goal: number;
  maxIterations: number;
  seed: number;
}

/** The newest saved state of a workspace, if any. */
export async function loadState(ws: Workspace): Promise<LoopState | null> {
  for (let n = latestIteration(ws); n >= 1; n--) {
    const p = paths.loopState(ws, n);
    if (existsSync(p)) return readDocument(LoopStateDocument, p);
  }
  return null;
}

export async function loop(config: Config, ws: Workspace, o: LoopOptions): Promise<{ state: LoopState; report: string; html: string }> {
  const pluginsDir = requireFolder(config, 'pluginsDir');
  const wsLock = await takeLock(paths.lock(ws), `the workspace ${ws.root}`);
  // The Plug-ins lock lives in the user's config folder, keyed by the folder's path: two workspaces cannot patch one Plug-ins folder.
  const key = createHash('sha256').update(pluginsDir).digest('hex').slice(0, 16);
  let plLock;
  try {
    plLock = await takeLock(join(config.userConfigDir, 'locks', `plugins-${key}.lock`), `the Plug-ins folder ${pluginsDir}`);
  } catch (err) {
    await wsLock.release();
    throw err;
  }
  // Every diagnosis and apply checks Python 2.7; a Jython JVM takes ~10 s to start, so the loop keeps one running.
  const session = o.py27 ? null : await selectPy27Session(nodeProcessRunner, nodeLineProcessSpawner, { parserOnly: o.parserOnly, configured: config.python });
  const py27 = o.py27 ?? session!;
  try {
    let state = o.resume ? await loadState(ws) : null;
    if (o.resume && !state) o.out('no saved loop state: starting a new loop');
    if (!o.resume && (await loadState(ws))?.step && (await loadState(ws))!.step !== 'done') {
      throw new InputError(`${ws.root} holds an unfinished loop`, 'continue it with `plexmend loop --resume`, or use another --workspace');
    }
    state ??= newState({ goal: o.goal, maxIterations: o.maxIterations, seed: o.seed, target: describeTarget(config).split('\n')[0]!, firstIteration: latestIteration(ws) + 1 }, new Date());
    const ports = await realPorts(config, ws, { ...o, py27 });
    state = await runLoop(state, ports);
    const { report, html } = await writeFinalReports(ws, state);
    return { state, report, html };
  } finally {
    await session?.checker.close();
    await plLock.release();
    await wsLock.release();
  }
}
