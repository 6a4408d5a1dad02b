/**
 * The test's log window: only the lines written since the test began. A bookmark at the end of every
 * plug-in log is taken first; each read returns what was written since the previous one (also across
 * the rotations a plug-in restart causes), and says so when bytes were rotated away unread (a gap).
 */
import { aggregate, memoryTemplateStore } from '../logs/index.ts';
import { bookmarkLogEnd, readLogLines } from '../logs/read.ts';
import type { BookmarkDoc } from '../logs/bookmarks.ts';
import type { LogInput } from '../logs/input.ts';
import type { LogReport } from '../logs/schema.ts';

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
      return { report, next };
    },
  };
}
