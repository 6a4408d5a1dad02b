import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clearRehearsalWorkspace, REHEARSAL_MARK } from '../../src/cli/start.ts';
import { UsageError } from '../../src/errors.ts';
import { tempPath } from '../builders/temp.ts';

const tmp = (t: { after(fn: () => Promise<void>): void }) => tempPath(t, 'plexmend start ', 'Application Support');

test('a rehearsal refuses a named workspace that holds anything but an earlier rehearsal, and deletes nothing', async (t) => {
  const ws = await tmp(t);
  await mkdir(join(ws, 'iteration_1', '_BACKUPS'), { recursive: true });
  await writeFile(join(ws, 'my-notes.txt'), 'precious');
  await writeFile(join(ws, 'iteration_1', '_BACKUPS', 'real-backup'), 'real');
  await assert.rejects(clearRehearsalWorkspace(ws, false), (e: unknown) => e instanceof UsageError && /not a sandbox rehearsal/.test(e.message));
  assert.equal(await readFile(join(ws, 'my-notes.txt'), 'utf8'), 'precious');
  assert.equal(await readFile(join(ws, 'iteration_1', '_BACKUPS', 'real-backup'), 'utf8'), 'real');
});

test('a new, empty or earlier-rehearsal workspace is emptied and marked; the default one always is', async (t) => {
  const ws = await tmp(t);
  await clearRehearsalWorkspace(ws, false); // missing
  assert.deepEqual(await readdir(ws), [REHEARSAL_MARK]);
  await writeFile(join(ws, 'loop_state.json'), '{}');
  await clearRehearsalWorkspace(ws, false); // marked by the previous rehearsal
  assert.deepEqual(await readdir(ws), [REHEARSAL_MARK]);
  const def = join(ws, '..', 'default workspace');
  await mkdir(def);
  await writeFile(join(def, 'old.json'), '{}');
  await clearRehearsalWorkspace(def, true);
  assert.deepEqual(await readdir(def), [REHEARSAL_MARK]);
});
