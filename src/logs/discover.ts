/**
 * Finds the logs in a folder: the rotation sets of Python's RotatingFileHandler (`<bundle id>.log`, `.log.1`
 * … `.log.5`, reference §3.1), oldest first. Which folder is the plug-in log folder is the Config's business
 * (config/resolve.ts: flag, environment, plexmend.yaml, the sandbox, or the platform's install layouts).
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { isDirectory } from '../io/dir.ts';

/** One log and its rotations (or one archive file), files oldest first. */
export interface LogSet {
  /** Bookmark key: absolute folder + base name (`…/PMS Plugin Logs/com.plexapp.agents.GEVI`), or a file path. */
  key: string;
  /** Bundle id from the file name, when the name is one (`com.plexapp.agents.GEVI`). */
  bundleId?: string;
  files: { path: string; name: string; active: boolean }[];
  /** Archive only: bytes lost before a file's first byte, by file path. */
  gapsBefore?: Map<string, { bytes: number; reason: string }>;
  /**
   * Folder only: names a whole rotation set would have but this folder lacks — `.log` … `.log.<N-1>` when
   * `.log.<N>` is there. Their lines are not in the report (deleted, moved, or a copy of part of the folder).
   */
  missing?: string[];
}

const ROTATED = /^(.+?)\.log(?:\.(\d+))?$/;
const OTHER_LOG = /^(.+?)\.log\b/;
/** Main server logs (`Plex Media Server.log`, `Plex Media Server.1.log`, scanner, tuner…): not plug-in logs. */
const SERVER_LOG = /^Plex |\.\d+\.log$/;
const BUNDLE_ID = /^[A-Za-z][\w-]*(?:\.[\w-]+)+$/;

/**
 * Base name and age of a plug-in log file name: `X.log` age 0, `X.log.N` age N (Python's
 * RotatingFileHandler naming); other `X.log…` names (`X.log.old`) sort as oldest; anything else undefined.
 */
export function logName(name: string): { base: string; age: number } | undefined {
  const m = ROTATED.exec(name);
  if (m) return { base: m[1], age: m[2] === undefined ? 0 : Number(m[2]) };
  const o = OTHER_LOG.exec(name);
  return o ? { base: o[1], age: 1000 } : undefined;
}

function groupSets(entries: { path: string; name: string }[], live: boolean): LogSet[] {
  const byKey = new Map<string, { key: string; base: string; isLog: boolean; files: { path: string; name: string; age: number }[] }>();
  for (const e of entries) {
    const parsed = logName(e.name);
    const ln = parsed ?? { base: e.name, age: 0 };
    const key = join(dirname(resolve(e.path)), ln.base);
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { key, base: ln.base, isLog: parsed !== undefined, files: [] }));
    g.files.push({ path: e.path, name: e.name, age: ln.age });
  }
  return [...byKey.values()].map((g) => {
    const set: LogSet = {
      key: g.key,
      // Only a log file's name carries a bundle id (`excerpt.txt` does not).
      bundleId: g.isLog && BUNDLE_ID.test(g.base) ? g.base : undefined,
      files: g.files
        .sort((a, b) => b.age - a.age || a.name.localeCompare(b.name))
        .map((f) => ({ path: f.path, name: f.name, active: live && f.age === 0 && f.name.endsWith('.log') })),
    };
    const missing = live && g.isLog ? missingRotations(g.base, g.files.map((f) => f.age)) : [];
    if (missing.length) set.missing = missing;
    return set;
  });
}

/** `X.log` … `X.log.<N-1>` absent while `X.log.<N>` is present (N the oldest rotation there). */
function missingRotations(base: string, ages: number[]): string[] {
  const have = new Set(ages);
  const oldest = Math.max(...ages.filter((a) => a < 1000));
  const out: string[] = [];
  for (let a = 0; a < oldest; a++) if (!have.has(a)) out.push(a === 0 ? `${base}.log` : `${base}.log.${a}`);
  return out;
}

/**
 * The plug-in log sets of a folder, by bundle id, each oldest first (`.log.5` … `.log.1`, `.log`).
 * Skips dot files (macOS `._X.log` AppleDouble files on shares) and the main server's logs.
 * @throws InputError for a missing, unreadable or empty folder (naming a `PMS Plugin Logs` subfolder when there is one).
 */
export async function listLogFolder(dir: string): Promise<LogSet[]> {
  let names: string[];
  try {
    const dirents = await readdir(dir, { withFileTypes: true });
    names = dirents.filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
  } catch (err) {
    throw folderError(dir, err);
  }
  const logs = names.filter((n) => !n.startsWith('.') && logName(n) && !SERVER_LOG.test(n));
  if (logs.length === 0) {
    const sub = join(dir, 'PMS Plugin Logs');
    const hasSub = await isDirectory(sub);
    throw new InputError(
      `no plug-in log files (*.log, *.log.1 … *.log.5) in ${dir}`,
      hasSub
        ? `the plug-in logs are in a subfolder: pass --logs "${sub}"`
        : 'pass --logs with the "PMS Plugin Logs" folder, or --archive after running plexmend watch',
    );
  }
  return groupSets(logs.sort().map((name) => ({ path: join(dir, name), name })), true).sort((a, b) => a.key.localeCompare(b.key));
}

/** Explicit files (any names), grouped into rotation sets in the order first given; nothing is live. */
export function listLogFiles(paths: string[]): LogSet[] {
  if (paths.length === 0) throw new InputError('no log files given', 'pass one or more log files, --logs DIR, or - for standard input');
  const seen = new Set<string>();
  const unique = paths.filter((p) => !seen.has(resolve(p)) && seen.add(resolve(p))); // a file named twice is read once
  return groupSets(unique.map((p) => ({ path: p, name: basename(p) })), false);
}

/** A folder that cannot be listed, as a one-line InputError with a hint. */
export function folderError(dir: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`no such folder: ${dir}`, 'check the path, or leave out --logs to find the plug-in log folder automatically', err);
  if (code === 'ENOTDIR') return new InputError(`not a folder: ${dir}`, 'pass the folder that holds the plug-in logs, or pass files as arguments', err);
  if (code === 'EACCES' || code === 'EPERM')
    return new InputError(`permission denied reading ${dir}`, 'run as a user that may read the Plex log folder (e.g. the plex user), or copy the logs', err);
  return new InputError(`cannot read folder ${dir} (${code ?? 'error'})`, 'check the path', err);
}
