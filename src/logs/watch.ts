/**
 * `plexmend watch`: keeps the watch archive (archive.ts) growing. Polls the plug-in log folder (no file-change
 * events: they do not work on network shares) and appends every new byte of each bundle's log, once, in order,
 * across rotations. A poll appends, fsyncs, then writes the state atomically; on start, bytes past a file's
 * committed size (a crash mid-poll) are cut off and copied again, so no byte is archived twice. Bytes rotated
 * away between two polls are recorded as a gap at the start of a new segment.
 */
import { open, readdir, rm, mkdir, type FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeDocument } from '../documents.ts';
import { InputError, PlexmendError } from '../errors.ts';
import { entryAfterRead, lineTs, planSet, type BookmarkEntry, type CurrentFile } from './bookmarks.ts';
import { readHead } from './fingerprint.ts';
import { listLogFolder } from './discover.ts';
import { takeLock, type Lock } from '../io/lock.ts';
import { ARCHIVE_FILE, ArchiveStateDocument, loadArchiveState, rel, stateFile, type ArchiveGap, type ArchiveState } from './archive.ts';

/** What one poll did. */
export interface PollResult {
  bytes: number;
  files: number;
  /** Archive files deleted because they were older than `keepDays`. */
  pruned: number;
  /** Gaps detected in this poll (recorded in the state before the next bytes of their bundle). */
  gaps: Omit<ArchiveGap, 'file'>[];
  problems: { path: string; message: string }[];
}

/** The clock, injected. */
export interface ArchiveDeps {
  now(): Date;
}

/**
 * An open archive: call `poll()` as often as wanted, `close()` at the end. Opening takes the lock,
 * loads the state and cuts uncommitted bytes left by a crash.
 * @throws LockHeldError when another live `plexmend watch` holds the archive.
 */
export async function openArchive(archiveDir: string, deps: ArchiveDeps): Promise<{ state: () => ArchiveState; poll(logsDir: string, opts?: { keepDays?: number }): Promise<PollResult>; close(): Promise<void> }> {
  let lock: Lock;
  try {
    await mkdir(archiveDir, { recursive: true });
    lock = await takeLock(join(archiveDir, '.watch.lock'), `the log archive ${archiveDir}`);
  } catch (err) {
    throw asPlexmendError(err, `cannot use the archive folder ${archiveDir}`);
  }
  let state: ArchiveState;
  try {
    state = await loadArchiveState(archiveDir, deps.now());
    if (!existsSync(stateFile(archiveDir)) && (await archiveFiles(archiveDir)).length > 0) {
      throw new InputError(
        `${archiveDir} holds archive files but no state.json`,
        'restore state.json, or move the old archive aside so that watch starts a new one (it never deletes files it did not write)',
      );
    }
    await recover(archiveDir, state);
  } catch (err) {
    await lock.release();
    throw err;
  }
  return {
    state: () => state,
    poll: async (logsDir, opts = {}) => {
      try {
        const r = await pollOnce(archiveDir, logsDir, state, deps, opts.keepDays);
        state = r.state;
        return r.result;
      } catch (err) {
        // A failed poll may have appended bytes it never committed: cut them before the next poll.
        await recover(archiveDir, state).catch(() => undefined);
        throw err;
      }
    },
    close: () => lock.release(),
  };
}

/** Every archive file (`<bundle>/<day>[-sN].log`) in the folder, as absolute paths. */
async function archiveFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const name of await readdir(join(dir, d.name))) if (ARCHIVE_FILE.test(name)) out.push(join(dir, d.name, name));
  }
  return out;
}

/** Cuts every archive file back to its committed size; removes files no committed poll created. */
async function recover(dir: string, state: ArchiveState): Promise<void> {
  for (const path of await archiveFiles(dir)) {
    const committed = state.committed[rel(dir, path)];
    if (committed === undefined) {
      await rm(path, { force: true });
      continue;
    }
    const fh = await open(path, 'r+');
    try {
      if ((await fh.stat()).size > committed) await fh.truncate(committed);
    } finally {
      await fh.close();
    }
  }
}

const CHUNK = 1024 * 1024;

async function pollOnce(dir: string, logsDir: string, prev: ArchiveState, deps: ArchiveDeps, keepDays?: number): Promise<{ state: ArchiveState; result: PollResult }> {
  const now = deps.now();
  const state: ArchiveState = structuredClone(prev);
  state.logsDir = resolve(logsDir);
  const result: PollResult = { bytes: 0, files: 0, pruned: 0, gaps: [], problems: [] };
  const writers = new Map<string, { fh: FileHandle; path: string; size: number }>();
  try {
    for (const set of await listLogFolder(logsDir)) {
      const bundleId = set.bundleId ?? set.key.split(/[\\/]/).pop()!;
      const opened: { fh: FileHandle; file: CurrentFile }[] = [];
      let incomplete = false;
      try {
        for (const f of set.files) {
          try {
            const fh = await open(f.path, 'r');
            opened.push({ fh, file: { path: f.path, name: f.name, active: f.active, ...(await readHead(fh)) } });
          } catch (err) {
            incomplete = true;
            result.problems.push({ path: f.path, message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); skipped this poll` });
          }
        }
        const plan = planSet(opened.map((o) => o.file), state.sources.sets[set.key]?.files, incomplete);
        for (const g of plan.gaps) {
          const gap = { bundleId, bytes: g.bytes, atLeast: g.atLeast, reason: g.reason, detectedAt: now.toISOString() };
          (state.pendingGaps[bundleId] ??= []).push(gap);
          result.gaps.push(gap);
        }
        // A gap starts a new segment now, even before new bytes arrive, so a reader sees it at once.
        if (state.pendingGaps[bundleId]?.length) await writerFor(dir, bundleId, state, writers, now);
        const entries: BookmarkEntry[] = incomplete ? [...plan.unmatched] : [];
        for (const r of plan.reads) {
          const o = opened.find((x) => x.file === r.file)!;
          const copied = await copyNew(o.fh, r.from, o.file.active, async (bytes) => {
            const w = await writerFor(dir, bundleId, state, writers, now);
            await w.fh.write(bytes, 0, bytes.length, w.size);
            w.size += bytes.length;
          });
          if (copied.end > r.from) result.files++;
          result.bytes += copied.end - r.from;
          entries.push(entryAfterRead(r.file, copied.end, copied.size, 0, copied.lastTs ?? r.matched?.lastTs));
        }
        state.sources.sets[set.key] = { files: entries };
      } finally {
        for (const o of opened) await o.fh.close().catch(() => undefined);
      }
    }
    for (const [relPath, w] of writers) {
      await w.fh.sync();
      state.committed[relPath] = w.size;
    }
  } finally {
    for (const w of writers.values()) await w.fh.close().catch(() => undefined);
  }
  state.updatedAt = now.toISOString();
  state.sources.updatedAt = state.updatedAt;
  const doomed = keepDays === undefined ? [] : expired(state, keepDays, now);
  for (const relPath of doomed) {
    delete state.committed[relPath];
    state.gaps = state.gaps.filter((g) => g.file !== relPath);
  }
  await writeDocument(ArchiveStateDocument, stateFile(dir), state);
  // Deleted only once the state no longer lists them: after a crash here, recover() removes the rest.
  for (const relPath of doomed) await rm(join(dir, ...relPath.split('/')), { force: true });
  result.pruned = doomed.length;
  return { state, result };
}

/** Archive files of days before `now - keepDays` (UTC), never a bundle's current file. */
function expired(state: ArchiveState, keepDays: number, now: Date): string[] {
  const cutoff = new Date(now.getTime() - keepDays * 86_400_000).toISOString().slice(0, 10);
  const current = new Set(Object.values(state.current));
  return Object.keys(state.committed).filter((relPath) => {
    const day = ARCHIVE_FILE.exec(relPath.split('/').pop()!)?.[1];
    return day !== undefined && day < cutoff && !current.has(relPath);
  });
}

/** The archive file to append to for a bundle: today's, or a new segment after a gap or a new day. */
async function writerFor(
  dir: string,
  bundleId: string,
  state: ArchiveState,
  writers: Map<string, { fh: FileHandle; path: string; size: number }>,
  now: Date,
): Promise<{ fh: FileHandle; path: string; size: number }> {
  const day = now.toISOString().slice(0, 10);
  const pending = state.pendingGaps[bundleId] ?? [];
  let relPath = state.current[bundleId];
  const sameDay = relPath !== undefined && ARCHIVE_FILE.exec(relPath.split('/').pop()!)?.[1] === day;
  if (!relPath || !sameDay || pending.length > 0) {
    const names = new Set(Object.keys(state.committed));
    relPath = `${bundleId}/${day}.log`;
    for (let seg = 2; names.has(relPath) || writers.has(relPath); seg++) relPath = `${bundleId}/${day}-s${seg}.log`;
    for (const g of pending) {
      state.gaps.push({ file: relPath, ...g });
    }
    delete state.pendingGaps[bundleId];
    state.current[bundleId] = relPath;
  }
  let w = writers.get(relPath);
  if (!w) {
    const path = join(dir, ...relPath.split('/'));
    await mkdir(join(dir, bundleId), { recursive: true });
    const fh = await open(path, 'a+');
    w = { fh, path, size: state.committed[relPath] ?? 0 };
    writers.set(relPath, w);
  }
  return w;
}

/**
 * Copies the bytes of a source file after `from` through `sink`, whole lines only for the live file
 * (an unterminated last line waits for the next poll); a rotated file is complete, and if its last line
 * lacks a `\n` one is added so the next file's first line stays a line of its own.
 */
async function copyNew(
  fh: FileHandle,
  from: number,
  live: boolean,
  sink: (bytes: Buffer) => Promise<void>,
): Promise<{ end: number; size: number; lastTs?: string }> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = from;
  let written = from;
  let lastTs: string | undefined;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) break;
    const view = buf.subarray(0, bytesRead);
    const nl = view.lastIndexOf(10);
    if (nl !== -1) {
      const upTo = pos + nl + 1;
      if (written < pos) await copyRange(fh, written, pos, sink); // a line that began in an earlier chunk
      await sink(Buffer.from(view.subarray(Math.max(0, written - pos), nl + 1)));
      written = upTo;
      const start = view.lastIndexOf(10, nl - 1) + 1;
      lastTs = lineTs(view.subarray(start, Math.min(start + 23, nl)).toString('latin1')) ?? lastTs;
    }
    pos += bytesRead;
  }
  if (!live && written < pos) {
    await copyRange(fh, written, pos, sink);
    await sink(Buffer.from('\n'));
    written = pos;
  }
  return { end: written, size: pos, lastTs };
}

async function copyRange(fh: FileHandle, from: number, to: number, sink: (bytes: Buffer) => Promise<void>): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, to - from));
  for (let pos = from; pos < to; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, to - pos), pos);
    if (bytesRead === 0) break;
    await sink(Buffer.from(buf.subarray(0, bytesRead)));
    pos += bytesRead;
  }
}

/** A file-system failure (permission, full disk, …) as a one-line error with a hint; PlexmendErrors pass through. */
function asPlexmendError(err: unknown, what: string): unknown {
  if (err instanceof PlexmendError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (!code) return err;
  return new PlexmendError(`${what} (${code})`, {
    hint: code === 'ENOSPC' ? 'free some disk space, or use --keep-days' : 'check that the workspace folder is writable by this user (or pass --workspace DIR)',
    cause: err,
  });
}

/** `plexmend watch` options. */
export interface WatchOptions {
  logsDir: string;
  archiveDir: string;
  /** Pause between polls. */
  intervalMs: number;
  /** Poll once and stop. */
  once: boolean;
  /** Delete archive files of days older than this many days (default: keep everything). */
  keepDays?: number;
}

/** What `runWatch` needs from the outside world. */
export interface WatchDeps extends ArchiveDeps {
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** One line per poll (and per problem). */
  report(line: string): void;
  /** Abort = stop after the current poll (Ctrl-C). */
  signal: AbortSignal;
}

/** What a watch run did, for its closing line. */
export interface WatchSummary {
  polls: number;
  bytes: number;
  gaps: number;
  /** Polls that failed (the log folder was unreachable, e.g. a share not mounted); the watch went on. */
  failedPolls: number;
}

/**
 * Phase entry of `plexmend watch`: polls the plug-in log folder into the archive until aborted (or
 * once). A poll error on the first poll is thrown (a wrong folder should fail fast); later ones are
 * reported and the next poll tries again (Plex restarting, a network share coming back).
 * @throws LockHeldError when another watch holds the archive; InputError for an unusable folder.
 */
export async function runWatch(opts: WatchOptions, deps: WatchDeps): Promise<WatchSummary> {
  const archive = await openArchive(opts.archiveDir, deps);
  const summary: WatchSummary = { polls: 0, bytes: 0, gaps: 0, failedPolls: 0 };
  let reported = new Set<string>();
  try {
    for (;;) {
      try {
        const r = await archive.poll(opts.logsDir, { keepDays: opts.keepDays });
        summary.polls++;
        summary.bytes += r.bytes;
        summary.gaps += r.gaps.length;
        if (r.bytes > 0 || r.pruned > 0 || summary.polls === 1) deps.report(`${deps.now().toISOString()} archived ${r.bytes} bytes from ${r.files} file(s)${r.pruned ? `, deleted ${r.pruned} archive file(s) older than ${opts.keepDays} days` : ''}`);
        for (const g of r.gaps) deps.report(`  gap in ${g.bundleId}: ${g.reason}`);
        // A file that stays unreadable is reported once, not at every poll.
        const now = new Set(r.problems.map((p) => `${p.path}: ${p.message}`));
        for (const line of now) if (!reported.has(line)) deps.report(`  ${line}`);
        reported = now;
      } catch (err) {
        if (summary.polls === 0 && summary.failedPolls === 0) throw asPlexmendError(err, `cannot archive ${opts.logsDir} into ${opts.archiveDir}`);
        summary.failedPolls++;
        deps.report(`${deps.now().toISOString()} poll failed, trying again next time: ${(err as Error).message}`);
      }
      if (opts.once || deps.signal.aborted) break;
      await deps.sleep(opts.intervalMs, deps.signal);
      if (deps.signal.aborted) break;
    }
  } finally {
    await archive.close();
  }
  return summary;
}
