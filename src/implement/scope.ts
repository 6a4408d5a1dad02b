/**
 * The scope guard: the only places plexmend may ever write are files inside the agent bundles
 * (`<Plug-ins>/<Name>.bundle/...`), PGMA's shared data folder (`<Plug-ins>/_PGMA/...`, which PGMA requires
 * next to the bundles), and — for cache.ts only — the agent's own caches under `Plug-in Support`
 * (`Caches/<bundle id>/...`, and HTTP cache entries under `Data/<bundle id>/`; the Plex framework keeps a
 * plug-in's data there, `Plug-in Support` being the sibling of `Plug-ins` in the Plex data folder).
 *
 * Plan paths are relative to the Plug-ins folder. Absolute paths (`/x`, `C:\x`, `\\server\share`), `..`
 * that leaves the area, and symlinks inside a bundle that point elsewhere are refused with the path named.
 * A bundle folder that is itself a symlink (a developer's checkout linked into Plug-ins) is allowed: what
 * counts is that the file stays inside that bundle's real folder.
 */
import { dirname, join, relative, sep } from 'node:path';
import { ScopeError } from './errors.ts';
import type { ImplementFs } from './files.ts';

/** Where Plex keeps agents and their support data. */
export interface PlexLayout {
  /** `<Plex data>/Plug-ins`, absolute. */
  readonly plugins: string;
  /** `<Plex data>/Plug-in Support`, absolute. */
  readonly pluginSupport: string;
}

/** The layout for a Plug-ins folder: `Plug-in Support` is its sibling (every platform, reference §7). */
export function layoutFor(pluginsDir: string, pluginSupportDir?: string): PlexLayout {
  return { plugins: pluginsDir, pluginSupport: pluginSupportDir ?? join(dirname(pluginsDir), 'Plug-in Support') };
}

export type ScopeArea = 'bundle' | 'pgma' | 'cache';

export interface ScopedPath {
  /** Normalised, `/`-separated, relative to the area's base (Plug-ins, or Plug-in Support for caches). */
  readonly rel: string;
  readonly abs: string;
  readonly area: ScopeArea;
  /** `GEVI.bundle` for bundle files. */
  readonly bundleDir?: string;
}

/**
 * Normalises a plan path (pure): backslashes to `/`, `.` and `..` resolved. Throws ScopeError for empty,
 * NUL, absolute or escaping paths.
 */
export function normaliseRelative(input: string): string[] {
  if (input.length === 0) throw new ScopeError(input, 'empty path');
  if (input.includes('\0')) throw new ScopeError(input, 'contains a NUL byte');
  const p = input.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) throw new ScopeError(input, 'absolute paths are not allowed; name it relative to the Plug-ins folder');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new ScopeError(input, 'escapes the Plug-ins folder through ".."');
      out.pop();
    } else out.push(seg);
  }
  if (out.length === 0) throw new ScopeError(input, 'names the Plug-ins folder itself');
  return out;
}

/** Which area a normalised Plug-ins-relative path belongs to (pure). */
export function areaOf(segments: string[], original: string): { area: 'bundle' | 'pgma'; base: string } {
  const [first] = segments;
  if (segments.length < 2) throw new ScopeError(original, 'only files inside a bundle or _PGMA may be written');
  if (first === '_PGMA') return { area: 'pgma', base: first };
  if (first!.endsWith('.bundle') && first!.length > '.bundle'.length) return { area: 'bundle', base: first! };
  throw new ScopeError(original, `"${first}" is neither a *.bundle folder nor _PGMA`);
}

function inside(parent: string, child: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep + sep) && !/^[A-Za-z]:/.test(r) && !r.startsWith('/'));
}

/** Real path of `abs`, or of its deepest existing ancestor joined with the rest. */
async function realish(fs: ImplementFs, abs: string): Promise<string> {
  const tail: string[] = [];
  let cur = abs;
  for (;;) {
    if (await fs.info(cur)) return join(await fs.realpath(cur), ...tail.reverse());
    const up = dirname(cur);
    if (up === cur) return join(cur, ...tail.reverse());
    tail.push(cur.slice(up.length).replace(/^[\\/]+/, ''));
    cur = up;
  }
}

async function checkReal(fs: ImplementFs, baseAbs: string, abs: string, original: string): Promise<void> {
  const realBase = await realish(fs, baseAbs);
  const real = await realish(fs, abs);
  if (!inside(realBase, real)) throw new ScopeError(original, `resolves to ${real}, outside ${realBase} (symlink)`);
}

/**
 * Resolves a plan path (relative to Plug-ins) to a file plexmend may write, following symlinks to check
 * that it stays inside its bundle or `_PGMA`. Throws ScopeError naming the path otherwise.
 */
export async function resolvePlanPath(layout: PlexLayout, input: string, fs: ImplementFs): Promise<ScopedPath> {
  const segs = normaliseRelative(input);
  const { area, base } = areaOf(segs, input);
  const abs = join(layout.plugins, ...segs);
  await checkReal(fs, join(layout.plugins, base), abs, input);
  return { rel: segs.join('/'), abs, area, bundleDir: area === 'bundle' ? base : undefined };
}

/** A bundle id as Plex names plug-ins: reverse-DNS, no path characters. */
export function checkBundleId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id) || id.includes('..')) throw new ScopeError(id, 'not a bundle identifier');
  return id;
}

/**
 * The agent's cache folders under `Plug-in Support` (the one place outside the bundles plexmend may write):
 * `Caches/<id>` and `Data/<id>`. Symlinks leading elsewhere are refused.
 */
export async function resolveCacheRoots(layout: PlexLayout, bundleId: string, fs: ImplementFs): Promise<{ caches: string; data: string }> {
  checkBundleId(bundleId);
  const caches = join(layout.pluginSupport, 'Caches', bundleId);
  const data = join(layout.pluginSupport, 'Data', bundleId);
  await checkReal(fs, join(layout.pluginSupport, 'Caches'), caches, caches);
  await checkReal(fs, join(layout.pluginSupport, 'Data'), data, data);
  return { caches, data };
}

/** Checks that `abs` lies (really) inside `root`; used before deleting cache entries. */
export async function assertInside(fs: ImplementFs, root: string, abs: string): Promise<void> {
  await checkReal(fs, root, abs, abs);
}
