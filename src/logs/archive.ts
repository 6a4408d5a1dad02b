/**
 * The watch archive: a durable, append-only copy of the plug-in logs. A plug-in log folder holds only
 * about 6 MiB per agent and the framework rotates at every plug-in start (reference §3.1), so without
 * it the loop would rotate its own baseline away.
 *
 * Layout (inside `paths.archiveDir(ws)`):
 * - `<bundle id>/<YYYY-MM-DD>.log` — every byte of that bundle's log, once, in order, across rotations,
 *   in one file per day of archiving (UTC); after a gap a new segment `<YYYY-MM-DD>-s<N>.log` starts,
 *   so a gap always sits at the start of a file;
 * - `state.json` — `plexmend.archive/1`: the bookmarks of the plug-in log folder (where each source file
 *   was copied up to), the committed size of every archive file, and the gaps;
 * - `.watch.lock` — the pid of the running `plexmend watch`.
 * Copies are polled (no file-change events: they do not work on network shares) by watch.ts. This module
 * is the archive as a document and a layout: its state, and the files `aggregate --archive` reads.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { defineDocument, readDocument } from '../documents.ts';
import { InputError } from '../errors.ts';
import { bookmarkDocSchema, emptyBookmarks } from './bookmarks.ts';

const count = z.number().int().nonnegative();

/** Bytes lost before the archive saw them. */
export const archiveGapSchema = z.object({
  /** Archive file (relative to the archive folder, `/`-separated) whose first byte follows the gap. */
  file: z.string(),
  bundleId: z.string(),
  bytes: count,
  /** True when `bytes` is a lower bound (the lost file may have grown after it was last seen). */
  atLeast: z.boolean(),
  reason: z.string(),
  detectedAt: z.string(),
});
/** A recorded gap. */
export type ArchiveGap = z.infer<typeof archiveGapSchema>;

/** `log_archive/state.json`: the watch's whole memory (written atomically after every poll). */
export const archiveStateSchema = z.object({
  schema: z.literal('plexmend.archive/1'),
  updatedAt: z.string(),
  /** The plug-in log folder last archived. */
  logsDir: z.string().optional(),
  /** Where each source log file was copied up to. */
  sources: bookmarkDocSchema,
  /** Committed size of each archive file (relative path → bytes). */
  committed: z.record(z.string(), count),
  /** The archive file each bundle appends to now (relative path). */
  current: z.record(z.string(), z.string()),
  gaps: z.array(archiveGapSchema),
  /** Gaps seen while no new bytes were there to follow them yet, by bundle id. */
  pendingGaps: z.record(z.string(), z.array(archiveGapSchema.omit({ file: true }))),
});
/** The archive state. */
export type ArchiveState = z.infer<typeof archiveStateSchema>;
/** The versioned document type `plexmend.archive/1`. */
export const ArchiveStateDocument = defineDocument('plexmend.archive/1', archiveStateSchema);

/** An archive file: `<YYYY-MM-DD>.log` or, after a gap, `<YYYY-MM-DD>-s<N>.log`. */
export const ARCHIVE_FILE = /^(\d{4}-\d{2}-\d{2})(?:-s(\d+))?\.log$/;
/** The archive's state document. */
export const stateFile = (dir: string) => join(dir, 'state.json');
/** `path` relative to the archive, with `/` on every platform (as the state records it). */
export const rel = (dir: string, path: string) => relative(dir, path).split(sep).join('/');

/** A new, empty archive state. */
export function emptyArchiveState(now: Date): ArchiveState {
  return { schema: 'plexmend.archive/1', updatedAt: now.toISOString(), sources: emptyBookmarks(now), committed: {}, current: {}, gaps: [], pendingGaps: {} };
}

/** The archive's state; a folder without one is a new archive. */
export async function loadArchiveState(dir: string, now: Date): Promise<ArchiveState> {
  try {
    return await readDocument(ArchiveStateDocument, stateFile(dir));
  } catch (err) {
    if (((err as { cause?: NodeJS.ErrnoException }).cause)?.code === 'ENOENT') return emptyArchiveState(now);
    throw err;
  }
}

/** What the archive holds: per bundle its files in order, and the gaps before files. */
export interface ArchiveLayout {
  bundles: { bundleId: string; files: { path: string; name: string }[] }[];
  /** Absolute archive file path → the gap before its first byte. */
  gapsBefore: Map<string, { bytes: number; reason: string }>;
}

/**
 * Lists an archive for reading (`readLogLines({kind:'archive'})`): bundle folders by name, files by
 * day and segment. Only committed state is trusted for gaps.
 * @throws InputError when the folder is missing or holds no archive.
 */
export async function listArchive(dir: string): Promise<ArchiveLayout> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`no log archive at ${dir} (${code ?? 'error'})`, 'run plexmend watch first (it keeps the archive), or pass --logs DIR', err);
  }
  const state = await loadArchiveState(dir, new Date(0));
  const bundles: ArchiveLayout['bundles'] = [];
  for (const bundleId of names) {
    const files = (await readdir(join(dir, bundleId))).filter((n) => ARCHIVE_FILE.test(n)).sort(byDaySegment);
    if (files.length) bundles.push({ bundleId, files: files.map((name) => ({ path: join(dir, bundleId, name), name })) });
  }
  if (bundles.length === 0) throw new InputError(`the log archive at ${dir} is empty`, 'run plexmend watch first and let it poll at least once');
  const gapsBefore = new Map<string, { bytes: number; reason: string }>();
  for (const g of state.gaps) gapsBefore.set(join(dir, ...g.file.split('/')), { bytes: g.bytes, reason: g.reason });
  return { bundles, gapsBefore };
}

function byDaySegment(a: string, b: string): number {
  const ma = ARCHIVE_FILE.exec(a)!;
  const mb = ARCHIVE_FILE.exec(b)!;
  return ma[1].localeCompare(mb[1]) || Number(ma[2] ?? 1) - Number(mb[2] ?? 1);
}
