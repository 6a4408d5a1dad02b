/**
 * Re-test hygiene: legacy agents cache HTTP responses for a week (`HTTP.CacheTime = CACHE_1WEEK` in every
 * PGMA `Start()`), so a re-test after a site fix could be answered from the cache. The framework keeps a
 * plug-in's caches under `Plug-in Support/Caches/<bundle id>/`; its data folder `Plug-in Support/Data/<bundle
 * id>/` holds the plug-in's Dict and other state, of which only HTTP cache entries (names starting with
 * "HTTP", e.g. `HTTP.system`) are removed — the exact file names the framework uses there are unknown
 * beyond that, so nothing else in Data is touched. These are the only places outside the bundles plexmend
 * writes. The loop calls this before the control and before the treatment alike, so both are comparable.
 */
import { join } from 'node:path';
import type { ImplementFs } from './files.ts';
import { assertInside, resolveCacheRoots, type PlexLayout } from './scope.ts';

export interface CacheClearResult {
  bundleId: string;
  /** Removed entries (absolute paths). */
  removed: string[];
}

/** Removes the agent's HTTP cache entries (see the module comment). Missing folders are fine. */
export async function clearAgentCache(layout: PlexLayout, bundleId: string, fs: ImplementFs): Promise<CacheClearResult> {
  const { caches, data } = await resolveCacheRoots(layout, bundleId, fs);
  const removed: string[] = [];
  for (const e of await fs.list(caches)) {
    const p = join(caches, e.name);
    await assertInside(fs, caches, e.kind === 'symlink' ? caches : p);
    await fs.removeTree(p);
    removed.push(p);
  }
  for (const e of await fs.list(data)) {
    if (!/^http/i.test(e.name)) continue;
    const p = join(data, e.name);
    await assertInside(fs, data, e.kind === 'symlink' ? data : p);
    await fs.removeTree(p);
    removed.push(p);
  }
  return { bundleId, removed };
}
