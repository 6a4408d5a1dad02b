import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadState } from '../../src/loop/index.ts';
import { newState } from '../../src/loop/coordinator.ts';
import { LoopStateDocument } from '../../src/loop/schema.ts';
import { writeDocument, readDocument } from '../../src/documents.ts';
import { SchemaMismatchError, PlexmendError } from '../../src/errors.ts';
import { paths, workspaceAt } from '../../src/workspace.ts';

async function ws(t: { after(f: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return workspaceAt(join(dir, 'Application Support', 'plex_improvement'));
}

const state = (iteration: number, step: 'diagnose' | 'fixes' | 'done') => ({
  ...newState({ goal: 0.85, maxIterations: 10, seed: 1, target: 'sandbox' }, new Date('2026-11-24T03:00:00Z')),
  iteration,
  step,
});

test('--resume reads the newest iteration that holds a loop state', async (t) => {
  const w = await ws(t);
  assert.equal(await loadState(w), null);
  await writeDocument(LoopStateDocument, paths.loopState(w, 1), state(1, 'done'));
  await writeDocument(LoopStateDocument, paths.loopState(w, 2), state(2, 'fixes'));
  // The next iteration's aggregate is written before its state (the panel step): that folder holds no state yet.
  await mkdir(paths.iterationDir(w, 3), { recursive: true });
  await writeFile(paths.aggregateJson(w, 3), '{}');
  const s = await loadState(w);
  assert.equal(s?.iteration, 2);
  assert.equal(s?.step, 'fixes');
});

test('a saved state round-trips through its document (schema plexmend.loop/1)', async (t) => {
  const w = await ws(t);
  const s = state(1, 'diagnose');
  await writeDocument(LoopStateDocument, paths.loopState(w, 1), s);
  assert.deepEqual(await readDocument(LoopStateDocument, paths.loopState(w, 1)), s);
});

test('a damaged or foreign loop state is a clear error, not a stack trace', async (t) => {
  const w = await ws(t);
  await mkdir(paths.iterationDir(w, 1), { recursive: true });
  await writeFile(paths.loopState(w, 1), JSON.stringify({ schema: 'plexmend.loop/9', iteration: 1 }));
  await assert.rejects(loadState(w), (e: unknown) => e instanceof SchemaMismatchError);
  await writeFile(paths.loopState(w, 1), '{"schema": "plexmend.loop/1", "iter');
  await assert.rejects(loadState(w), (e: unknown) => e instanceof PlexmendError && /loop_state\.json/.test(e.message) && Boolean(e.hint));
});
