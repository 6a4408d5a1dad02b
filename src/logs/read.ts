/**
 * Phase 1 reading: turns a log folder, explicit files, standard input or the watch archive into a
 * stream of physical lines (`RawLine`), oldest first, with bounded memory, and says what it read
 * (sources), what was lost (gaps), what could not be read (problems) and where to resume (bookmarks).
 *
 * Relies on (reference/pgma-agents-and-logs.md §3.1): plug-in logs are `<bundle id>.log` with rotations
 * `.log.1` … `.log.5` (`.5` oldest) written by Python's RotatingFileHandler; the main server's logs use
 * `Plex Media Server.N.log` and are not plug-in logs (skipped). Lines are UTF-8 with `\n` or `\r\n`;
 * real files also carry invalid bytes, NULs (crash padding) and lines of megabytes — all counted, none
 * fatal. 1 MiB reads, two buffers (the next read runs while this chunk is split: lines.ts).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.ts';
import type { LogInput, RawLine } from './input.ts';
import type { Gap } from './schema.ts';
import { fingerprintOf, readHead } from './fingerprint.ts';
import { listLogFiles, listLogFolder, type LogSet } from './discover.ts';
import { emptyBookmarks, entryAfterRead, planSet, type BookmarkDoc, type BookmarkEntry, type CurrentFile } from './bookmarks.ts';
import { listArchive } from './archive.ts';
import { countReplacements, LineSplitter, type SplitState } from './lines.ts';

/** How to read. */
export interface ReadOptions {
  /** Resume where these bookmarks say (only bytes written since are read). */
  bookmarks?: BookmarkDoc;
  /** Longest line kept; longer lines are cut to this many bytes and counted. Default 1 MiB. */
  maxLineBytes?: number;
}

/** A file as it was read: the `sourceSchema` of the LogReport. */
export interface Source {
  path: string;
  fingerprint: string;
  size: number;
  fromOffset: number;
  toOffset: number;
  lines: number;
}

/** Byte and line counts of one read (the LogReport's `counts` take these). */
export interface ReadStats {
  bytes: number;
  lines: number;
  invalidUtf8: number;
  nulBytes: number;
  longLines: number;
}

/** What a read found, available from `done()` after the last line. */
export interface ReadResult {
  sources: Source[];
  /**
   * Bytes rotated away (or truncated) before they were read. `bytes` is what is known to be lost: when the
   * live file itself rotated away the true loss can be larger, even when `bytes` is 0 — any gap at all
   * means the window is incomplete (DESIGN.md: a test window with a gap is INCONCLUSIVE).
   */
  gaps: Gap[];
  problems: { path: string; message: string }[];
  stats: ReadStats;
  /** The bookmarks to pass next time (input bookmarks updated with what was read now). */
  bookmarks: BookmarkDoc;
}

const CHUNK = 1024 * 1024;
const DEFAULT_MAX_LINE = 1024 * 1024;

/**
 * Reads log lines. Iterate `lines` once; `done()` resolves after the last line (it drains the lines
 * itself if nobody iterates). A missing or empty input is an `InputError`, thrown by the iteration and
 * by `done()`; a file that cannot be read is a `problems` entry and the rest goes on.
 */
export function readLogLines(
  input: LogInput,
  opts: ReadOptions = {},
): {
  lines: AsyncIterable<RawLine>;
  /**
   * The same lines handed to `onLine` one at a time, as each is decoded (the fastest way, and the leanest:
   * no line outlives its call unless `onLine` keeps it, so the garbage collector finds them all young).
   * Resolves with `done()`'s result; use it instead of `lines`, not besides. A throw from
   * `onLine` ends the read and rejects.
   */
  each(onLine: (line: RawLine) => void): Promise<ReadResult>;
  done(): Promise<ReadResult>;
} {
  const state = new ReadState(opts);
  const batches = readBatches(input, state);
  let started = false;
  let finished!: (r: ReadResult) => void;
  let failed!: (e: unknown) => void;
  const result = new Promise<ReadResult>((res, rej) => ((finished = res), (failed = rej)));
  result.catch(() => undefined);
  const it = batches[Symbol.asyncIterator]();
  let batch: RawLine[] = [];
  let i = 0;
  const pull = async (): Promise<IteratorResult<RawLine>> => {
    for (;;) {
      let r: IteratorResult<RawLine[]>;
      try {
        r = await it.next();
      } catch (err) {
        failed(err);
        throw err;
      }
      if (r.done) {
        finished(state.result());
        return { done: true, value: undefined };
      }
      batch = r.value;
      i = 0;
      if (batch.length > 0) return { done: false, value: batch[i++] };
    }
  };
  const iterator: AsyncIterator<RawLine> = {
    next: () => (i < batch.length ? Promise.resolve({ done: false, value: batch[i++] }) : pull()),
    async return() {
      await it.return?.(undefined);
      finished(state.result());
      return { done: true, value: undefined };
    },
  };
  return {
    lines: {
      [Symbol.asyncIterator]() {
        if (started) throw new Error('readLogLines: lines can be iterated only once');
        started = true;
        return iterator;
      },
    },
    async each(onLine) {
      if (started) throw new Error('readLogLines: lines can be iterated only once');
      started = true;
      state.onLine = onLine; // lines go to onLine as they are split: the batches stay empty
      while (!(await pull()).done) {
        /* drain */
      }
      return result;
    },
    async done() {
      if (!started) {
        started = true;
        while (!(await iterator.next()).done) {
          /* drain */
        }
      }
      return result;
    },
  };
}

/**
 * Bookmarks at the current end of every file of `input`, without decoding a line: "from now on". Phase 4
 * takes these before refreshing items, then reads with them to get only the lines the test produced.
 * Same rules as `readLogLines` (an unterminated last line of a live file is left for later).
 * @throws InputError for a missing or empty input.
 */
export async function bookmarkLogEnd(input: Exclude<LogInput, { kind: 'stdin' }>, prev?: BookmarkDoc): Promise<BookmarkDoc> {
  const st = new ReadState({ bookmarks: prev });
  st.countOnly = true;
  for await (const batch of readBatches(input, st)) void batch;
  return st.bookmarks;
}

class ReadState implements SplitState {
  /** Count lines and offsets only (bookmarkLogEnd). */
  countOnly = false;
  /** Push mode (`each`): lines go here as they are split instead of into the batches. */
  onLine: ((line: RawLine) => void) | undefined;
  readonly maxLine: number;
  readonly sources: Source[] = [];
  readonly gaps: Gap[] = [];
  readonly problems: { path: string; message: string }[] = [];
  readonly stats: ReadStats = { bytes: 0, lines: 0, invalidUtf8: 0, nulBytes: 0, longLines: 0 };
  readonly bookmarks: BookmarkDoc;
  readonly bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)] as const;
  /** False for explicit file paths (a missing one was never there, it did not vanish). */
  listed = true;
  constructor(readonly opts: ReadOptions) {
    this.maxLine = Math.max(64, opts.maxLineBytes ?? DEFAULT_MAX_LINE);
    const prev = opts.bookmarks ?? emptyBookmarks();
    this.bookmarks = { schema: 'plexmend.bookmarks/1', updatedAt: new Date().toISOString(), sets: { ...prev.sets } };
  }
  /** The first file that could not be read (the error when none could). */
  firstUnreadable: { path: string; message: string; code?: string } | undefined;
  /** A file that could not be read: a problem, and the run goes on. */
  unreadable(path: string, message: string, err?: unknown): void {
    this.problems.push({ path, message });
    this.firstUnreadable ??= { path, message, code: (err as NodeJS.ErrnoException | undefined)?.code };
  }
  result(): ReadResult {
    return { sources: this.sources, gaps: this.gaps, problems: this.problems, stats: this.stats, bookmarks: this.bookmarks };
  }
}

async function* readBatches(input: LogInput, st: ReadState): AsyncGenerator<RawLine[]> {
  if (input.kind === 'stdin') {
    yield* readStream(input.stream, st);
    return;
  }
  st.listed = input.kind !== 'files';
  const sets = input.kind === 'folder' ? await listLogFolder(input.dir) : input.kind === 'archive' ? await archiveSets(input.dir) : listLogFiles(input.paths);
  for (const set of sets) yield* readSet(set, st);
  const first = st.firstUnreadable;
  if (st.sources.length === 0 && first) {
    const code = first.code;
    throw new InputError(`no log file could be read: ${first.path}: ${first.message}`,
      code === 'EACCES' || code === 'EPERM' ? 'run as a user that may read the plug-in logs (e.g. the plex user), or copy them somewhere readable'
        : code === undefined ? 'pass the plug-in log folder ("PMS Plugin Logs") or plain-text log files as Plex writes them'
          : 'check the path, or pass the folder with --logs DIR');
  }
}

async function archiveSets(dir: string): Promise<LogSet[]> {
  const layout = await listArchive(dir);
  const sets: LogSet[] = [];
  for (const b of layout.bundles) {
    b.files.forEach((f, idx) => {
      const gap = layout.gapsBefore.get(f.path);
      sets.push({
        key: resolve(f.path),
        bundleId: b.bundleId,
        files: [{ path: f.path, name: f.name, active: idx === b.files.length - 1 }],
        ...(gap ? { gapsBefore: new Map([[f.path, gap]]) } : {}),
      });
    });
  }
  return sets;
}

interface Opened {
  fh: FileHandle;
  file: CurrentFile;
}

async function* readSet(set: LogSet, st: ReadState): AsyncGenerator<RawLine[]> {
  // Open every file of the set first: on POSIX a handle follows its file through a rename, so a
  // rotation during this read cannot make us read one file twice or skip one.
  const opened: Opened[] = [];
  let incomplete = false;
  try {
    for (const f of set.files) {
      let fh: FileHandle | undefined;
      try {
        fh = await open(f.path, 'r');
        const { head, size } = await readHead(fh);
        opened.push({ fh, file: { path: f.path, name: f.name, size, head, active: f.active } });
      } catch (err) {
        await fh?.close().catch(() => undefined);
        incomplete = true;
        st.unreadable(f.path, fileProblem(err, st.listed), err);
      }
    }
    if (set.missing) {
      const short = (name: string) => name.slice(name.lastIndexOf('.log'));
      const there = set.files.map((f) => short(f.name));
      st.problems.push({
        path: join(dirname(set.key), set.missing[0]!),
        message: `${set.missing.map(short).join(', ')} missing from the rotation set (${there.join(', ')} ${there.length > 1 ? 'are' : 'is'} there): those lines are not in this report`,
      });
    }
    const prev = st.opts.bookmarks?.sets[set.key]?.files;
    const plan = planSet(opened.map((o) => o.file), prev, incomplete);
    for (const g of plan.gaps) st.gaps.push({ file: join(dirname(set.key), g.file), bytes: g.bytes, ...(g.atLeast ? { atLeast: true } : {}), reason: g.reason });
    const entries: BookmarkEntry[] = incomplete ? [...plan.unmatched] : [];
    for (const r of plan.reads) {
      const o = opened.find((x) => x.file === r.file)!;
      // An archive gap sits before a segment's first byte: reported the first time the segment is seen.
      const gapBefore = r.from === 0 && prev === undefined ? set.gapsBefore?.get(r.file.path) : undefined;
      if (gapBefore) st.gaps.push({ file: r.file.path, bytes: gapBefore.bytes, reason: gapBefore.reason });
      const reader = readFile(o, r.from, r.lineNo, set.bundleId, st);
      let done: FileDone | undefined;
      try {
        for (;;) {
          const step = await reader.next();
          if (step.done) {
            done = step.value;
            break;
          }
          yield step.value;
        }
      } finally {
        await reader.return(undefined); // an early stop still waits for the read in flight
      }
      if (done) entries.push(entryAfterRead(r.file, done.offset, done.size, done.lineNo, done.lastTs ?? r.matched?.lastTs));
      else if (r.matched) entries.push(r.matched);
    }
    st.bookmarks.sets[set.key] = { files: entries };
  } finally {
    for (const o of opened) await o.fh.close().catch(() => undefined);
  }
}

function fileProblem(err: unknown, listed = true): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied; skipped (run as a user that may read it, e.g. the plex user)';
  if (code === 'ENOENT') return listed ? 'vanished before it could be read (rotated or deleted); skipped' : 'no such file; skipped';
  if (code === 'EISDIR') return 'is a folder, not a log file; skipped (pass it with --logs)';
  return `cannot be read (${code ?? (err as Error).message}); skipped`;
}

interface FileDone {
  offset: number;
  size: number;
  lineNo: number;
  lastTs?: string;
}

/** Streams one open file from `from`; returns where it stopped (undefined when skipped as binary). */
async function* readFile(o: Opened, from: number, lineNo: number, bundleId: string | undefined, st: ReadState): AsyncGenerator<RawLine[], FileDone | undefined> {
  const { fh, file } = o;
  const split = new LineSplitter(file.path, bundleId, from, lineNo, st);
  let pos = from;
  let first = true;
  // Two buffers: the next read runs in the thread pool while this chunk is split and consumed.
  let [cur, next] = st.bufs;
  const readAt = (b: Buffer, at: number) =>
    fh.read(b, 0, CHUNK, at).then(
      (r) => r.bytesRead,
      (err: unknown) => {
        st.unreadable(file.path, fileProblem(err), err);
        return 0;
      },
    );
  let inFlight = readAt(cur, pos);
  try {
    for (;;) {
      const n = await inFlight;
      if (n === 0) break;
      if (first && from === 0 && looksBinary(cur.subarray(0, n))) {
        st.unreadable(file.path, binaryProblem(cur.subarray(0, Math.min(n, 4))));
        return undefined;
      }
      first = false;
      pos += n;
      inFlight = readAt(next, pos);
      const out: RawLine[] = [];
      split.push(cur, n, out);
      [cur, next] = [next, cur];
      if (out.length) yield out;
    }
  } finally {
    await inFlight; // never leave a read running into a buffer the next file uses
  }
  const out: RawLine[] = [];
  const offset = split.end(out, !file.active);
  if (out.length) yield out;
  st.stats.bytes += offset - from;
  st.sources.push({ path: file.path, fingerprint: fingerprintOf(file.head), size: Math.max(pos, file.size), fromOffset: from, toOffset: offset, lines: split.lineNo - lineNo });
  return { offset, size: pos, lineNo: split.lineNo, lastTs: split.lastTs };
}

async function* readStream(stream: NodeJS.ReadableStream, st: ReadState): AsyncGenerator<RawLine[]> {
  const split = new LineSplitter('-', undefined, 0, 0, st);
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    total += b.length;
    const out: RawLine[] = [];
    split.push(b, b.length, out);
    if (out.length) yield out;
  }
  const out: RawLine[] = [];
  split.end(out, true);
  if (out.length) yield out;
  if (total === 0) throw new InputError('standard input was empty', 'paste or pipe plug-in log lines, or pass --logs DIR');
  st.stats.bytes += total;
  st.sources.push({ path: '-', fingerprint: '', size: total, fromOffset: 0, toOffset: total, lines: split.lineNo });
}

/** Why a file that looks binary was skipped, naming the common look-alikes by their first bytes. */
function binaryProblem(magic: Buffer): string {
  const is = (...bytes: number[]) => bytes.every((b, k) => magic[k] === b);
  if (is(0xff, 0xfe) || is(0xfe, 0xff))
    return 'is UTF-16 text (saved as "Unicode" by a Windows editor?), not a plug-in log as Plex writes it; skipped (save it as UTF-8, or copy the original file)';
  if (is(0x1f, 0x8b)) return 'is gzip-compressed; skipped (unpack it first, e.g. gunzip)';
  if (is(0x50, 0x4b, 0x03, 0x04)) return 'is a zip archive; skipped (unpack it first)';
  return 'looks like a binary file, not a plug-in log; skipped';
}

/** Mostly control bytes or invalid UTF-8 in the first 8 KiB, and no framework timestamp: not a log. */
export function looksBinary(sample: Buffer): boolean {
  const s = sample.subarray(0, 8192);
  if (s.length === 0) return false;
  if (/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(s.toString('latin1'))) return false;
  let bad = 0;
  for (let k = 0; k < s.length; k++) {
    const b = s[k];
    if (b < 9 || (b > 13 && b < 32 && b !== 27)) bad++;
  }
  if (!isUtf8(s)) bad += countReplacements(s.toString('utf8'));
  return bad / s.length > 0.1;
}
