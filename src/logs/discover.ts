/**
 * Finds the plug-in log folder (and the Plug-ins folder) on this machine: the first candidate of
 * `config/paths.ts` that exists. The file system is injected, so the choice is testable for every
 * platform on any machine.
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import type { PlexLocation } from '../config/paths.ts';

/** The one question discovery asks the file system. */
export interface DirProbe {
  isDirectory(path: string): Promise<boolean>;
}

/** The real file system. */
export const nodeDirProbe: DirProbe = {
  async isDirectory(path) {
    try {
      return (await stat(path)).isDirectory();
    } catch {
      return false;
    }
  },
};

/** What discovery found, and every folder it looked at (for messages and `plexmend doctor`). */
export interface Discovered {
  location: PlexLocation;
  dir: string;
  tried: string[];
}

/**
 * The first candidate whose `PMS Plugin Logs` folder exists.
 * @throws InputError naming every folder tried and the `--logs DIR` way out.
 */
export async function discoverPluginLogs(candidates: PlexLocation[], fs: DirProbe = nodeDirProbe): Promise<Discovered> {
  return first(candidates, (l) => l.pluginLogsDir, fs, 'plug-in log folder', '--logs DIR');
}

/**
 * The first candidate whose `Plug-ins` folder exists.
 * @throws InputError naming every folder tried and the `--plugins DIR` way out.
 */
export async function discoverPluginsDir(candidates: PlexLocation[], fs: DirProbe = nodeDirProbe): Promise<Discovered> {
  return first(candidates, (l) => l.pluginsDir, fs, 'Plug-ins folder', '--plugins DIR');
}

async function first(
  candidates: PlexLocation[],
  pick: (l: PlexLocation) => string,
  fs: DirProbe,
  what: string,
  flag: string,
): Promise<Discovered> {
  const tried: string[] = [];
  for (const location of candidates) {
    const dir = pick(location);
    if (tried.includes(dir)) continue;
    tried.push(dir);
    if (await fs.isDirectory(dir)) return { location, dir, tried };
  }
  throw new InputError(
    `no ${what} found; tried ${tried.map((t) => `"${t}"`).join(', ') || '(no candidates)'}`,
    `pass ${flag} (the folder that holds the Plex files; on a server elsewhere, copy or mount it here)`,
  );
}
