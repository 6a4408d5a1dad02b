/**
 * Lock files: one per workspace and one per Plug-ins folder (two loops never patch the same bundles), and
 * one per watch archive (one `plexmend watch` appends to it). A lock
 * is a file holding the owner's pid, created exclusively; a lock whose process is gone is taken over.
 *
 * Taking over happens under a short-lived guard file (`<lock>.takeover`, created exclusively), and only
 * while the lock still names the dead process: two processes that find the same stale lock cannot both
 * remove it and both win. An empty lock file is being written by its owner unless it is older than a moment.
 */
import { open, readFile, rm, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LockHeldError } from '../errors.ts';
import { processAlive } from '../io/process.ts';

/** How long a takeover guard or an empty lock file may live before it counts as left by a crash. */
const CRASH_LEFTOVER_MS = 5_000;
const RETRY_MS = 20;
const GIVE_UP_MS = 10_000;


export interface Lock {
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function create(path: string, pid: number): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    try {
      await fh.writeFile(String(pid));
      await fh.sync();
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The lock file's pid; `null` when it is gone, `'unreadable'` when it holds no valid pid. */
async function holderOf(path: string): Promise<number | 'unreadable' | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : 'unreadable';
}

const ageMs = async (path: string) => {
  const st = await stat(path).catch(() => null);
  return st ? Date.now() - st.mtimeMs : Infinity;
};

/** Removes the lock at `path` if it still names `stale`, under the takeover guard. False when someone else holds the guard. */
async function takeOver(path: string, stale: number | 'unreadable'): Promise<boolean> {
  const guard = `${path}.takeover`;
  let fh;
  try {
    fh = await open(guard, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if ((await ageMs(guard)) > CRASH_LEFTOVER_MS) await rm(guard, { force: true });
    return false;
  }
  try {
    await fh.close();
    if ((await holderOf(path)) === stale) await rm(path, { force: true });
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/** Takes the lock at `path` for this process; throws LockHeldError naming the holder's pid. */
export async function takeLock(path: string, what: string, pid = process.pid): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true });
  const began = Date.now();
  for (;;) {
    if (await create(path, pid)) return { release: () => rm(path, { force: true }) };
    const holder = await holderOf(path);
    if (typeof holder === 'number' && holder !== pid && processAlive(holder)) throw new LockHeldError(what, holder);
    if (Date.now() - began > GIVE_UP_MS) throw new LockHeldError(what, typeof holder === 'number' ? holder : -1);
    // An empty or garbled file may be a lock its owner is still writing: stale only once it is old.
    const fresh = holder === 'unreadable' && (await ageMs(path)) < CRASH_LEFTOVER_MS;
    if (holder === null || (!fresh && (await takeOver(path, holder)))) continue;
    await sleep(RETRY_MS);
  }
}
