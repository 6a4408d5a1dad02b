/**
 * Log files are recognised by their first bytes, not by inode or name: Plex's plug-in framework rotates
 * `X.log` → `X.log.1` → … → `X.log.5` by renaming (Python's RotatingFileHandler), at 1 MiB and at every
 * plug-in start, and inodes mean nothing on SMB shares or Windows. A rotated file keeps its first bytes,
 * and the framework's first line carries a millisecond timestamp, so the head identifies the file.
 *
 * A file shorter than `FINGERPRINT_BYTES` is still growing: its fingerprint covers only the bytes it had
 * (`fpBytes`), and a later, longer file is the same file when its first `fpBytes` bytes hash the same.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** How many leading bytes identify a file (sha256 of up to the first 4 KiB). */
export const FINGERPRINT_BYTES = 4096;

/** The first bytes of a file and its size, read through one handle. */
export interface FileHead {
  /** The first min(size, FINGERPRINT_BYTES) bytes. */
  head: Buffer;
  size: number;
}

/** sha256 (hex) of the first `n` bytes of `head` (all of it by default). */
export function fingerprintOf(head: Uint8Array, n: number = head.length): string {
  return createHash('sha256').update(head.subarray(0, Math.min(n, head.length))).digest('hex');
}

/**
 * True when `head` starts with the bytes a stored fingerprint covered: the file is the one the
 * fingerprint was taken of (perhaps grown since, perhaps renamed by a rotation). An empty fingerprint
 * (`fpBytes` 0) identifies nothing and never matches.
 */
export function sameFile(head: Uint8Array, fingerprint: string, fpBytes: number): boolean {
  if (fpBytes <= 0 || head.length < fpBytes) return false;
  return fingerprintOf(head, fpBytes) === fingerprint;
}

/** Reads the head and size of an open file. */
export async function readHead(fh: FileHandle): Promise<FileHead> {
  const { size } = await fh.stat();
  const head = Buffer.alloc(Math.min(size, FINGERPRINT_BYTES));
  let got = 0;
  while (got < head.length) {
    const { bytesRead } = await fh.read(head, got, head.length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return { head: head.subarray(0, got), size };
}
