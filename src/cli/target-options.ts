/**
 * The target options every command that talks to Plex or reads its folders shares, declared once:
 * `--url`, `--token`, `--sandbox`, `--config`, `--data-dir`, `--plugins-dir`, `--logs-dir` (also spelt `--plugins`,
 * `--logs`), `--path-map` (repeatable),
 * `--timeout-ms`. `targetFlags(opts)` turns commander's values into ConfigFlags for loadConfig().
 */
import { Option, type Command } from '@commander-js/extra-typings';
import { numberOption } from './options.ts';
import type { ConfigFlags } from '../config/resolve.ts';

/** The option values `withTargetOptions` adds (commander's camel-cased names). */
export interface TargetOptionValues {
  url?: string;
  token?: string;
  sandbox?: boolean;
  config?: string;
  dataDir?: string;
  pluginsDir?: string;
  logsDir?: string;
  plugins?: string;
  logs?: string;
  pathMap?: string[];
  timeoutMs?: number;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
const timeoutMs = numberOption('--timeout-ms', { min: 1, example: 15000 });

/**
 * Adds the shared target options to `cmd`. `{ folders: false }` leaves out the folder options; `{ sandbox:
 * false }` leaves out `--sandbox` for a command that gives it its own meaning (`start`: its built-in sandbox).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function withTargetOptions<T extends Command<any, any, any>>(cmd: T, o: { folders?: boolean; sandbox?: boolean } = {}): T {
  cmd
    .option('--url <url>', 'Plex server URL (default: PLEX_URL, plexmend.yaml, else http://127.0.0.1:32400)')
    .option('--token <token>', "Plex token (default: PLEX_TOKEN, plexmend.yaml, else the server owner's token found on this machine)");
  if (o.sandbox !== false) cmd.option('--sandbox', 'act on the running sandbox (`plexmend sandbox`) instead of a real server');
  cmd.option('--config <file>', 'config file (default: ./plexmend.yaml, else the plexmend config folder)');
  if (o.folders !== false) {
    cmd
      .option('--data-dir <dir>', 'Plex data folder (holds Plug-ins, Plug-in Support, Preferences.xml)')
      .option('--plugins-dir <dir>', 'Plug-ins folder with the agent bundles')
      .option('--logs-dir <dir>', 'PMS Plugin Logs folder')
      // The short spellings other commands (aggregate, watch) use, accepted here too.
      .addOption(new Option('--plugins <dir>').hideHelp())
      .addOption(new Option('--logs <dir>').hideHelp())
      .option('--path-map <server=local>', 'path as the server sees it = path here (Docker/NAS); repeatable', collect);
  }
  cmd.option('--timeout-ms <ms>', 'per-request timeout for Plex (default 15000)', timeoutMs);
  return cmd;
}

/** ConfigFlags from the values of `withTargetOptions`. */
export function targetFlags(v: TargetOptionValues): ConfigFlags {
  return {
    url: v.url,
    token: v.token,
    sandbox: v.sandbox,
    config: v.config,
    dataDir: v.dataDir,
    pluginsDir: v.pluginsDir ?? v.plugins,
    logsDir: v.logsDir ?? v.logs,
    pathMap: v.pathMap,
    timeoutMs: v.timeoutMs,
  };
}
