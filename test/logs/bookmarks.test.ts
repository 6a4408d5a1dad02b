import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, writeFile, rename, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLogLines, type ReadResult } from '../../src/logs/read.ts';
import { loadBookmarks, saveBookmarks, planSet, type BookmarkDoc, type CurrentFile } from '../../src/logs/bookmarks.ts';
import { fingerprintOf, sameFile, FINGERPRINT_BYTES } from '../../src/logs/fingerprint.ts';
import { SchemaMismatchError } from '../../src/errors.ts';
import { rollover } from '../builders/rotation.ts';
import { gapSize } from '../../src/report/aggregate-md.ts';

const ID = 'com.plexapp.agents.IAFD';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'plexmend bookmarks '));
  const dir = join(root, 'Application Support', 'PMS Plugin Logs');
  await mkdir(dir, { recursive: true });
  t.after(() => rm(root, { recursive: true, force: true }));
  return dir;
}

let seq = 0;
function lines(n: number, tag: string): string {
  let s = '';
  for (let k = 0; k < n; k++) {
    seq++;
    s += `2024-08-30 10:${String(Math.floor(seq / 60) % 60).padStart(2, '0')}:${String(seq % 60).padStart(2, '0')},${String(seq % 1000).padStart(3, '0')} (7f52) :  INFO (sandbox:19) - IAFD  - ${tag} ${k}\n`;
  }
  return s;
}

/** A plug-in start: the framework rolls the log over and writes its first line. */
function rotate(dir: string): Promise<void> {
  return rollover(join(dir, `${ID}.log`), lines(1, 'Starting framework core'));
}

async function read(dir: string, bookmarks?: BookmarkDoc): Promise<{ tags: string[]; result: ReadResult }> {
  const r = readLogLines({ kind: 'folder', dir }, { bookmarks });
  const tags: string[] = [];
  for await (const l of r.lines) tags.push(l.text.replace(/^.* - IAFD {2}- /, ''));
  return { tags, result: await r.done() };
}

test('bookmarks: 0 rotations — a later read returns only the lines appended since', async (t) => {
  const dir = await tempDir(t);
  const old = lines(3, 'old');
  await writeFile(join(dir, `${ID}.log`), old);
  const first = await read(dir);
  assert.deepEqual(first.tags, ['old 0', 'old 1', 'old 2']);
  const added = lines(2, 'new');
  await appendFile(join(dir, `${ID}.log`), added);
  const second = await read(dir, first.result.bookmarks);
  assert.deepEqual(second.tags, ['new 0', 'new 1']);
  assert.deepEqual(second.result.gaps, []);
  const src = second.result.sources[0];
  assert.equal(src.fromOffset, Buffer.byteLength(old));
  assert.equal(src.toOffset, Buffer.byteLength(old) + Buffer.byteLength(added));
  // Line numbers continue where the first read stopped.
  const third = await (async () => {
    await appendFile(join(dir, `${ID}.log`), lines(1, 'more'));
    const r = readLogLines({ kind: 'folder', dir }, { bookmarks: second.result.bookmarks });
    const out = [];
    for await (const l of r.lines) out.push(l.lineNo);
    return out;
  })();
  assert.deepEqual(third, [6]);
});

test('bookmarks: 1 rotation — resumes in .log.1 by fingerprint, then reads the new .log whole', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log`), lines(3, 'old'));
  const first = await read(dir);
  await appendFile(join(dir, `${ID}.log`), lines(2, 'tail'));
  await rotate(dir); // plug-in restart
  await appendFile(join(dir, `${ID}.log`), lines(1, 'after restart'));
  const second = await read(dir, first.result.bookmarks);
  assert.deepEqual(second.tags, ['tail 0', 'tail 1', 'Starting framework core 0', 'after restart 0']);
  assert.deepEqual(second.result.gaps, []);
});

test('bookmarks: 3 rotations — every byte written since is read once, in order', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log`), lines(2, 'r0'));
  await rotate(dir);
  await appendFile(join(dir, `${ID}.log`), lines(2, 'r1'));
  const first = await read(dir);
  assert.deepEqual(first.tags, ['r0 0', 'r0 1', 'Starting framework core 0', 'r1 0', 'r1 1']);
  await appendFile(join(dir, `${ID}.log`), lines(1, 'r1 tail'));
  for (const tag of ['r2', 'r3', 'r4']) {
    await rotate(dir);
    await appendFile(join(dir, `${ID}.log`), lines(1, tag));
  }
  const second = await read(dir, first.result.bookmarks);
  assert.deepEqual(second.tags, [
    'r1 tail 0',
    'Starting framework core 0',
    'r2 0',
    'Starting framework core 0',
    'r3 0',
    'Starting framework core 0',
    'r4 0',
  ]);
  assert.deepEqual(second.result.gaps, []);
  // Nothing new: nothing read.
  const third = await read(dir, second.result.bookmarks);
  assert.deepEqual(third.tags, []);
  assert.equal(third.result.stats.bytes, 0);
});

test('bookmarks: files read whole that fell off .log.5 are no gap; the live file falling off is, with its bytes', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log`), lines(2, 'a'));
  for (let k = 0; k < 5; k++) {
    await rotate(dir);
    await appendFile(join(dir, `${ID}.log`), lines(1, `b${k}`));
  }
  // Plex is mid-write: the live file ends in half a line, which the reader holds back.
  const half = '2024-08-30 11:00:00,000 (7f52) :  INFO (sandbox:19) - IAFD  - half a li';
  await appendFile(join(dir, `${ID}.log`), half);
  const first = await read(dir);
  assert.equal(first.tags.at(-1), 'b4 0');
  await rotate(dir); // .log.5 (the 'a' file, read whole) falls off: no gap
  const second = await read(dir, first.result.bookmarks);
  assert.deepEqual(second.result.gaps, []);
  assert.deepEqual(second.tags, ['half a li', 'Starting framework core 0']); // the half line, complete now it is rotated

  // Now the live file (read to a point, then written to) rotates through all six names before the next read.
  await appendFile(join(dir, `${ID}.log`), lines(1, 'unread'));
  const bookmark = second.result.bookmarks;
  await appendFile(join(dir, `${ID}.log`), '2024-08-30 12:00:00,000 (7f52) :  INFO (sandbox:19) - IAFD  - partial');
  const third = await read(dir, bookmark);
  const live = third.result.bookmarks.sets[join(dir, ID)].files.at(-1)!;
  assert.equal(live.size - live.offset, Buffer.byteLength('2024-08-30 12:00:00,000 (7f52) :  INFO (sandbox:19) - IAFD  - partial'));
  for (let k = 0; k < 6; k++) await rotate(dir);
  const fourth = await read(dir, third.result.bookmarks);
  assert.equal(fourth.result.gaps.length, 1);
  const gap = fourth.result.gaps[0];
  assert.equal(gap.file, join(dir, `${ID}.log`));
  assert.equal(gap.bytes, live.size - live.offset);
  assert.match(gap.reason, /rotated away .* at least \d+ bytes unread/);
  assert.match(gap.reason, /after 2024-08-30 \d\d:\d\d:\d\d,\d{3}/);
  assert.equal(fourth.tags.length, 6); // the six new files, read whole
});

test('bookmarks: a live file truncated and recreated in place is a gap, and is read from its start', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log`), lines(5, 'before'));
  const first = await read(dir);
  await writeFile(join(dir, `${ID}.log`), lines(1, 'recreated'));
  const second = await read(dir, first.result.bookmarks);
  assert.deepEqual(second.tags, ['recreated 0']);
  assert.equal(second.result.gaps.length, 1);
  assert.match(second.result.gaps[0].reason, /truncated or recreated/);
});

test('fingerprint: a growing file under 4 KiB is recognised by its prefix; another small file is not', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, `${ID}.log`);
  await writeFile(file, lines(1, 'tiny'));
  const first = await read(dir);
  const entry = first.result.bookmarks.sets[join(dir, ID)].files[0];
  assert.ok(entry.fpBytes < FINGERPRINT_BYTES && entry.fpBytes === entry.size);
  await appendFile(file, lines(60, 'grow')); // now well over 4 KiB
  const second = await read(dir, first.result.bookmarks);
  assert.equal(second.tags.length, 60);
  assert.equal(second.tags[0], 'grow 0');
  assert.equal(second.result.bookmarks.sets[join(dir, ID)].files[0].fpBytes, FINGERPRINT_BYTES);
  // A different small file in its place is new: read whole, and the old one is reported as gone.
  await writeFile(file, lines(1, 'other'));
  const third = await read(dir, second.result.bookmarks);
  assert.deepEqual(third.tags, ['other 0']);

  const head = Buffer.from('abcdef');
  assert.ok(sameFile(Buffer.from('abcdefgh'), fingerprintOf(head), 6));
  assert.ok(!sameFile(Buffer.from('abcdxfgh'), fingerprintOf(head), 6));
  assert.ok(!sameFile(Buffer.from('abc'), fingerprintOf(head), 6));
  assert.ok(!sameFile(Buffer.from('abc'), fingerprintOf(Buffer.alloc(0)), 0), 'an empty fingerprint identifies nothing');
});

test('bookmarks: planSet is pure — matched files resume, unknown files start at 0', () => {
  const f = (name: string, text: string, active = false): CurrentFile => ({ path: `/x/${name}`, name, size: text.length, head: Buffer.from(text), active });
  const a = f('X.log.1', 'aaaa-first-file-contents');
  const b = f('X.log', 'bbbb-second', true);
  const plan = planSet([a, b], [
    { name: 'X.log', fingerprint: fingerprintOf(Buffer.from('aaaa')), fpBytes: 4, size: 10, offset: 10, lineNo: 1, active: true },
  ]);
  assert.deepEqual(plan.reads.map((r) => [r.file.name, r.from, r.lineNo]), [
    ['X.log.1', 10, 1],
    ['X.log', 0, 0],
  ]);
  assert.deepEqual(plan.gaps, []);
});

test('bookmarks: the document round-trips, a missing file is empty, another schema is rejected', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log`), lines(2, 'x'));
  const { result } = await read(dir);
  const path = join(dir, '..', 'bookmarks.json');
  await saveBookmarks(path, result.bookmarks);
  assert.deepEqual(await loadBookmarks(path), result.bookmarks);
  assert.deepEqual((await loadBookmarks(join(dir, 'none.json'))).sets, {});
  await writeFile(path, JSON.stringify({ schema: 'plexmend.aggregate/1' }));
  await assert.rejects(loadBookmarks(path), SchemaMismatchError);
});

test('bookmarks: bookmarkLogEnd marks "from now on" without reading lines; line numbers still continue', async (t) => {
  const { bookmarkLogEnd } = await import('../../src/logs/read.ts');
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log.1`), lines(4, 'older'));
  await writeFile(join(dir, `${ID}.log`), lines(3, 'before test') + '2024-08-30 10:00:00,000 (7f52) :  INFO (sandbox:19) - IAFD  - being writ');
  const mark = await bookmarkLogEnd({ kind: 'folder', dir });
  await appendFile(join(dir, `${ID}.log`), 'ten\n' + lines(1, 'during test'));
  const r = readLogLines({ kind: 'folder', dir }, { bookmarks: mark });
  const got: Array<[number, string]> = [];
  for await (const l of r.lines) got.push([l.lineNo, l.text.replace(/^.* - IAFD {2}- /, '')]);
  assert.deepEqual(got, [
    [4, 'being written'],
    [5, 'during test 0'],
  ]);
});

test('bookmarks: simulated framework (seeded) — rotations, restarts and half-written lines; reads see every line exactly once', async (t) => {
  const { openArchive } = await import('../../src/logs/watch.ts');
  for (const seed of [1, 2, 3]) {
    const dir = await tempDir(t);
    const archiveDir = join(dir, '..', 'archive');
    let s = seed;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const live = join(dir, `${ID}.log`);
    const MAX = 2000; // small rotation limit so that many rotations happen
    let size = 0;
    let n = 0;
    let rotations = 0;
    let halves = 0;
    const written: string[] = [];
    const rollover = async () => {
      rotations++;
      await rm(`${live}.5`, { force: true });
      for (let k = 4; k >= 1; k--) if (existsSync(`${live}.${k}`)) await rename(`${live}.${k}`, `${live}.${k + 1}`);
      if (existsSync(live)) await rename(live, `${live}.1`);
      await writeFile(live, '');
      size = 0;
    };
    await writeFile(live, '');
    let bookmarks: BookmarkDoc | undefined;
    const seen: string[] = [];
    let rotationsSinceRead = 0;
    const archive = await openArchive(archiveDir, { now: () => new Date('2026-02-06T08:00:00Z') });
    try {
      for (let step = 0; step < 120; step++) {
        const r = rand();
        if (r < 0.05 || rotationsSinceRead >= 4) {
          const res = await read(dir, bookmarks);
          seen.push(...res.tags);
          assert.deepEqual(res.result.gaps, [], `seed ${seed} step ${step}`);
          bookmarks = res.result.bookmarks;
          assert.deepEqual((await archive.poll(dir)).gaps, [], `seed ${seed}: archive gap`);
          rotationsSinceRead = 0;
        } else if (r < 0.08) {
          await rollover(); // plug-in restart
          rotationsSinceRead++;
          if (rand() < 0.5) {
            // Read while the new live file is still empty.
            const res = await read(dir, bookmarks);
            seen.push(...res.tags);
            assert.deepEqual(res.result.gaps, [], `seed ${seed} step ${step} (empty live file)`);
            bookmarks = res.result.bookmarks;
            assert.deepEqual((await archive.poll(dir)).gaps, [], `seed ${seed}: archive gap`);
            rotationsSinceRead = 0;
          }
        } else {
          const line = `2024-08-30 10:00:00,${String(n % 1000).padStart(3, '0')} (7f52) :  INFO (sandbox:19) - IAFD  - line ${n++} ${'x'.repeat(Math.floor(rand() * 200))}\n`;
          if (size > 0 && size + line.length >= MAX) {
            await rollover();
            rotationsSinceRead++;
          }
          written.push(line.slice(0, -1).replace(/^.* - IAFD {2}- /, ''));
          if (rand() < 0.1) {
            // Half a line now, the rest after a read: the reader must not cut the line in two.
            halves++;
            const cut = Math.floor(line.length / 2);
            await appendFile(live, line.slice(0, cut));
            const res = await read(dir, bookmarks);
            seen.push(...res.tags);
            bookmarks = res.result.bookmarks;
            assert.deepEqual((await archive.poll(dir)).gaps, [], `seed ${seed}: archive gap`);
            rotationsSinceRead = 0;
            await appendFile(live, line.slice(cut));
          } else {
            await appendFile(live, line);
          }
          size += line.length;
        }
      }
      const last = await read(dir, bookmarks);
      seen.push(...last.tags);
      assert.deepEqual((await archive.poll(dir)).gaps, [], `seed ${seed}: archive gap`);
    } finally {
      await archive.close();
    }
    assert.ok(rotations >= 10 && halves >= 3, `seed ${seed} exercised ${rotations} rotations, ${halves} half lines`);
    assert.deepEqual(seen, written, `seed ${seed}: the reads together are exactly what was written`);
    const r = readLogLines({ kind: 'archive', dir: archiveDir });
    const fromArchive: string[] = [];
    for await (const l of r.lines) fromArchive.push(l.text.replace(/^.* - IAFD {2}- /, ''));
    assert.deepEqual(fromArchive, written, `seed ${seed}: the archive holds every line once, in order`);
  }
});

test('bookmarks: a read while the live file is still empty (just after a restart) causes no false gap', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log`), lines(2, 'a'));
  const first = await read(dir);
  await rename(join(dir, `${ID}.log`), join(dir, `${ID}.log.1`));
  await writeFile(join(dir, `${ID}.log`), ''); // rolled over, nothing written yet
  const second = await read(dir, first.result.bookmarks);
  assert.deepEqual(second.tags, []);
  await appendFile(join(dir, `${ID}.log`), lines(1, 'b'));
  const third = await read(dir, second.result.bookmarks);
  assert.deepEqual(third.tags, ['b 0']);
  assert.deepEqual([...second.result.gaps, ...third.result.gaps], []);
});

test('bookmarks: simulated slow reader (seeded) — lines lost to rotation are exactly the ones not seen, and each such read reports a gap', async (t) => {
  for (const seed of [5, 6, 7]) {
    const dir = await tempDir(t);
    let s = seed;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const live = join(dir, `${ID}.log`);
    const MAX = 1500;
    let size = 0;
    let n = 0;
    let files: number[][] = [[]]; // line numbers per file: [live, .1, … .5]
    let lastSeen = -1;
    let lostSinceRead = 0;
    const lost = new Set<number>();
    const rollover = async () => {
      const dropped = files[5] ?? [];
      for (const k of dropped) if (k > lastSeen) {
        lost.add(k);
        lostSinceRead++;
      }
      await rm(`${live}.5`, { force: true });
      for (let k = 4; k >= 1; k--) if (existsSync(`${live}.${k}`)) await rename(`${live}.${k}`, `${live}.${k + 1}`);
      await rename(live, `${live}.1`);
      await writeFile(live, '');
      files = [[], ...files].slice(0, 6);
      size = 0;
    };
    await writeFile(live, '');
    let bookmarks: BookmarkDoc | undefined;
    const seen: number[] = [];
    let gapsReported = 0;
    let readsWithLoss = 0;
    let readsClean = 0;
    for (let step = 0; step < 600; step++) {
      if (rand() < (step % 200 < 100 ? 0.05 : 0.008)) {
        const res = await read(dir, bookmarks);
        const nums = res.tags.map((tag) => Number(/^line (\d+)/.exec(tag)![1]));
        seen.push(...nums);
        if (nums.length) lastSeen = nums.at(-1)!;
        assert.equal(res.result.gaps.length > 0, lostSinceRead > 0, `seed ${seed} step ${step}: ${lostSinceRead} lines lost since the last read`);
        gapsReported += res.result.gaps.length;
        if (lostSinceRead > 0) readsWithLoss++;
        else readsClean++;
        lostSinceRead = 0;
        bookmarks = res.result.bookmarks;
      } else {
        const line = `2024-08-30 10:00:00,${String(n % 1000).padStart(3, '0')} (7f52) :  INFO (sandbox:19) - IAFD  - line ${n} ${'y'.repeat(Math.floor(rand() * 150))}\n`;
        if (size > 0 && (size + line.length >= MAX || rand() < 0.02)) await rollover();
        await appendFile(live, line);
        files[0].push(n++);
        size += line.length;
      }
    }
    const written = Array.from({ length: n }, (_, k) => k);
    const final = await read(dir, bookmarks);
    seen.push(...final.tags.map((tag) => Number(/^line (\d+)/.exec(tag)![1])));
    assert.ok(lost.size > 0 && readsWithLoss > 0 && readsClean > 0, `seed ${seed}: lost ${lost.size} lines, ${readsWithLoss} reads with loss, ${readsClean} without`);
    assert.deepEqual(seen, written.filter((k) => !lost.has(k)), `seed ${seed}: seen = written minus exactly the lost lines`);
  }
});

test('bookmarks: read while the live file was empty, then the set rotated through all its files: a gap, never a silent loss', async (t) => {
  const dir = await tempDir(t);
  const live = join(dir, `${ID}.log`);
  await writeFile(live, lines(3, 'A'));
  await rollover(live, ''); // rolled over, nothing written yet
  const first = await read(dir);
  assert.deepEqual(first.tags, ['A 0', 'A 1', 'A 2']);
  // Two rotations: nothing can have fallen off (.log.5 is not reached), so no gap, every line read.
  for (const tag of ['B', 'C']) {
    await appendFile(live, lines(2, tag));
    await rollover(live, '');
  }
  const second = await read(dir, first.result.bookmarks);
  assert.deepEqual(second.tags, ['B 0', 'B 1', 'C 0', 'C 1']);
  assert.deepEqual(second.result.gaps, []);
  await rollover(live, ''); // empty live again, bookmarked
  const third = await read(dir, second.result.bookmarks);
  assert.deepEqual(third.tags, []);
  // Eight rotations of two lines each: the first three files fall off .log.5 before the next read.
  for (const tag of ['D', 'E', 'F', 'G', 'H', 'I', 'J', 'K']) {
    await appendFile(live, lines(2, tag));
    await rollover(live, '');
  }
  await appendFile(live, lines(2, 'L'));
  const fourth = await read(dir, third.result.bookmarks);
  assert.deepEqual(fourth.tags, ['G 0', 'G 1', 'H 0', 'H 1', 'I 0', 'I 1', 'J 0', 'J 1', 'K 0', 'K 1', 'L 0', 'L 1']);
  assert.equal(fourth.result.gaps.length, 1);
  assert.match(fourth.result.gaps[0].reason, /was empty at the last read .*rotated away unread, an unknown number of bytes/);
  // The report says it is a lower bound, and the renderings say "unknown", never "0 bytes".
  assert.equal(fourth.result.gaps[0].atLeast, true);
  assert.equal(gapSize(fourth.result.gaps[0]), 'an unknown number of bytes');
  assert.equal(gapSize({ bytes: 120, atLeast: true }), 'at least 120 bytes');
  assert.equal(gapSize({ bytes: 120 }), '120 bytes');
});
