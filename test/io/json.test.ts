import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { jsonPieces } from '../../src/io/json.ts';
import { batches, jsonDocument, writeFileAtomic, writeJsonAtomic, writePieces } from '../../src/io/atomic.ts';

const doc = {
  schema: 'plexmend.aggregate/1',
  empty: {},
  none: [],
  skipped: undefined,
  fn: () => 1,
  when: new Date('2026-11-24T08:00:00Z'),
  nested: { a: [1, 'two', null, { b: [] }], c: { d: { e: { f: 'deep "quoted" \n text' } } } },
  holes: [undefined, () => 0, 3],
  items: Array.from({ length: 50 }, (_, i) => ({ title: `Señor “${i}”`, reasons: [{ class: 'http_error', status: 429 }], year: i % 3 ? 2005 : undefined })),
  n: -0.5e-7,
  unicode: '\u2028 ❌ \ud83d\ude00',
};

test('jsonPieces: the same text as JSON.stringify(value, null, 2), at every depth', () => {
  for (const depth of [0, 1, 2, 3, 8]) assert.equal([...jsonPieces(doc, depth)].join(''), JSON.stringify(doc, null, 2), `depth ${depth}`);
  for (const v of [null, 1, 'x', [], {}, [[]], [{}], { a: {} }]) assert.equal([...jsonPieces(v)].join(''), JSON.stringify(v, null, 2));
});

test('jsonPieces: a big array comes out a few hundred elements at a time, never as one string', () => {
  const items = Array.from({ length: 2000 }, (_, i) => ({ title: `t${i}`, reasons: [{ n: i }], skip: undefined }));
  const value = { head: { x: [1, [2, [3]]] }, items, tail: [undefined, 1] };
  const pieces = [...jsonPieces(value)];
  assert.equal(pieces.join(''), JSON.stringify(value, null, 2));
  const biggest = Math.max(...pieces.map((p) => p.length));
  assert.ok(pieces.length >= 8 && biggest < JSON.stringify(value, null, 2).length / 5, `${pieces.length} pieces, the biggest ${biggest} characters`);
  for (const depth of [1, 3, 5]) assert.equal([...jsonPieces(value, depth)].join(''), JSON.stringify(value, null, 2), `depth ${depth}`);
});

test('batches: joins pieces into strings of about the asked size, nothing lost', () => {
  const parts = Array.from({ length: 1000 }, (_, i) => `piece ${i};`);
  const out = [...batches(parts, 100)];
  assert.equal(out.join(''), parts.join(''));
  assert.ok(out.length > 50 && out.every((b) => b.length < 100 + 12));
});

test('writeFileAtomic / writeJsonAtomic: pieces give the same file as the whole text (folder with a space)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend json Application Support '));
  try {
    await writeJsonAtomic(join(dir, 'a.json'), doc);
    assert.equal(await readFile(join(dir, 'a.json'), 'utf8'), JSON.stringify(doc, null, 2) + '\n');
    await writeFileAtomic(join(dir, 'b.json'), batches(jsonDocument(doc), 64));
    assert.equal(await readFile(join(dir, 'b.json'), 'utf8'), JSON.stringify(doc, null, 2) + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writePieces: waits for a slow reader and delivers everything; a stream error rejects instead of hanging', async () => {
  const slow = new PassThrough({ highWaterMark: 16 });
  const got: Buffer[] = [];
  const reading = (async () => {
    for await (const c of slow) {
      got.push(c as Buffer);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  await writePieces(slow, batches(jsonDocument(doc), 256));
  slow.end();
  await reading;
  assert.equal(Buffer.concat(got).toString('utf8'), JSON.stringify(doc, null, 2) + '\n');

  const broken = new PassThrough({ highWaterMark: 4 });
  const writing = writePieces(broken, ['0123456789', 'more']);
  broken.destroy(new Error('EPIPE: reader went away'));
  await assert.rejects(writing, /EPIPE/);
});
