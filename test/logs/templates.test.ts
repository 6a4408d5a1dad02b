import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateMiner, memoryTemplateStore } from '../../src/logs/templates.ts';
import { fileTemplateStore } from '../../src/logs/templates-file.ts';
import { maskMessage } from '../../src/logs/mask.ts';
import { aggregateText, fw } from '../builders/lines.ts';
import { SchemaMismatchError } from '../../src/errors.ts';

const MESSAGES = [
  "Could not parse rating for 'Big Film' at https://x.example/film/123",
  "Could not parse rating for 'Hard Work' at https://x.example/film/456",
  'Worker 7 stalled after 30 seconds on /var/lib/plex/cache/abc',
  'Worker 12 stalled after 5 seconds on /tmp/other',
  'Database lock held by 0x7f3a9c01 for 1200 ms',
  'Database lock held by 0x1b2c3d4e for 3 ms',
  'Unexpected element div in results list',
  'Unexpected element span in results list',
];

function idsOf(order: string[]): Map<string, string> {
  const m = new TemplateMiner();
  const clusters = order.map((s) => m.add(maskMessage(s)));
  m.finalize();
  return new Map(order.map((s, i) => [s, clusters[i].id]));
}

test('masking: URLs, quoted titles, paths, hex ids, numbers', () => {
  assert.equal(maskMessage("Could not parse 'Big Film' at https://x.example/f/1?a=2 in /var/x/y.py line 12 id 7f3a9c01"),
    'Could not parse <Q> at <URL> in <PATH> line <NUM> id <HEX>');
  assert.equal(maskMessage('C:\\Plex\\Plug-ins\\x.py failed'), '<PATH> failed');
});

test('template ids are stable across input orders and across runs', () => {
  const a = idsOf(MESSAGES);
  const shuffled = [...MESSAGES].reverse();
  shuffled.push(shuffled.shift()!);
  const b = idsOf(shuffled);
  for (const s of MESSAGES) assert.equal(a.get(s), b.get(s), s);
  assert.equal(new Set(a.values()).size, 4, 'four templates');
  assert.ok([...a.values()].every((id) => /^t-[0-9a-f]{12}$/.test(id)));
});

test('persisted ids survive a later run in which the template generalises', async () => {
  const store = memoryTemplateStore();
  const m1 = new TemplateMiner({}, await store.load());
  const first = m1.add(maskMessage('Unexpected element div in results list'));
  await store.save(m1.state());
  const id = first.id;
  const m2 = new TemplateMiner({}, await store.load());
  const again = m2.add(maskMessage('Unexpected element table in results list'));
  assert.equal(again.id, id);
  assert.equal(again.tokens.join(' '), 'Unexpected element <*> in results list');
  const st = m2.state();
  assert.equal(st.templates.length, 1);
  assert.equal(st.templates[0].id, id);
  assert.equal(st.templates[0].count, 2);
});

test('settings are checked', () => {
  assert.throws(() => new TemplateMiner({ depth: 0 }), RangeError);
  assert.throws(() => new TemplateMiner({ threshold: 2 }), RangeError);
});

test('file adapter: missing file is empty state; round trip; another document kind is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  try {
    const path = join(dir, 'templates.json');
    const store = fileTemplateStore(path);
    assert.equal(await store.load(), null);
    const m = new TemplateMiner();
    m.add('a b c');
    await store.save(m.state());
    const back = await store.load();
    assert.equal(back?.templates.length, 1);
    await writeFile(path, JSON.stringify({ schema: 'plexmend.bookmarks/1' }));
    await assert.rejects(store.load(), SchemaMismatchError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('unknown ERROR lines become unknown_error patterns grouped by template, same pattern ids in any order', () => {
  const lines = MESSAGES.map((m, i) => fw(`2026-01-01 00:00:0${i},000`, 'a1', 'ERROR', 'x:1', m));
  const r1 = aggregateText(lines.join('\n'), { bundleId: 'com.plexapp.agents.Foo' });
  const r2 = aggregateText([...lines].reverse().join('\n'), { bundleId: 'com.plexapp.agents.Foo' });
  assert.equal(r1.patterns.length, 4);
  assert.ok(r1.patterns.every((p) => p.class === 'unknown_error' && p.count === 2 && p.example.templateId));
  assert.deepEqual(r1.patterns.map((p) => p.id).sort(), r2.patterns.map((p) => p.id).sort());
  const lock = r1.patterns.find((p) => p.template.startsWith('Database'));
  assert.equal(lock?.template, 'Database lock held by <HEX> for <NUM> ms');
});
