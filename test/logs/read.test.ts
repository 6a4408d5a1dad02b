import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdir, mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { readLogLines, type ReadOptions, type ReadResult } from '../../src/logs/read.ts';
import type { LogInput, RawLine } from '../../src/logs/input.ts';
import { InputError } from '../../src/errors.ts';

const ID = 'com.plexapp.agents.GEVI';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'plexmend read '));
  const dir = join(root, 'Application Support', 'PMS Plugin Logs');
  await mkdir(dir, { recursive: true });
  t.after(() => rm(root, { recursive: true, force: true }));
  return dir;
}

/**
 * Reads through `lines` and, for files (standard input can be read once), again through `each`
 * (push mode): both must give the same lines and the same result, so every test covers both ways.
 */
async function readAll(input: LogInput, opts?: ReadOptions): Promise<{ lines: RawLine[]; result: ReadResult }> {
  const r = readLogLines(input, opts);
  const lines: RawLine[] = [];
  for await (const l of r.lines) lines.push(l);
  const result = await r.done();
  if (input.kind !== 'stdin') {
    const pushed: RawLine[] = [];
    const again = await readLogLines(input, opts).each((l) => pushed.push(l));
    assert.deepEqual(pushed, lines, 'each() gives the same lines as lines');
    const { bookmarks: b1, ...rest1 } = again;
    const { bookmarks: b0, ...rest0 } = result;
    assert.deepEqual(rest1, rest0, 'each() gives the same result');
    assert.deepEqual(b1.sets, b0.sets, 'each() gives the same bookmarks');
  }
  return { lines, result };
}

let seq = 0;
/** A framework line with a unique, increasing timestamp. */
function fw(msg: string): string {
  seq++;
  const s = String(seq % 60).padStart(2, '0');
  const ms = String(seq % 1000).padStart(3, '0');
  return `2024-07-12 13:${String(Math.floor(seq / 60) % 60).padStart(2, '0')}:${s},${ms} (1cc8) :  INFO (logkit:16) - GEVI  - ${msg}\n`;
}

/** Python RotatingFileHandler.doRollover: .4→.5 … .log→.log.1 (the old .5 is deleted), new empty .log. */
async function rotate(dir: string, id = ID): Promise<void> {
  const base = join(dir, `${id}.log`);
  await rm(`${base}.5`, { force: true });
  for (let n = 4; n >= 1; n--) if (existsSync(`${base}.${n}`)) await rename(`${base}.${n}`, `${base}.${n + 1}`);
  if (existsSync(base)) await rename(base, `${base}.1`);
  await writeFile(base, '');
}

test('read: a folder is read oldest first (.log.5 … .log.1, .log), per bundle, skipping server logs and dot files', async (t) => {
  const dir = await tempDir(t);
  for (const n of [1, 2, 3, 4, 5]) await writeFile(join(dir, `${ID}.log.${n}`), fw(`file .${n}`));
  await writeFile(join(dir, `${ID}.log`), fw('file .log'));
  await writeFile(join(dir, 'com.plexapp.system.log'), fw('system'));
  await writeFile(join(dir, 'Plex Media Server.1.log'), 'Jan 01, 2024 00:00:00.000 [0x1] INFO - main server\n');
  await writeFile(join(dir, `._${ID}.log`), Buffer.from([0, 5, 22, 7, 0, 0, 1]));
  const { lines, result } = await readAll({ kind: 'folder', dir });
  assert.deepEqual(
    lines.map((l) => [l.bundleId, l.text.replace(/^.* - GEVI {2}- /, '')]),
    [
      [ID, 'file .5'],
      [ID, 'file .4'],
      [ID, 'file .3'],
      [ID, 'file .2'],
      [ID, 'file .1'],
      [ID, 'file .log'],
      ['com.plexapp.system', 'system'],
    ],
  );
  assert.equal(result.sources.length, 7);
  assert.deepEqual(result.problems, []);
  assert.equal(result.stats.lines, 7);
  assert.equal(lines[0].source, join(dir, `${ID}.log.5`));
  assert.equal(lines[0].lineNo, 1);
  assert.equal(lines[0].offset, 0);
});

test('read: CRLF, NUL bytes, invalid UTF-8 and a long line are counted, not fatal', async (t) => {
  const dir = await tempDir(t);
  const long = 'x'.repeat(5000);
  const bytes = Buffer.concat([
    Buffer.from('first line\r\n'),
    Buffer.from('nul\u0000here\u0000\n'),
    Buffer.from([0x62, 0x61, 0x64, 0xff, 0x20, 0xc3, 0x0a]), // "bad\xff \xc3\n": two invalid sequences
    Buffer.from('literal \uFFFD is not invalid\n'),
    Buffer.from(`é${long}\n`),
    Buffer.from('after long\n'),
    Buffer.from('no newline at the end'),
  ]);
  const file = join(dir, 'excerpt.txt');
  await writeFile(file, bytes);
  const { lines, result } = await readAll({ kind: 'files', paths: [file] }, { maxLineBytes: 1000 });
  assert.deepEqual(
    lines.map((l) => l.text.slice(0, 20)),
    ['first line', 'nulhere', 'bad\uFFFD \uFFFD', 'literal \uFFFD is not inv', 'é' + 'x'.repeat(19), 'after long', 'no newline at the en'],
  );
  assert.equal(result.stats.nulBytes, 2);
  assert.equal(result.stats.invalidUtf8, 2);
  assert.equal(result.stats.longLines, 1);
  assert.equal(result.stats.lines, 7);
  assert.equal(result.stats.bytes, bytes.length);
  const cut = lines[4];
  assert.equal(cut.truncated, true);
  assert.ok(Buffer.byteLength(cut.text) <= 1000);
  assert.equal(lines[5].offset, bytes.indexOf('after long'));
  assert.equal(lines[5].lineNo, 6);
  assert.equal(lines[5].truncated, undefined);
  assert.equal(result.bookmarks.sets[join(dir, 'excerpt.txt')].files[0].offset, bytes.length);
});

test('read: a 50 MB single line is cut at maxLineBytes without holding it in memory', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, `${ID}.log`);
  const mib = Buffer.alloc(1024 * 1024, 0x61);
  await writeFile(file, fw('before'));
  for (let k = 0; k < 50; k++) await appendFile(file, mib);
  await appendFile(file, '\n' + fw('after'));
  const before = process.memoryUsage();
  const r = readLogLines({ kind: 'files', paths: [file] });
  const texts: Array<[number, boolean]> = [];
  let peak = 0;
  for await (const l of r.lines) {
    texts.push([l.text.length, l.truncated === true]);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - before.arrayBuffers);
  }
  const result = await r.done();
  assert.equal(texts.length, 3);
  assert.deepEqual(texts[1], [1024 * 1024, true]);
  assert.equal(texts[2][1], false);
  assert.equal(result.stats.longLines, 1);
  assert.ok(peak < 20 * 1024 * 1024, `buffers grew by ${peak} bytes`);
});

test('read: a binary file is a problem, the other files are still read', async (t) => {
  const dir = await tempDir(t);
  const noise = Buffer.alloc(8192);
  for (let k = 0; k < noise.length; k++) noise[k] = (k * 7919) % 251;
  await writeFile(join(dir, 'com.plexapp.agents.AEBN.log'), noise);
  await writeFile(join(dir, `${ID}.log`), fw('fine'));
  const { lines, result } = await readAll({ kind: 'folder', dir });
  assert.equal(lines.length, 1);
  assert.deepEqual(result.problems, [{ path: join(dir, 'com.plexapp.agents.AEBN.log'), message: 'looks like a binary file, not a plug-in log; skipped' }]);
});

test('aggregate as an unprivileged user (root runs it as nobody): an unreadable file is a warning, only unreadable files exit 2 with the permission hint', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('not root: the test above produces the denial directly');
    return;
  }
  const { execFileSync, spawnSync } = await import('node:child_process');
  const { chmodSync, mkdirSync } = await import('node:fs');
  const bin = fileURLToPath(new URL('../../bin/plexmend.js', import.meta.url));
  const asNobody = (args: string[]) => spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, bin, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1', HOME: '/tmp' } });
  try {
    execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, bin, '--version'], { stdio: 'ignore' });
  } catch {
    t.skip('runuser cannot run plexmend as nobody here (no runuser, or the checkout is not readable by others)');
    return;
  }
  const root = await mkdtemp(join(tmpdir(), 'plexmend nobody '));
  t.after(() => rm(root, { recursive: true, force: true }));
  chmodSync(root, 0o755);
  const logs = join(root, 'PMS Plugin Logs');
  const ws = join(root, 'work space');
  mkdirSync(logs);
  mkdirSync(ws);
  chmodSync(ws, 0o777);
  await writeFile(join(logs, 'com.plexapp.agents.AEBN.log'), fw('secret'));
  await chmod(join(logs, 'com.plexapp.agents.AEBN.log'), 0o000);
  await writeFile(join(logs, `${ID}.log`), fw('fine'));
  const some = asNobody(['aggregate', '--logs', logs, '--workspace', join(ws, 'a'), '--format', 'json', '--output', join(ws, 'a.json')]);
  assert.equal(some.status, 0, some.stderr);
  assert.match(some.stderr, /warning: .*com\.plexapp\.agents\.AEBN\.log: permission denied; skipped \(run as a user that may read it, e\.g\. the plex user\)/);
  await rm(join(logs, `${ID}.log`));
  const none = asNobody(['aggregate', '--logs', logs, '--workspace', join(ws, 'b')]);
  assert.equal(none.status, 2, none.stderr);
  assert.match(none.stderr, /no log file could be read: .*AEBN\.log: permission denied/);
  assert.match(none.stderr, /→ run as a user that may read the plug-in logs \(e\.g\. the plex user\)/);
});

test('read: an unreadable file (permission) is a problem, the rest goes on', async (t) => {
  if (process.getuid?.() === 0) {
    t.skip('running as root: chmod 000 does not deny root, so permission denial cannot be produced here');
    return;
  }
  const dir = await tempDir(t);
  const locked = join(dir, 'com.plexapp.agents.AEBN.log');
  await writeFile(locked, fw('secret'));
  await chmod(locked, 0o000);
  t.after(() => chmod(locked, 0o644).catch(() => undefined));
  await writeFile(join(dir, `${ID}.log`), fw('fine'));
  const { lines, result } = await readAll({ kind: 'folder', dir });
  assert.equal(lines.length, 1);
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0].message, /permission denied/);
});

test('read: missing folder, empty folder and a parent folder give one-line InputErrors with hints', async (t) => {
  const dir = await tempDir(t);
  const check = async (input: LogInput, message: RegExp, hint: RegExp) => {
    const r = readLogLines(input);
    await assert.rejects(r.done(), (err: unknown) => {
      assert.ok(err instanceof InputError, String(err));
      assert.match(err.message, message);
      assert.match(err.hint ?? '', hint);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  };
  await check({ kind: 'folder', dir: join(dir, 'nope') }, /^no such folder: .*nope$/, /--logs/);
  await check({ kind: 'folder', dir }, /^no plug-in log files .* in .*PMS Plugin Logs$/, /--logs/);
  await check({ kind: 'folder', dir: join(dir, '..') }, /^no plug-in log files/, /subfolder: pass --logs ".*PMS Plugin Logs"/);
  await check({ kind: 'files', paths: [join(dir, 'missing.log')] }, /^no log file could be read: .*missing\.log: no such file/, /path/);
  await check({ kind: 'archive', dir: join(dir, 'no archive') }, /^no log archive at/, /plexmend watch/);
  const binary = join(dir, 'com.plexapp.agents.Blob.log');
  await writeFile(binary, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  await check({ kind: 'files', paths: [binary] }, /^no log file could be read: .*Blob\.log: looks like a binary file/, /PMS Plugin Logs/);
});

test('read: standard input (a pasted excerpt) with a character split across chunks', async () => {
  const text = Buffer.from('2024-07-12 13:36:56,319 (1cc8) :  ERROR (logkit:22) - Fagalicious - SEARCH:: ❌ File: __init__.py\r\nbare line ✅');
  const cut = text.indexOf(Buffer.from('❌')) + 1;
  const stream = Readable.from([text.subarray(0, cut), text.subarray(cut)]);
  const { lines, result } = await readAll({ kind: 'stdin', stream });
  assert.deepEqual(
    lines.map((l) => [l.source, l.lineNo, l.text]),
    [
      ['-', 1, '2024-07-12 13:36:56,319 (1cc8) :  ERROR (logkit:22) - Fagalicious - SEARCH:: ❌ File: __init__.py'],
      ['-', 2, 'bare line ✅'],
    ],
  );
  assert.equal(result.stats.invalidUtf8, 0);
  await assert.rejects(readAll({ kind: 'stdin', stream: Readable.from([]) }), /standard input was empty/);
});

test('read: done() drains by itself; lines can be iterated only once', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log`), fw('a') + fw('b'));
  const r = readLogLines({ kind: 'folder', dir });
  assert.equal((await r.done()).stats.lines, 2);
  assert.throws(() => r.lines[Symbol.asyncIterator](), /only once/);
});

test('read: each() pushes every line once, excludes the other ways, and a throw from the callback rejects the read', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, `${ID}.log.1`), fw('a') + fw('b'));
  await writeFile(join(dir, `${ID}.log`), fw('c'));
  const r = readLogLines({ kind: 'folder', dir });
  const got: string[] = [];
  const result = await r.each((l) => got.push(l.text.slice(-1)));
  assert.deepEqual(got, ['a', 'b', 'c']);
  assert.equal(result.stats.lines, 3);
  assert.equal(result.sources.length, 2);
  assert.equal(await r.done(), result);
  assert.throws(() => r.lines[Symbol.asyncIterator](), /only once/);
  await assert.rejects(r.each(() => undefined), /only once/);

  const failing = readLogLines({ kind: 'folder', dir });
  await assert.rejects(failing.each((l) => {
    if (l.text.endsWith('b')) throw new Error('consumer failed');
  }), /consumer failed/);
  await assert.rejects(failing.done(), /consumer failed/);
});

test('read: a truncated rotation set (.log.2 and .log.4 missing) is read in order and the hole is named; a file that vanished is a problem', async (t) => {
  const dir = await tempDir(t);
  for (const n of [1, 3, 5]) await writeFile(join(dir, `${ID}.log.${n}`), fw(`file .${n}`));
  await writeFile(join(dir, `${ID}.log`), fw('file .log'));
  const { symlink } = await import('node:fs/promises');
  await symlink(join(dir, 'gone'), join(dir, 'com.plexapp.agents.AEBN.log')); // listed, then not there
  const { lines, result } = await readAll({ kind: 'folder', dir });
  assert.deepEqual(lines.map((l) => l.text.replace(/^.* - GEVI {2}- /, '')), ['file .5', 'file .3', 'file .1', 'file .log']);
  assert.deepEqual(result.problems, [
    { path: join(dir, 'com.plexapp.agents.AEBN.log'), message: 'vanished before it could be read (rotated or deleted); skipped' },
    { path: join(dir, `${ID}.log.2`), message: '.log.2, .log.4 missing from the rotation set (.log.5, .log.3, .log.1, .log are there): those lines are not in this report' },
  ].sort((x, y) => (x.path < y.path ? -1 : 1)));
  assert.deepEqual(result.gaps, []);
});

test('read: explicit files and complete sets name no missing rotation; a set of .log.1 alone misses its .log', async (t) => {
  const dir = await tempDir(t);
  for (const n of [1, 2]) await writeFile(join(dir, `${ID}.log.${n}`), fw(`file .${n}`));
  await writeFile(join(dir, `${ID}.log`), fw('file .log'));
  await writeFile(join(dir, 'com.plexapp.agents.Zed.log.1'), fw('zed'));
  const folder = await readAll({ kind: 'folder', dir });
  assert.deepEqual(folder.result.problems.map((p) => [basename(p.path), p.message.split(' missing')[0]]), [['com.plexapp.agents.Zed.log', '.log']]);
  const files = await readAll({ kind: 'files', paths: [join(dir, `${ID}.log.2`), join(dir, `${ID}.log`)] });
  assert.deepEqual(files.result.problems, [], 'files named one by one are what the user chose');
});

test('read: stopping early (break) closes cleanly; done() then gives what was read', async (t) => {
  const dir = await tempDir(t);
  let text = '';
  for (let k = 0; k < 30000; k++) text += fw(`line ${k}`);
  await writeFile(join(dir, `${ID}.log`), text); // > 2 MiB: several chunks, a read in flight when we stop
  await writeFile(join(dir, 'com.plexapp.agents.Zed.log'), fw('other'));
  const r = readLogLines({ kind: 'folder', dir });
  let n = 0;
  for await (const l of r.lines) {
    void l;
    if (++n === 10) break;
  }
  const result = await r.done();
  assert.equal(n, 10);
  assert.ok(result.stats.lines >= 10);
  assert.deepEqual(result.problems, []);
});

test('read: a UTF-8 byte order mark (a file saved by a Windows editor) is dropped from the first line', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'pasted.log');
  const first = fw('first');
  await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(first + fw('second'))]));
  const { lines } = await readAll({ kind: 'files', paths: [file] });
  assert.equal(lines.length, 2);
  assert.equal(lines[0].text, first.slice(0, -1));
  assert.equal(lines[1].offset, 3 + Buffer.byteLength(first), 'offsets still count the BOM bytes');
  assert.equal(lines[1].text.charCodeAt(0), 50);
});

test('read: a UTF-16 file (a Windows editor\'s "Unicode") is a problem that says so', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'saved as unicode.log');
  await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fw('a') + fw('b'), 'utf16le')]));
  const r = readLogLines({ kind: 'files', paths: [file, join(dir, '..', 'missing.log')] });
  await assert.rejects(r.done(), /no log file could be read: .*saved as unicode\.log: is UTF-16 text/);
  const { gzipSync } = await import('node:zlib');
  await writeFile(join(dir, `${ID}.log.1.gz`), gzipSync(fw('zipped')));
  await writeFile(join(dir, `${ID}.log`), fw('plain'));
  const folder = await readAll({ kind: 'folder', dir });
  assert.deepEqual(
    folder.result.problems.map((p) => p.message.split(';')[0]),
    ['is gzip-compressed', 'is UTF-16 text (saved as "Unicode" by a Windows editor?), not a plug-in log as Plex writes it'],
  );
  assert.equal(folder.lines.length, 1);
});
