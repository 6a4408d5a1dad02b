/**
 * The in-memory adapter of the ImplementFs port: a POSIX-style tree (absolute `/` paths) of files with
 * bytes, mode, owner and mtime. For tests and dry rehearsals of other phases (the loop can run Phase 3
 * without a disk). Symlinks are not modelled (realpath is the normalised path); the real adapter and the
 * temp-dir tests cover them.
 */
import { posix } from 'node:path';
import type { FileInfo, ImplementFs } from './files.ts';

interface MemFile {
  data: Buffer;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
}

const enoent = (path: string) => Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: 'ENOENT' });

export interface MemFs extends ImplementFs {
  /** Seeds or inspects the tree (tests). */
  files: Map<string, MemFile>;
  /** mtime of a file (what a fake Plex watches on Info.plist). */
  mtime(path: string): number | undefined;
}

/** A new, empty in-memory file system; `seed` maps absolute paths to contents. */
export function memoryFs(seed: Record<string, string | Uint8Array> = {}, owner = { uid: 1000, gid: 1000 }): MemFs {
  const files = new Map<string, MemFile>();
  const dirs = new Set<string>(['/']);
  const norm = (p: string) => posix.resolve('/', p);
  const mkdirp = (dir: string) => {
    for (let d = norm(dir); !dirs.has(d); d = posix.dirname(d)) dirs.add(d);
  };
  const put = (path: string, data: Uint8Array, mode = 0o644) => {
    const p = norm(path);
    mkdirp(posix.dirname(p));
    const prev = files.get(p);
    files.set(p, { data: Buffer.from(data), mode: prev?.mode ?? mode, uid: prev?.uid ?? owner.uid, gid: prev?.gid ?? owner.gid, mtimeMs: Date.now() });
  };
  for (const [p, c] of Object.entries(seed)) put(p, typeof c === 'string' ? Buffer.from(c) : c);
  const fs: MemFs = {
    files,
    mtime: (p) => files.get(norm(p))?.mtimeMs,
    async read(path) {
      const f = files.get(norm(path));
      if (!f) throw enoent(path);
      return Buffer.from(f.data);
    },
    async tryRead(path) {
      const f = files.get(norm(path));
      return f ? Buffer.from(f.data) : undefined;
    },
    async info(path): Promise<FileInfo | undefined> {
      const p = norm(path);
      const f = files.get(p);
      if (f) return { kind: 'file', mode: f.mode, uid: f.uid, gid: f.gid, size: f.data.length };
      if (dirs.has(p)) return { kind: 'dir', mode: 0o755, uid: owner.uid, gid: owner.gid, size: 0 };
      return undefined;
    },
    async realpath(path) {
      const p = norm(path);
      if (!files.has(p) && !dirs.has(p)) throw enoent(path);
      return p;
    },
    async writeInPlace(path, data, midway) {
      const f = files.get(norm(path));
      if (!f) throw enoent(path);
      if (midway) {
        f.data = Buffer.from(data.subarray(0, Math.floor(data.length / 2)));
        midway();
      }
      f.data = Buffer.from(data);
      f.mtimeMs = Date.now();
    },
    async create(path, data, mode) {
      if (files.has(norm(path))) throw Object.assign(new Error(`EEXIST: '${path}'`), { code: 'EEXIST' });
      put(path, data, mode);
    },
    async remove(path) {
      files.delete(norm(path));
    },
    async removeTree(path) {
      const p = norm(path);
      for (const k of [...files.keys()]) if (k === p || k.startsWith(p + '/')) files.delete(k);
      for (const d of [...dirs]) if (d === p || d.startsWith(p + '/')) dirs.delete(d);
    },
    async touch(path, when) {
      const f = files.get(norm(path));
      if (!f) throw enoent(path);
      f.mtimeMs = when.getTime();
    },
    async list(dir) {
      const d = norm(dir);
      const out = new Map<string, FileInfo['kind']>();
      const prefix = d === '/' ? '/' : d + '/';
      for (const k of files.keys()) if (k.startsWith(prefix)) {
        const rest = k.slice(prefix.length).split('/');
        out.set(rest[0]!, rest.length === 1 ? 'file' : 'dir');
      }
      for (const k of dirs) if (k.startsWith(prefix) && k !== d) out.set(k.slice(prefix.length).split('/')[0]!, 'dir');
      return [...out].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, kind]) => ({ name, kind }));
    },
    async writeOwn(path, data) {
      put(path, typeof data === 'string' ? Buffer.from(data) : data);
    },
    async mkdirp(path) {
      mkdirp(path);
    },
  };
  return fs;
}
