/**
 * Read positions of plug-in log files (`plexmend.bookmarks/1`), so a later read returns only the bytes
 * written since — also across rotations in between — and says so when bytes were rotated away unread.
 *
 * A "set" is one log and its rotations (`<folder>/com.plexapp.agents.GEVI` covers `…GEVI.log` and
 * `…GEVI.log.1` … `.5`); each file read is remembered by fingerprint (see fingerprint.ts), size and the
 * offset read up to. Planning a read matches the files now present against those entries: a match
 * resumes at its offset wherever the file now sits in the rotation, a file matching nothing is new and
 * is read whole, and an entry matching nothing whose bytes were not all read is a gap.
 */
import { z } from 'zod';
import { defineDocument, readDocument, writeDocument } from '../documents.ts';
import { sameFile, fingerprintOf } from './fingerprint.ts';

const count = z.number().int().nonnegative();

/** What is remembered of one file. */
export const bookmarkEntrySchema = z.object({
  /** File name when it was read (`com.plexapp.agents.GEVI.log`); informative, matching uses the fingerprint. */
  name: z.string(),
  /** sha256 hex of the first `fpBytes` bytes. */
  fingerprint: z.string(),
  fpBytes: count,
  /** Size of the file when it was read. */
  size: count,
  /** Bytes read up to (the end of the last complete line). */
  offset: count,
  /** Lines before `offset`, so line numbers continue. */
  lineNo: count,
  /** True for the live file (`X.log`) that the framework was still writing. */
  active: z.boolean(),
  /** Timestamp of the last line read, when it had one (for gap messages). */
  lastTs: z.string().optional(),
});
/** One remembered file. */
export type BookmarkEntry = z.infer<typeof bookmarkEntrySchema>;

/** The bookmark document: every set read, each with the files it had. */
export const bookmarkDocSchema = z.object({
  schema: z.literal('plexmend.bookmarks/1'),
  updatedAt: z.string(),
  /** Per set key (absolute folder + log base name, or an archive file path): the files read. */
  sets: z.record(z.string(), z.object({ files: z.array(bookmarkEntrySchema) })),
});
/** `plexmend.bookmarks/1`, stored at `paths.bookmarks(ws)`. */
export type BookmarkDoc = z.infer<typeof bookmarkDocSchema>;

/** The versioned document type (readDocument/writeDocument). */
export const BookmarksDocument = defineDocument('plexmend.bookmarks/1', bookmarkDocSchema);

/** A bookmark document that remembers nothing (the first read reads everything). */
export function emptyBookmarks(now: Date = new Date()): BookmarkDoc {
  return { schema: 'plexmend.bookmarks/1', updatedAt: now.toISOString(), sets: {} };
}

/** Loads bookmarks; a missing file is an empty document. @throws InputError/SchemaMismatchError on a bad file. */
export async function loadBookmarks(path: string): Promise<BookmarkDoc> {
  try {
    return await readDocument(BookmarksDocument, path);
  } catch (err) {
    const code = ((err as { cause?: NodeJS.ErrnoException }).cause)?.code;
    if (code === 'ENOENT') return emptyBookmarks();
    throw err;
  }
}

/** Writes bookmarks atomically. */
export async function saveBookmarks(path: string, doc: BookmarkDoc): Promise<void> {
  await writeDocument(BookmarksDocument, path, doc);
}

/** A file of a set as found now, oldest first. */
export interface CurrentFile {
  path: string;
  name: string;
  size: number;
  /** First min(size, 4 KiB) bytes. */
  head: Buffer;
  /** The live file the framework appends to (`X.log`, or the newest archive file). */
  active: boolean;
}

/** Where to start reading one file. */
export interface PlannedRead {
  file: CurrentFile;
  from: number;
  /** Lines before `from`. */
  lineNo: number;
  /** The entry this file was recognised by, if any. */
  matched?: BookmarkEntry;
}

/** Bytes lost before they were read. `bytes` is what is known to be lost (a lower bound when `atLeast`). */
export interface PlannedGap {
  file: string;
  bytes: number;
  atLeast: boolean;
  reason: string;
}

/**
 * Plans the reads of one set. `entries` undefined = never read: everything is read from 0.
 * `incomplete` = some file of the set could not be opened; entries that match nothing are then not
 * called gaps (the file may be the unreadable one).
 */
export function planSet(
  files: CurrentFile[],
  entries: BookmarkEntry[] | undefined,
  incomplete = false,
): { reads: PlannedRead[]; gaps: PlannedGap[]; unmatched: BookmarkEntry[] } {
  if (!entries) return { reads: files.map((file) => ({ file, from: 0, lineNo: 0 })), gaps: [], unmatched: [] };
  const left = [...entries];
  const reads: PlannedRead[] = [];
  for (const file of files) {
    const i = left.findIndex((e) => e.offset <= file.size && sameFile(file.head, e.fingerprint, e.fpBytes));
    if (i >= 0) {
      const [e] = left.splice(i, 1);
      reads.push({ file, from: e.offset, lineNo: e.lineNo, matched: e });
    } else {
      reads.push({ file, from: 0, lineNo: 0 });
    }
  }
  const gaps: PlannedGap[] = [];
  if (!incomplete) {
    const oldestNew = reads.find((r) => !r.matched && r.file.size > 0);
    for (const e of left) {
      if (e.fpBytes === 0) continue; // an empty file: nothing was there to lose
      if (!e.active && e.offset >= e.size) continue; // read whole before it rotated away: nothing lost
      const known = Math.max(0, e.size - e.offset);
      const sameName = files.find((f) => f.name === e.name);
      const rotated = reads.some((r) => r.matched && r.matched.name !== r.file.name);
      const inPlace = !rotated && sameName !== undefined && reads.every((r) => r.matched || r.file === sameName);
      const how = inPlace
        ? `was truncated or recreated in place (now ${sameName.size} bytes, had been read to byte ${e.offset})`
        : rotated
          ? 'was rotated away (fell off the end of the rotation) before the rest was read'
          : 'was rotated away or recreated before the rest was read';
      const window = [e.lastTs && `after ${e.lastTs}`, oldestNew && firstTs(oldestNew.file.head) && `before ${firstTs(oldestNew.file.head)}`]
        .filter(Boolean)
        .join(', ');
      gaps.push({
        file: e.name,
        bytes: known,
        atLeast: e.active,
        reason:
          `${e.name} ${how}: ` +
          (!e.active
            ? `${known} bytes unread`
            : known > 0
              ? `at least ${known} bytes unread, more if the file grew or further files rotated through before this read`
              : 'what was written to it after the last read is lost, an unknown number of bytes (and any files that rotated through after it)') +
          (window ? ` (lines ${window})` : ''),
      });
    }
  }
  if (!incomplete) {
    const gap = emptyLiveGap(files, entries, reads);
    if (gap) gaps.push(gap);
  }
  return { reads, gaps, unmatched: left };
}

/** Python's RotatingFileHandler as Plex configures it: `X.log.5` is the last name before a file is deleted. */
const OLDEST_SLOT = 5;

/**
 * The live file was empty at the last read (just rotated, or new): its fingerprint is empty and matches any
 * file, so nothing proves the files read now follow on from what was read then. When no file matched an
 * entry with content and the set's oldest slot holds content, files may have rotated out unread: a gap of an
 * unknown size. (It can be a false alarm after exactly five rotations; never a silent loss.)
 */
function emptyLiveGap(files: CurrentFile[], entries: BookmarkEntry[], reads: PlannedRead[]): PlannedGap | null {
  const live = entries.find((e) => e.active && e.fpBytes === 0);
  if (!live) return null;
  const continuity = reads.some((r) => r.matched && r.matched.fpBytes > 0);
  // Only content in the oldest slot can have pushed earlier content out (empty files rotating through lose nothing).
  const full = files.some((f) => f.size > 0 && Number(/\.log\.(\d+)$/.exec(f.name)?.[1] ?? 0) >= OLDEST_SLOT);
  if (continuity || !full) return null;
  return {
    file: live.name,
    bytes: 0,
    atLeast: true,
    reason: `${live.name} was empty at the last read${live.lastTs ? ` (after ${live.lastTs})` : ''} and the set has rotated through all its files since: ` +
      'lines written in between may have rotated away unread, an unknown number of bytes',
  };
}

const TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}/;

/** The framework timestamp at the start of a buffer, if any. */
export function firstTs(head: Uint8Array): string | undefined {
  const m = TS.exec(Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 23)).toString('latin1'));
  return m?.[0];
}

/** The timestamp a line starts with, if it is a framework line. */
export function lineTs(text: string): string | undefined {
  return TS.exec(text)?.[0];
}

/** The entry to remember after reading `file` up to `offset`. */
export function entryAfterRead(file: CurrentFile, offset: number, size: number, lineNo: number, lastTs?: string): BookmarkEntry {
  return {
    name: file.name,
    fingerprint: fingerprintOf(file.head),
    fpBytes: file.head.length,
    size: Math.max(size, offset),
    offset,
    lineNo,
    active: file.active,
    ...(lastTs ? { lastTs } : {}),
  };
}
