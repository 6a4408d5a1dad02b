/**
 * Locks: one per workspace and one per Plug-ins folder, so two loops never patch the same bundles. A lock
 * is a file holding the owner's pid, created exclusively; a lock whose process is gone is taken over.
 */
import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LockHeldError } from '../errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Lock {
  release(): Promise<void>;
}

/** Takes the lock at `path` for this process; throws LockHeldError naming the holder's pid. */
export async function takeLock(path: string, what: string, pid = process.pid): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(pid));
      await fh.sync();
      await fh.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== pid && alive(holder)) throw new LockHeldError(what, holder);
      await rm(path, { force: true }); // stale: its process is gone
    }
  }
  throw new LockHeldError(what, -1);
}
