/**
 * The test's log window: only the lines written since the test began. A bookmark at the end of every
 * plug-in log is taken first; each read returns what was written since the previous one (also across
 * the rotations a plug-in restart causes), and says so when bytes were rotated away unread (a gap).
 */
import { aggregate, memoryTemplateStore } from '../logs/index.ts';
import { bookmarkLogEnd, readLogLines } from '../logs/read.ts';
import type { BookmarkDoc } from '../logs/bookmarks.ts';
import type { LogInput } from '../logs/input.ts';
import type { Gap, LogReport } from '../logs/schema.ts';
import { readdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface LogWindowPort {
  /** Bookmarks at the current end of the logs. */
  mark(): Promise<BookmarkDoc>;
  /** A report of the lines written after `from`, and the bookmarks at its end. */
  since(from: BookmarkDoc): Promise<{ report: LogReport; next: BookmarkDoc }>;
}

/** The window over a plug-in log folder (or the watch archive). */
export function folderWindow(input: Exclude<LogInput, { kind: 'stdin' }>, knownTokens: string[] = []): LogWindowPort {
  const templates = memoryTemplateStore();
  return {
    mark: () => bookmarkLogEnd(input),
    async since(from) {
      let next = from;
      const report = await aggregate(input, { read: readLogLines, templates }, { read: { bookmarks: from }, knownTokens, onRead: (r) => (next = r.bookmarks) });
      if (input.kind === 'folder') report.gaps.push(...(await vanishedSets(from, report.gaps)));
      return { report, next };
    },
  };
}

/**
 * A log whose every file is gone (deleted, or rotated through all names while nobody read it, with the new
 * files not yet written) is not listed by the reader at all, so it reports no gap for it. The window does:
 * a bookmarked live file whose whole set vanished lost an unknown number of bytes (reported as 0 bytes,
 * "unknown", like the reader's own gaps of unknown size).
 */
async function vanishedSets(from: BookmarkDoc, known: Gap[]): Promise<Gap[]> {
  const out: Gap[] = [];
  const listings = new Map<string, Promise<string[]>>();
  const list = (dir: string) => listings.get(dir) ?? listings.set(dir, readdir(dir).catch(() => [] as string[])).get(dir)!;
  for (const [key, set] of Object.entries(from.sets)) {
    const live = set.files.find((f) => f.active);
    if (!live || known.some((g) => g.file.startsWith(key))) continue;
    // Any file of the set (`X.log`, `X.log.N`, `X.log.old`), as the reader groups them.
    const base = basename(key);
    const names = await list(dirname(key));
    if (names.some((n) => n === base || n.startsWith(`${base}.log`))) continue;
    out.push({
      file: `${key}.log`,
      bytes: 0,
      reason: `${basename(key)}.log and all its rotations vanished before the rest was read: what was written after ${live.lastTs ?? 'the last read'} is lost, an unknown number of bytes`,
    });
  }
  return out;
}
