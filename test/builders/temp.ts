/** Temporary folders for tests, under the OS temp dir, removed when the test ends. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `<fresh folder>/<leaf>` (not created: the code under test makes it). `prefix` and `leaf` hold spaces on
 * purpose ("plexmend x ", "Application Support"), as Plex's own paths do.
 */
export async function tempPath(t: { after(fn: () => Promise<void>): void }, prefix: string, leaf: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(root, { recursive: true, force: true }));
  return join(root, leaf);
}
