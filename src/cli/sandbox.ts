/**
 * `plexmend sandbox`: argv → typed options → `startSandbox()` (src/sandbox) → prints where the rehearsal
 * Plex is (URL, token, folders) and runs until Ctrl-C, then stops everything and marks the profile stopped.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { InputError } from '../errors.ts';
import { numberOption } from './options.ts';
import type { RefreshRecord } from '../sandbox/pms/index.ts';

/** One line about a finished refresh: item, then each agent step (`+` ok, `-` failed, with its detail). */
export function describeRefresh(r: RefreshRecord): string {
  if (r.missing) return `refresh ${r.ratingKey}: file missing, no agent ran`;
  const steps = (r.run?.steps ?? []).map((s) => `${s.ok ? '+' : '-'}${s.agent.split('.').pop()}:${s.phase}${s.ok || !s.detail ? '' : ` (${s.detail})`}`);
  return `refresh ${r.ratingKey}: ${r.run?.matched ? 'matched' : 'unmatched'}; ${steps.join(' ')}`;
}

/** The command's options after parsing. */
export interface SandboxCliOptions {
  scenario?: string;
  dir: string;
  seed?: number;
  realisticTiming?: boolean;
  port?: number;
  reset?: boolean;
  profile?: string;
  listScenarios?: boolean;
  verbose?: boolean;
}

/** Declares `plexmend sandbox`. */
export function register(program: Command): void {
  program
    .command('sandbox')
    .description('Start the rehearsal Plex on this machine: a Plex emulator, sandbox agents and fixture sites, on loopback. Runs until Ctrl-C.')
    .option('--scenario <name>', "scenario name or scenario file (see --list-scenarios; default: the sandbox's default scenario)")
    .option('--dir <dir>', 'sandbox folder (the Plex data folder is created inside; kept between runs)', 'plexmend-sandbox')
    .option('--seed <n>', "seed of the scenario's randomness (default: the scenario's own)", numberOption('--seed', { min: 0, max: 2 ** 31 - 1, example: 42 }))
    .option('--realistic-timing', "replay PGMA's real delays (slow); the default is fast")
    .option('--port <n>', 'port of the Plex emulator (default: a free one)', numberOption('--port', { min: 1, max: 65535, example: 32500 }))
    .option('--reset', 'reinstall the sandbox agents and wipe their data and logs first (undoes patches)')
    .option('--profile <file>', 'where to write the sandbox profile other commands read (default: in the plexmend config folder)')
    .option('--list-scenarios', 'list the scenarios and exit')
    .option('--verbose', 'print one line per finished refresh (which agents ran, what they found)')
    .action(async (opts) => {
      process.exitCode = await runSandbox(opts as SandboxCliOptions);
    });
}

/** Runs the command until `stop` resolves (default: SIGINT/SIGTERM); returns the exit code. */
export async function runSandbox(o: SandboxCliOptions, io: { stdout?: NodeJS.WritableStream; stop?: Promise<unknown> } = {}): Promise<number> {
  const out = io.stdout ?? process.stdout;
  const say = (line = '') => out.write(line + '\n');
  const [{ startSandbox }, { listScenarios }, { sandboxProfilePath, userConfigDir }] = await Promise.all([
    import('../sandbox/index.ts'), import('../sandbox/scenario.ts'), import('../sandbox/profile.ts'),
  ]);
  if (o.listScenarios) {
    for (const s of listScenarios()) say(`${s.name.padEnd(12)} ${s.description}`);
    return 0;
  }
  // The profile lives where the config layer looks for it; the environment is read here only for that path.
  const profilePath = o.profile ? resolve(o.profile) : sandboxProfilePath(userConfigDir(process.env, process.platform, homedir()));
  let sb;
  try {
    sb = await startSandbox({
      ...(o.scenario !== undefined ? { scenario: o.scenario } : {}), dir: resolve(o.dir), ...(o.seed !== undefined ? { seed: o.seed } : {}),
      realisticTiming: Boolean(o.realisticTiming), ...(o.port !== undefined ? { port: o.port } : {}),
      reset: Boolean(o.reset), profilePath,
      ...(o.verbose ? { onRefresh: (r: RefreshRecord) => say(describeRefresh(r)) } : {}),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new InputError(`port ${o.port} is in use`, 'choose another --port, or leave it out for a free one');
    throw err;
  }
  say('target: sandbox (rehearsal Plex on this machine — not a real server)');
  say(`  url        ${sb.url}`);
  say(`  token      ${sb.token}`);
  say(`  scenario   ${sb.scenario.name} (seed ${sb.seed}, ${sb.scenario.items.length} items)`);
  say(`  data       ${sb.dataDir}`);
  say(`  plug-ins   ${sb.pluginsDir}`);
  say(`  logs       ${sb.logsDir}`);
  say(`  support    ${sb.supportDir}`);
  say(`  profile    ${profilePath}`);
  for (const w of sb.warnings) say(`warning: ${w}`);
  say('Running. Press Ctrl-C to stop.');
  const stop = io.stop ?? new Promise<void>((done) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      done();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await stop;
  say('Stopping the sandbox…');
  await sb.close();
  say('Stopped.');
  return 0;
}
