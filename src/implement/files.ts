/**
 * The file-system port of Phase 3 and its real adapter (the only file in implement/ that imports node:fs).
 *
 * Bundle files are written IN PLACE (open r+, truncate, write, fsync): the inode, mode, owner, ACLs and
 * extended attributes stay those Plex gave the file, which matters when plexmend runs as another user than
 * Plex (a rename-based write would leave the file owned by plexmend's user, and chown back needs privileges
 * plexmend never asks for). A torn write is possible in place; the write-ahead journal (journal.ts) records
 * every file before it is written and keeps its old bytes in the backup store, so recovery repairs it.
 */
import { createHash } from 'node:crypto';
import { chown, lstat, mkdir, open, readdir, readFile, realpath, rm, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import type { z } from 'zod';
import { parseDocument, type DocumentType } from '../documents.ts';
import { InputError } from '../errors.ts';
import { WriteAccessError } from './errors.ts';

export interface FileInfo {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

/** Everything implement/ does to files. Paths are absolute. */
export interface ImplementFs {
  read(path: string): Promise<Buffer>;
  /** `undefined` when the file does not exist. */
  tryRead(path: string): Promise<Buffer | undefined>;
  /** lstat; `undefined` when nothing is there. */
  info(path: string): Promise<FileInfo | undefined>;
  realpath(path: string): Promise<string>;
  /** Overwrites an existing file in place, keeping its inode, mode and owner. `midway` runs after half the bytes. */
  writeInPlace(path: string, data: Uint8Array, midway?: () => void): Promise<void>;
  /** Creates a new file (and its folders) with `mode`, owned like its folder when plexmend may chown. */
  create(path: string, data: Uint8Array, mode: number): Promise<void>;
  remove(path: string): Promise<void>;
  removeTree(path: string): Promise<void>;
  /** Sets access and modification time (the Info.plist touch). */
  touch(path: string, when: Date): Promise<void>;
  /** Names in a folder with their kind; empty when the folder does not exist. */
  list(dir: string): Promise<Array<{ name: string; kind: FileInfo['kind'] }>>;
  /** plexmend's own files (backups, manifests): atomic temp-write + rename. */
  writeOwn(path: string, data: string | Uint8Array): Promise<void>;
  mkdirp(path: string): Promise<void>;
}

/** Hex sha256 of some bytes. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function kindOf(s: import('node:fs').Stats): FileInfo['kind'] {
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  return 'other';
}

function accessError(path: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new WriteAccessError(path, code);
  throw err;
}

/** The real adapter over node:fs. */
export const nodeFs: ImplementFs = {
  read: (path) => readFile(path),
  async tryRead(path) {
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
  async info(path) {
    try {
      const s = await lstat(path);
      return { kind: kindOf(s), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    }
  },
  realpath: (path) => realpath(path),
  async writeInPlace(path, data, midway) {
    let fh;
    try {
      fh = await open(path, 'r+');
    } catch (err) {
      accessError(path, err);
    }
    try {
      await fh.truncate(0);
      const half = midway ? Math.floor(data.length / 2) : data.length;
      await fh.write(data, 0, half, 0);
      if (midway) {
        await fh.sync();
        midway();
        await fh.write(data, half, data.length - half, half);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  async create(path, data, mode) {
    const dir = dirname(path);
    try {
      await mkdir(dir, { recursive: true });
      const fh = await open(path, 'wx', mode);
      try {
        await fh.writeFile(data);
        await fh.chmod(mode);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      accessError(path, err);
    }
    // Owned like the folder it lands in, when the OS lets an unprivileged user do that (same user: a no-op).
    try {
      const d = await lstat(dir);
      await chown(path, d.uid, d.gid);
    } catch {
      /* not permitted: the file keeps plexmend's user; recorded by the caller through info() */
    }
  },
  async remove(path) {
    try {
      await rm(path, { force: true });
    } catch (err) {
      accessError(path, err);
    }
  },
  removeTree: (path) => rm(path, { recursive: true, force: true }),
  async touch(path, when) {
    try {
      await utimes(path, when, when);
    } catch (err) {
      accessError(path, err);
    }
  },
  async list(dir) {
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries.map((e) => ({
        name: e.name,
        kind: e.isSymbolicLink() ? 'symlink' : e.isFile() ? 'file' : e.isDirectory() ? 'dir' : 'other',
      }));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw err;
    }
  },
  writeOwn: (path, data) => writeFileAtomic(path, data),
  mkdirp: async (path) => {
    await mkdir(path, { recursive: true });
  },
};

/** Every regular file under `root`, as `/`-separated paths relative to it (symlinks reported apart, not followed). */
export async function walkFiles(fs: ImplementFs, root: string): Promise<{ files: string[]; symlinks: string[] }> {
  const files: string[] = [];
  const symlinks: string[] = [];
  async function go(rel: string): Promise<void> {
    for (const e of await fs.list(rel ? join(root, rel) : root)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.kind === 'dir') await go(r);
      else if (e.kind === 'file') files.push(r);
      else if (e.kind === 'symlink') symlinks.push(r);
    }
  }
  await go('');
  files.sort();
  symlinks.sort();
  return { files, symlinks };
}

/** Reads and validates a plexmend document through the port (InputError / SchemaMismatchError on bad input). */
export async function readDoc<S extends z.ZodType>(fs: ImplementFs, type: DocumentType<S>, path: string): Promise<z.output<S>> {
  const data = await fs.tryRead(path);
  if (!data) throw new InputError(`cannot read ${path} (ENOENT)`, 'check the path, or run the phase that writes it first');
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new InputError(`${path} is not JSON`, 'pass the .json document, not its text or Markdown rendering');
  }
  return parseDocument(type, value, path);
}

/** Validates and writes a plexmend document atomically through the port. */
export async function writeDoc<S extends z.ZodType>(fs: ImplementFs, type: DocumentType<S>, path: string, doc: z.input<S>): Promise<void> {
  const checked = type.schema.parse(doc);
  await fs.writeOwn(path, JSON.stringify(checked, null, 2) + '\n');
}
