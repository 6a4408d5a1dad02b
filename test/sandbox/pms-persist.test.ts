import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { demoSetup, startPmsEmulator } from '../../src/sandbox/pms/index.ts';
import { tempDir } from './pms-helpers.ts';

test('the library database survives an emulator restart, like Plex keeps its own', async () => {
  const root = await tempDir();
  const stateFile = join(root, 'Plug-in Support', 'Databases', 'library.json');
  const json = (emu: { url: string; token: string }, path: string) =>
    fetch(emu.url + path, { headers: { 'X-Plex-Token': emu.token, Accept: 'application/json' } }).then((r) => r.json());
  const first = await startPmsEmulator({ ...demoSetup(), stateFile, plistPollMs: false, stepDelayMs: 1 });
  let before;
  try {
    await fetch(`${first.url}/library/metadata/101/refresh?X-Plex-Token=${first.token}`, { method: 'PUT' });
    await first.state.queue.idle();
    before = (await json(first, '/library/metadata/101')).MediaContainer.Metadata[0];
  } finally {
    await first.close();
  }
  const saved = JSON.parse(await readFile(stateFile, 'utf8'));
  assert.equal(saved.schema, 'plexmend.sandbox-library/1');
  assert.equal(saved.items['101'].contributions['com.plexapp.agents.SiteA'].studio, 'Studio A');

  // Started "later" (its clock 5 s ahead): only persisted values can make the item identical.
  const second = await startPmsEmulator({ ...demoSetup(), stateFile, plistPollMs: false, now: () => Date.now() + 5000 });
  try {
    const after = (await json(second, '/library/metadata/101')).MediaContainer.Metadata[0];
    assert.deepEqual(after, before);
    assert.equal((await json(second, '/library/metadata/102')).MediaContainer.Metadata[0].guid, 'local://102');
  } finally {
    await second.close();
  }

  await writeFile(stateFile, '{"schema":"plexmend.other/1"}');
  await assert.rejects(startPmsEmulator({ ...demoSetup(), stateFile, plistPollMs: false }), /plexmend\.other\/1.*expected "plexmend\.sandbox-library\/1"/);
  await rm(dirname(root), { recursive: true, force: true });
});

test('a library with a duplicate ratingKey or an unknown section is refused with a hint', async () => {
  const item = { ratingKey: '1', sectionId: 1, title: 'T', file: '/f.mp4' };
  const section = { id: 1, title: 'Films', agent: 'com.plexapp.agents.X', contributors: [], locations: ['/'] };
  await assert.rejects(startPmsEmulator({ library: { sections: [section], items: [item, item] }, plistPollMs: false }),
    (e: Error & { hint?: string }) => /ratingKey 1 appears twice/.test(e.message) && /scenario/.test(e.hint ?? ''));
  await assert.rejects(startPmsEmulator({ library: { sections: [], items: [item] }, plistPollMs: false }), /names section 1/);
});
