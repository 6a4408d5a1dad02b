/**
 * The seam between reading log bytes (read.ts: files, rotation, fingerprints, bookmarks, stdin, the
 * watch archive) and understanding them (grammar, pgma, classify, operations, aggregate).
 */

/** Where log lines come from. */
export type LogInput =
  | { kind: 'folder'; dir: string }
  | { kind: 'files'; paths: string[] }
  | { kind: 'stdin'; stream: NodeJS.ReadableStream }
  | { kind: 'archive'; dir: string };

/** One physical line of a log file, decoded as UTF-8 with replacement, line ending removed. */
export interface RawLine {
  /** Path of the file it came from (`-` for standard input). */
  source: string;
  /** Bundle id taken from the file name (`com.plexapp.agents.GEVI` from `com.plexapp.agents.GEVI.log.2`). */
  bundleId?: string;
  /** 1-based line number in that file. */
  lineNo: number;
  /** Byte offset of the line's start in that file. */
  offset: number;
  text: string;
  /** True when the line was longer than the reader's limit and `text` holds only its head. */
  truncated?: boolean;
}
