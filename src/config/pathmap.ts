/**
 * Path mapping for Docker and NAS installs: Plex (and the paths it reports — `Media/Part/@file`, library
 * `Location` folders, and the `File: …` paths PGMA writes into its logs) sees `/config/…`, `/volume1/…` or
 * `C:\…`, while plexmend reads the same files through a mount (`/mnt/plex/…`, `\\nas\plex\…`). A mapping pair
 * `{ server, local }` rewrites a path's prefix in either direction. Prefixes match on whole path segments;
 * a Windows-style side (drive letter or UNC) matches case-insensitively and is written with backslashes.
 * Pure functions.
 */

/** One pair: what the server calls a folder, and where plexmend finds it. */
export interface PathMapping {
  server: string;
  local: string;
}

/** True for `C:\…`, `C:/…` and `\\host\share…`. */
export function isWindowsStyle(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]/.test(p);
}

function segments(p: string): string[] {
  return p.split(/[\\/]+/).filter((s, i) => s !== '' || i === 0);
}

function join(prefix: string, rest: string[]): string {
  if (rest.length === 0) return prefix;
  const sep = isWindowsStyle(prefix) ? '\\' : '/';
  const head = prefix.replace(/[\\/]+$/, '');
  return head + sep + rest.join(sep);
}

/** The rest of `path` under `prefix` (segment list), or undefined when `path` is not under it. */
function under(path: string, prefix: string): string[] | undefined {
  const ci = isWindowsStyle(prefix);
  const p = segments(path);
  const f = segments(prefix.replace(/[\\/]+$/, '') || '/');
  // A bare "/" prefix: segments are [''].
  if (f.length === 1 && f[0] === '' && path.startsWith('/')) return p.slice(1);
  if (f.length > p.length) return undefined;
  for (let i = 0; i < f.length; i++) {
    const a = p[i]!;
    const b = f[i]!;
    if (ci ? a.toLowerCase() !== b.toLowerCase() : a !== b) return undefined;
  }
  return p.slice(f.length);
}

function mapWith(path: string, mappings: readonly PathMapping[], from: 'server' | 'local', to: 'server' | 'local'): string {
  let best: { rest: string[]; target: string; len: number } | undefined;
  for (const m of mappings) {
    const rest = under(path, m[from]);
    if (rest === undefined) continue;
    const len = segments(m[from]).length;
    if (!best || len > best.len) best = { rest, target: m[to], len };
  }
  return best ? join(best.target, best.rest) : path;
}

/** A path as the server reports it → where plexmend reads it (unchanged when no pair applies). Longest prefix wins. */
export function toLocal(serverPath: string, mappings: readonly PathMapping[]): string {
  return mapWith(serverPath, mappings, 'server', 'local');
}

/** A path plexmend knows → how the server names it (for searching items by file). Longest prefix wins. */
export function toServer(localPath: string, mappings: readonly PathMapping[]): string {
  return mapWith(localPath, mappings, 'local', 'server');
}

/**
 * Parses `server=local` pairs (flags `--path-map`, env `PLEXMEND_PATH_MAP` separated by `;`). The split is at
 * the first `=` that is followed by a path start (`/`, `\`, or a drive letter), so `=` inside names survives.
 * Returns undefined for text that is not a pair.
 */
export function parsePathMapping(text: string): PathMapping | undefined {
  const m = /^(.+?)=((?:[A-Za-z]:)?[\\/].*)$/.exec(text.trim());
  if (!m) return undefined;
  return { server: m[1]!.trim(), local: m[2]!.trim() };
}
