/**
 * The folders a command cannot work without, taken from the resolved Config (flag, environment, plexmend.yaml,
 * the sandbox, or discovery — see resolve.ts). One message for every command: what was looked at, and how to
 * name the folder instead.
 */
import { InputError } from '../errors.ts';
import type { Config } from './schema.ts';

const FOLDERS = {
  logsDir: { what: 'plug-in log folder', how: '--logs-dir DIR (the "PMS Plugin Logs" folder)' },
  pluginsDir: { what: 'Plug-ins folder', how: '--plugins-dir DIR (the folder holding the *.bundle folders)' },
} as const;

/**
 * The folder, or an InputError naming every folder discovery tried and the ways to name it.
 * @throws InputError when the Config has no such folder.
 */
export function requireFolder(config: Config, key: keyof typeof FOLDERS): string {
  const dir = config.paths[key];
  if (dir) return dir;
  const { what, how } = FOLDERS[key];
  const tried = config.paths.tried[key] ?? [];
  throw new InputError(
    `no ${what} found${tried.length ? `; tried ${tried.map((t) => `"${t}"`).join(', ')}` : ''}`,
    `pass ${how}, or set ${key} or dataDir in plexmend.yaml (PLEXMEND_${key === 'logsDir' ? 'LOGS' : 'PLUGINS'}_DIR); \`plexmend doctor\` shows what was looked at`,
  );
}
