/**
 * `plexmend watch`: argv → typed options → `runWatch()` (src/logs/watch.ts). Keeps a durable copy of
 * the plug-in logs in the workspace by polling; Ctrl-C stops after the current poll.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { numberOption } from './options.ts';

/** The command's options, typed. */
export interface WatchCliOptions {
  logs?: string;
  workspace?: string;
  interval: number;
  once?: boolean;
  keepDays?: number;
}

/** Declares `plexmend watch`. */
export function register(program: Command): void {
  program
    .command('watch')
    .description('Keep a durable archive of the plug-in logs in the workspace (polls; survives restarts of Plex and of itself).')
    .option('--logs <dir>', 'the plug-in log folder ("PMS Plugin Logs"); default: PLEXMEND_LOGS_DIR, plexmend.yaml, else found per platform')
    .addOption(new Option('--logs-dir <dir>', 'same as --logs (the spelling of the later phases)').hideHelp())
    .option('--workspace <dir>', 'the workspace folder (default: PLEXMEND_WORKSPACE, plexmend.yaml, else plex_improvement)')
    .option('--interval <seconds>', 'seconds between polls', parseSeconds, 30)
    .option('--once', 'poll once and exit')
    .option('--keep-days <days>', 'delete archive files of days older than this (default: keep everything)', parseDays)
    .action(async ({ logsDir, ...opts }) => {
      process.exitCode = await runWatchCommand({ ...opts, logs: opts.logs ?? logsDir });
    });
}

const parseDays = numberOption('--keep-days', { min: 1, example: 30 });
const parseSeconds = numberOption('--interval', { min: 0.1, max: 86400, integer: false, example: 30 });

/** Runs the command; returns the exit code. */
export async function runWatchCommand(o: WatchCliOptions, io: { stderr?: NodeJS.WriteStream; signal?: AbortSignal } = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  const [{ runWatch }, { loadConfig }, { requireFolder }, { workspaceAt, paths }] = await Promise.all([
    import('../logs/watch.ts'),
    import('../config/load.ts'),
    import('../config/folders.ts'),
    import('../workspace.ts'),
  ]);
  // The log folder and workspace as every other command resolves them (flag, environment, plexmend.yaml, discovery).
  const config = await loadConfig({ workspace: o.workspace, logsDir: o.logs });
  const logsDir = requireFolder(config, 'logsDir');
  const archiveDir = paths.archiveDir(workspaceAt(config.workspace));
  const controller = new AbortController();
  io.signal?.addEventListener('abort', () => controller.abort());
  const stop = () => {
    if (!controller.signal.aborted) stderr.write('plexmend watch: stopping after the current poll\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  stderr.write(`plexmend watch: ${logsDir} → ${archiveDir}${o.once ? ' (once)' : `, every ${o.interval} s; Ctrl-C stops`}\n`);
  try {
    const s = await runWatch(
      { logsDir, archiveDir, intervalMs: o.interval * 1000, once: Boolean(o.once), keepDays: o.keepDays },
      {
        now: () => new Date(),
        sleep: (ms, signal) =>
          new Promise((resolve) => {
            const timer = setTimeout(done, ms);
            function done() {
              clearTimeout(timer);
              signal.removeEventListener('abort', done);
              resolve();
            }
            signal.addEventListener('abort', done);
          }),
        report: (line) => stderr.write(line + '\n'),
        signal: controller.signal,
      },
    );
    stderr.write(`plexmend watch: ${s.polls} poll(s), ${s.bytes} bytes archived, ${s.gaps} gap(s)${s.failedPolls ? `, ${s.failedPolls} failed poll(s)` : ''}\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
