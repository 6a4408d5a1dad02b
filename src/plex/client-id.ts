/**
 * A stable `X-Plex-Client-Identifier` per install ("typically required", Plex API description; python-plexapi
 * keeps one per install in its config). Plex lists each identifier as a device under Settings → Devices, so a
 * new one per run would litter that list: the value is created once and kept in the user config dir.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';

export const CLIENT_ID_FILE = 'client-identifier';

/** Reads `<configDir>/client-identifier`, creating it (a random UUID) when missing or empty. */
export async function loadClientIdentifier(configDir: string): Promise<string> {
  const path = join(configDir, CLIENT_ID_FILE);
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (/^[A-Za-z0-9._-]{8,128}$/.test(id)) return id;
  } catch {
    /* first run */
  }
  const id = `plexmend-${randomUUID()}`;
  try {
    await mkdir(configDir, { recursive: true });
    await writeFileAtomic(path, id + '\n');
  } catch {
    // A read-only home still gets a working (if unstable) identifier.
  }
  return id;
}
