/**
 * `plexmend start` (`npm start`): the whole loop end to end. With a Plex configured (a token found or
 * given, or a URL set), against it, asking before each change unless --yes. With none, against the
 * built-in sandbox: a fresh rehearsal Plex with the default scenario, stopped when the loop ends.
 */
import { Command } from '@commander-js/extra-typings';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { UsageError } from '../errors.ts';
import { withLoopOptions, runLoopCommand, type LoopCliOptions } from './loop.ts';
import { targetFlags, withTargetOptions } from './target-options.ts';

export function register(program: Command): void {
  withLoopOptions(withTargetOptions(
    program
      .command('start')
      .description('Run the whole loop: against your Plex when one is configured, else against the built-in sandbox.')
      .option('--sandbox', 'use the built-in sandbox even when a Plex is configured')
      .option('--scenario <name>', 'sandbox scenario', 'default')
      .option('--sandbox-dir <dir>', 'where the sandbox lives (wiped at each start); its workspace is <dir>/workspace unless --workspace names an empty or earlier rehearsal folder', 'plexmend-sandbox'),
    { sandbox: false },
  )).action(async (opts) => {
    process.exitCode = await runStart(opts as unknown as LoopCliOptions & { scenario: string; sandboxDir: string });
  });
}

export async function runStart(o: LoopCliOptions & { scenario: string; sandboxDir: string }): Promise<number> {
  const { loadConfig } = await import('../config/index.ts');
  if (!o.sandbox) {
    const config = await loadConfig({ ...targetFlags(o), sandbox: false, workspace: o.workspace, llmKeyEnv: o.llmKeyEnv });
    const configured = config.target.kind === 'server' && (Boolean(config.target.token) || config.target.urlSource !== 'default');
    if (configured) return runLoopCommand(o, config);
    process.stderr.write('plexmend: no Plex server is configured (no token found, no URL set): rehearsing on the built-in sandbox\n');
  }
  const [{ startSandbox }, { sandboxProfilePath }] = await Promise.all([import('../sandbox/index.ts'), import('../sandbox/profile.ts')]);
  const dir = resolve(o.sandboxDir);
  const workspace = o.workspace ?? join(dir, 'workspace');
  // A rehearsal starts from scratch: fresh agents (no patches), logs, workspace and lessons.
  await clearRehearsalWorkspace(workspace, o.workspace === undefined);
  const base = await loadConfig({ config: o.config });
  const sandbox = await startSandbox({ scenario: o.scenario, dir: join(dir, 'plex'), reset: true, profilePath: sandboxProfilePath(base.userConfigDir) });
  process.stderr.write(`plexmend: sandbox running at ${sandbox.url} (scenario ${o.scenario})\n`);
  try {
    const config = await loadConfig({ sandbox: true, config: o.config, workspace, llmKeyEnv: o.llmKeyEnv });
    return await runLoopCommand({ ...o, yes: true, workspace }, config);
  } finally {
    await sandbox.close();
  }
}

/** Written into a rehearsal's workspace: only a folder that holds it (or nothing) is wiped by the next one. */
export const REHEARSAL_MARK = '.plexmend-rehearsal';

/**
 * Empties the rehearsal workspace. A folder the user named is wiped only when it is missing, empty or an
 * earlier rehearsal's (it holds REHEARSAL_MARK): pointed at a real workspace, a rehearsal would delete its
 * backups and lessons. The default `<sandbox-dir>/workspace` is the sandbox's own and always wiped.
 */
export async function clearRehearsalWorkspace(workspace: string, isDefault: boolean): Promise<void> {
  if (!isDefault) {
    let names: string[] = [];
    try {
      names = await readdir(workspace);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new UsageError(`--workspace ${workspace} cannot be used for a rehearsal (${code ?? 'error'})`, 'give a new or empty folder you can write to, or leave --workspace out');
    }
    if (names.length > 0 && !names.includes(REHEARSAL_MARK)) {
      throw new UsageError(`--workspace ${workspace} holds files that are not a sandbox rehearsal's, and a rehearsal starts by emptying its workspace`,
        'give a new or empty folder, or leave --workspace out (the rehearsal then uses <sandbox-dir>/workspace); to repair your real Plex, configure it and run plexmend loop');
    }
  }
  await rm(workspace, { recursive: true, force: true });
  await mkdir(workspace, { recursive: true });
  await writeFile(join(workspace, REHEARSAL_MARK), 'A plexmend sandbox rehearsal: `plexmend start` empties this folder at its next rehearsal.\n');
}
