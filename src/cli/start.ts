/**
 * `plexmend start` (`npm start`): the whole loop end to end. With a Plex configured (a token found or
 * given, or a URL set), against it, asking before each change unless --yes. With none, against the
 * built-in sandbox: a fresh rehearsal Plex with the default scenario, stopped when the loop ends.
 */
import { Command } from '@commander-js/extra-typings';
import { rm } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { withLoopOptions, runLoopCommand, type LoopCliOptions } from './loop.ts';
import { targetFlags, withTargetOptions } from './target-options.ts';

export function register(program: Command): void {
  withLoopOptions(withTargetOptions(
    program
      .command('start')
      .description('Run the whole loop: against your Plex when one is configured, else against the built-in sandbox.')
      .option('--sandbox', 'use the built-in sandbox even when a Plex is configured')
      .option('--scenario <name>', 'sandbox scenario', 'default')
      .option('--sandbox-dir <dir>', 'where the sandbox lives (wiped at each start)', 'plexmend-sandbox'),
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
  await rm(workspace, { recursive: true, force: true });
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
