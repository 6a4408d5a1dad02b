/**
 * The backup store. Each fix gets `iteration_N/_BACKUPS/fixK_YYYYMMDD_HHMMSS/` (UTC time) holding a manifest
 * (`plexmend.backup/1`) and `files/<sha256>`: every touched file's bytes before AND after the change, stored
 * by content, so 21 identical copies of PGMA's utils.py cost one object. Before the first change of a run the
 * whole Plug-ins folder is snapshotted into `_BACKUPS/snapshots/` (objects shared by all snapshots of the
 * iteration, so a repeated snapshot only writes what changed).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import { BackupCorruptError } from './errors.ts';
import { readDoc, sha256, walkFiles, writeDoc, type ImplementFs } from './files.ts';

/** Content-addressed object folder: `<dir>/<sha256>`. */
export class ObjectStore {
  constructor(readonly dir: string, private readonly fs: ImplementFs) {}

  /** Stores bytes (no-op when an object with that hash is already there) and returns their sha256. */
  async put(data: Uint8Array): Promise<string> {
    const sha = sha256(data);
    const path = join(this.dir, sha);
    const have = await this.fs.tryRead(path);
    if (!have || sha256(have) !== sha) await this.fs.writeOwn(path, data); // absent or damaged: (re)write
    return sha;
  }

  /** The bytes of an object, verified against their hash. Throws BackupCorruptError. */
  async get(sha: string): Promise<Buffer> {
    const data = await this.fs.tryRead(join(this.dir, sha));
    if (!data || sha256(data) !== sha) throw new BackupCorruptError(`object ${sha.slice(0, 12)}… in ${this.dir}`);
    return data;
  }
}

export const BackupFileSchema = z.object({
  /** Path relative to the Plug-ins folder. */
  rel: z.string(),
  /** sha256 before the change; null = the file did not exist. */
  beforeSha: z.string().nullable(),
  /** sha256 after the change; null = the file is removed. */
  afterSha: z.string().nullable(),
  /** Permission bits and owner before the change (restored with the bytes). */
  mode: z.number().int(),
  uid: z.number().int(),
  gid: z.number().int(),
  sharedGroup: z.string().optional(),
});
export type BackupFile = z.infer<typeof BackupFileSchema>;

export const BackupManifestDocument = defineDocument(
  'plexmend.backup/1',
  z.object({
    schema: z.literal('plexmend.backup/1'),
    fixId: z.string(),
    iteration: z.number().int(),
    createdAt: z.string(),
    pluginsDir: z.string(),
    title: z.string(),
    files: z.array(BackupFileSchema),
  }),
);
export type BackupManifest = z.output<typeof BackupManifestDocument.schema>;

/** `20260206_073809` (UTC). */
export function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** A fresh, unused `fixK_YYYYMMDD_HHMMSS` folder under `backupsDir`. */
export async function newFixBackupDir(fs: ImplementFs, backupsDir: string, fixId: string, now: Date): Promise<string> {
  const base = join(backupsDir, `${fixId}_${stamp(now)}`);
  let dir = base;
  for (let i = 2; await fs.info(dir); i++) dir = `${base}_${i}`;
  await fs.mkdirp(join(dir, 'files'));
  return dir;
}

/** The object store of a fix's backup folder. */
export function fixObjects(fs: ImplementFs, backupDir: string): ObjectStore {
  return new ObjectStore(join(backupDir, 'files'), fs);
}

export const manifestPath = (backupDir: string) => join(backupDir, 'manifest.json');

export async function writeManifest(fs: ImplementFs, backupDir: string, m: BackupManifest): Promise<void> {
  await writeDoc(fs, BackupManifestDocument, manifestPath(backupDir), m);
}

export async function readManifest(fs: ImplementFs, backupDir: string): Promise<BackupManifest> {
  return readDoc(fs, BackupManifestDocument, manifestPath(backupDir));
}

export const SnapshotDocument = defineDocument(
  'plexmend.snapshot/1',
  z.object({
    schema: z.literal('plexmend.snapshot/1'),
    runId: z.string(),
    createdAt: z.string(),
    pluginsDir: z.string(),
    files: z.array(z.object({ rel: z.string(), sha: z.string(), mode: z.number().int(), size: z.number().int() })),
    /** Symlinks are listed, not followed. */
    symlinks: z.array(z.string()),
    /** Objects written by this snapshot (the rest were already stored). */
    newObjects: z.number().int(),
  }),
);
export type Snapshot = z.output<typeof SnapshotDocument.schema>;

/**
 * Snapshots the whole Plug-ins folder once per run (`runId`): returns the existing snapshot's path when
 * this run already made one.
 */
export async function snapshotPlugins(fs: ImplementFs, backupsDir: string, pluginsDir: string, runId: string, now: Date): Promise<{ path: string; snapshot: Snapshot; reused: boolean }> {
  const dir = join(backupsDir, 'snapshots');
  const path = join(dir, `snapshot_${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  if (await fs.info(path)) return { path, snapshot: await readDoc(fs, SnapshotDocument, path), reused: true };
  const store = new ObjectStore(join(dir, 'objects'), fs);
  const { files, symlinks } = await walkFiles(fs, pluginsDir);
  const out: Snapshot['files'] = new Array(files.length);
  let newObjects = 0;
  const seen = new Set<string>();
  // A small pool: reading and hashing thousands of library files one by one is slow on network shares.
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const rel = files[i]!;
      const abs = join(pluginsDir, ...rel.split('/'));
      const [data, info] = await Promise.all([fs.read(abs), fs.info(abs)]);
      const sha = sha256(data);
      if (!seen.has(sha)) {
        seen.add(sha);
        if (!(await fs.info(join(store.dir, sha)))) {
          await store.put(data);
          newObjects++;
        }
      }
      out[i] = { rel, sha, mode: info?.mode ?? 0o644, size: data.length };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const snapshot: Snapshot = { schema: 'plexmend.snapshot/1', runId, createdAt: now.toISOString(), pluginsDir, files: out, symlinks, newObjects };
  await writeDoc(fs, SnapshotDocument, path, snapshot);
  return { path, snapshot, reused: false };
}
