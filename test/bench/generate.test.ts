import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generate, MAX_BYTES, parseSize } from '../../bench/generate.ts';
import { center } from '../../bench/corpus.ts';
import { tempPath } from '../builders/temp.ts';

/** The framework line (DESIGN.md §Phase 1). */
const LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) \((-?[0-9a-f]+)\) : {2}(DEBUG|INFO|WARNING|ERROR|CRITICAL) \(([^:()]+):(\d+)\) - (.*)$/;
/** Python 2.7 traceback continuation lines. */
const CONTINUATION = /^( {2}File ".*", line \d+, in \S+| {4}\S.*|[A-Za-z]+(Error|Exception): .*)$/;

const temp = (t: { after(fn: () => Promise<void>): void }) => tempPath(t, 'plexmend generate ', 'PMS Plugin Logs');

test('generate: every line is a framework line or a traceback continuation; PGMA formats are present', async (t) => {
  const dir = await temp(t);
  const r = generate({ dir, bytes: 3 * 1024 * 1024, seed: 7, agents: 3, platform: 'windows' });
  let lines = 0;
  const seen = new Set<string>();
  for (const f of r.files) {
    const text = await readFile(f, 'utf8');
    assert.ok(text.endsWith('\n'));
    for (const line of text.slice(0, -1).split('\n')) {
      lines++;
      const m = LINE.exec(line);
      if (!m) {
        assert.match(line, CONTINUATION, `${f}: ${line}`);
        continue;
      }
      assert.match(m[2], /^[0-9a-f]{3,4}$/, 'Windows thread ids are short hex');
      const msg = m[6];
      if (/ - SEARCH:: [❌⚠] File: __init__\.py, Line: \d+, Function: _process_function_call -> _search -> search$/.test(msg)) seen.add('error pair location');
      if (/^AEBN - SEARCH:: {4}Error: Search Query did not pull any results: HTTP Error 403: Forbidden$/.test(msg)) seen.add('403 text');
      if (/^Error opening URL '/.test(msg) && m[4] === 'networking') seen.add('networking error');
      if (/^AEBN {2}- SEARCH:: \*+ >> Successful!! << \*+$/.test(msg)) seen.add('footer success');
      if (/^Exception getting hosted resource hashes/.test(msg)) seen.add('noise');
      if (/^AEBN {2}- UTILS :: Title Comparison Test {9}(Passed|Failed)$/.test(msg)) seen.add('kv line');
      if (m[3] === 'INFO' && m[4] !== 'logkit' && /^AEBN/.test(msg)) assert.fail(`PGMA INFO on Windows is logkit:16: ${line}`);
    }
  }
  assert.equal(lines, r.lines);
  assert.deepEqual([...seen].sort(), ['403 text', 'error pair location', 'footer success', 'kv line', 'networking error', 'noise']);
});

test('generate: rotation like the framework — .log, .log.1 … .log.5 at 1 MiB, restarts start a new file', async (t) => {
  const dir = await temp(t);
  const r = generate({ dir, bytes: 5.3 * 1024 * 1024, seed: 3, agents: 1, restartRate: 0.003 });
  const names = (await readdir(dir)).sort();
  for (const id of ['com.plexapp.agents.AEBN']) {
    const mine = names.filter((n) => n.startsWith(id + '.'));
    assert.deepEqual(mine, [`${id}.log`, ...[1, 2, 3, 4, 5].map((n) => `${id}.log.${n}`)], 'six files, oldest .5');
    for (const n of mine) {
      const size = (await stat(join(dir, n))).size;
      assert.ok(size < MAX_BYTES, `${n} is ${size} bytes`);
      const first = (await readFile(join(dir, n), 'utf8')).split('\n', 1)[0];
      assert.match(first, /^\d{4}-\d{2}-\d{2} /, 'a file starts with a framework line, never mid-record');
    }
  }
  assert.equal(r.files.length, 6);
  const starts = [];
  for (const n of names) if ((await readFile(join(dir, n), 'utf8')).split('\n', 1)[0].includes('Starting framework core')) starts.push(n);
  assert.ok(starts.length >= 1, 'a plug-in restart rotated the log and began a new file with the framework banner');
  assert.ok(r.bytes >= 5.3 * 1024 * 1024 && r.bytes < 6 * MAX_BYTES);
  // What it reports is what the files hold, not what was written before the oldest backup fell off.
  let bytes = 0;
  let lines = 0;
  for (const n of names) {
    const text = await readFile(join(dir, n), 'utf8');
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
  }
  assert.deepEqual({ bytes, lines }, { bytes: r.bytes, lines: r.lines });
  // Time runs forward from .log.5 to .log.
  const id = 'com.plexapp.agents.AEBN';
  const firstTs = async (n: string) => (await readFile(join(dir, n), 'utf8')).slice(0, 23);
  const order = [`${id}.log.5`, `${id}.log.4`, `${id}.log.3`, `${id}.log.2`, `${id}.log.1`, `${id}.log`];
  const stamps = await Promise.all(order.map(firstTs));
  assert.deepEqual([...stamps].sort(), stamps);
});

test('generate: seeded — the same seed writes the same bytes; archive layout is one file per bundle per day', async (t) => {
  const a = await temp(t);
  const b = await temp(t);
  generate({ dir: a, bytes: 512 * 1024, seed: 11, agents: 2 });
  generate({ dir: b, bytes: 512 * 1024, seed: 11, agents: 2 });
  const f = 'com.plexapp.agents.AEBN.log';
  assert.equal(await readFile(join(a, f), 'utf8'), await readFile(join(b, f), 'utf8'));
  const arch = await temp(t);
  const r = generate({ dir: arch, bytes: 2 * 1024 * 1024, seed: 5, agents: 1, layout: 'archive' });
  assert.deepEqual(await readdir(arch), ['com.plexapp.agents.AEBN']);
  for (const p of r.files) assert.match(p, /com\.plexapp\.agents\.AEBN[\\/]\d{4}-\d{2}-\d{2}\.log$/);
});

test('generate: helpers — Python str.center and sizes', () => {
  assert.equal(center('ab', 5, '*'), '**ab*'); // CPython: the odd cell goes left when the width is odd
  assert.equal(center(' >> Failed << ', 20, '*'), '*** >> Failed << ***');
  assert.equal(center('abc', 6, '*'), '*abc**');
  assert.equal(parseSize('100M'), 100 * 1024 * 1024);
  assert.equal(parseSize('1G'), 1024 ** 3);
  assert.throws(() => parseSize('lots'), /not a size/);
});

test('generate: with frequent restarts old rotations fall off, and the reported bytes and lines are what the files still hold', async (t) => {
  const dir = await temp(t);
  const r = generate({ dir, bytes: 2 * 1024 * 1024, seed: 5, agents: 1, restartRate: 0.2 });
  let bytes = 0;
  let lines = 0;
  for (const n of await readdir(dir)) {
    const text = await readFile(join(dir, n), 'utf8');
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
  }
  assert.equal(r.files.length, 6, 'the live log and five backups');
  assert.deepEqual({ bytes, lines }, { bytes: r.bytes, lines: r.lines });
});
