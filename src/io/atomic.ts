/**
 * plexmend's own files are written atomically: write a temporary file beside the target, fsync it,
 * rename it over the target, fsync the folder. A crash leaves either the old or the new file, never
 * half of one. (Bundle files are not written here: they keep their mode and owner, see implement/.)
 */
import { rmSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { jsonPieces } from './json.ts';

/**
 * Writes `data` atomically. Pieces (an iterable of strings, e.g. `jsonPieces`) are written in batches of
 * about 1 MiB, so a big document is never held whole.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<string>): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  inFlight.add(tmp);
  try {
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await writeAll(fh, data);
      else for (const batch of batches(data)) await writeAll(fh, batch);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    // A full disk, a file-size limit, a failed rename: the target keeps its old content, no temporary stays.
    await rm(tmp, { force: true });
    throw err;
  } finally {
    inFlight.delete(tmp);
  }
  await syncDir(dir);
}

/** Writes all of `data`: a write may take fewer bytes than given (a nearly full disk, a file-size limit). */
async function writeAll(fh: FileHandle, data: string | Uint8Array): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let at = 0; at < buf.length;) {
    const { bytesWritten } = await fh.write(buf, at, buf.length - at);
    if (bytesWritten <= 0) throw Object.assign(new Error(`no space to write ${buf.length - at} more bytes`), { code: 'ENOSPC' });
    at += bytesWritten;
  }
}

/** Temporary files being written: removed when the process exits mid-write (Ctrl-C, process.exit). */
const inFlight = new Set<string>();
process.once('exit', () => {
  for (const tmp of inFlight) rmSync(tmp, { force: true });
});

/** Writes a JSON document atomically (two-space indent, trailing newline), in pieces. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, jsonDocument(value));
}

/** `JSON.stringify(value, null, 2) + '\n'` in pieces (see io/json.ts). */
export function* jsonDocument(value: unknown): Generator<string> {
  yield* jsonPieces(value);
  yield '\n';
}

/** Writes a string or pieces to a stream (standard output), waiting whenever the stream asks to. */
export async function writePieces(out: NodeJS.WritableStream, data: string | Iterable<string>): Promise<void> {
  for (const batch of typeof data === 'string' ? [data] : batches(data)) {
    if (out.write(batch)) continue;
    await new Promise<void>((res, rej) => {
      const drained = () => (out.off('error', failed), res());
      const failed = (err: Error) => (out.off('drain', drained), rej(err));
      out.once('drain', drained).once('error', failed);
    });
  }
}

/** Joins pieces into strings of about `size` characters. */
export function* batches(pieces: Iterable<string>, size = 1 << 20): Generator<string> {
  let parts: string[] = [];
  let n = 0;
  for (const p of pieces) {
    parts.push(p);
    n += p.length;
    if (n >= size) {
      yield parts.join('');
      parts = [];
      n = 0;
    }
  }
  if (n > 0) yield parts.join('');
}

async function syncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename durable on Linux; Windows cannot open folders, which is fine.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* not supported on this platform */
  }
}
