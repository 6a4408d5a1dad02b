/**
 * The test's log window over a real plug-in log folder (a space in the path, as on every real install):
 * only lines written after `mark()`, across a rotation, and a gap when the live file fell off `.log.5`
 * before it was read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderWindow } from '../../src/testing/window.ts';
import { InputError } from '../../src/errors.ts';
import { rollover } from '../builders/rotation.ts';

const ID = 'com.plexapp.agents.SiteA';

async function logDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'plexmend window '));
  const dir = join(root, 'Application Support', 'Plex Media Server', 'Logs', 'PMS Plugin Logs');
  await mkdir(dir, { recursive: true });
  t.after(() => rm(root, { recursive: true, force: true }));
  return dir;
}

let seq = 0;
/** `n` framework lines; WARNING lines carry the tag so the report's level counts tell the batches apart. */
function lines(n: number, level: 'INFO' | 'WARNING' | 'ERROR'): string {
  let s = '';
  for (let k = 0; k < n; k++) {
    seq++;
    const ss = String(seq % 60).padStart(2, '0');
    s += `2024-08-30 10:${String(Math.floor(seq / 60) % 60).padStart(2, '0')}:${ss},${String(seq % 1000).padStart(3, '0')} (7f52) :  ${level} (sandbox:19) - SiteA  - line ${seq}\n`;
  }
  return s;
}

/** A plug-in start: the framework rolls the log over and writes its first line. */
function rotate(dir: string): Promise<void> {
  return rollover(join(dir, `${ID}.log`), lines(1, 'INFO'));
}

test('window: only the lines written after mark() are in the report', async (t) => {
  const dir = await logDir(t);
  const file = join(dir, `${ID}.log`);
  await writeFile(file, lines(50, 'ERROR'));
  const w = folderWindow({ kind: 'folder', dir });
  const start = await w.mark();
  await appendFile(file, lines(3, 'WARNING'));
  const first = await w.since(start);
  assert.equal(first.report.counts.records, 3);
  assert.deepEqual(first.report.counts.byLevel, { WARNING: 3 });
  assert.deepEqual(first.report.gaps, []);
  // The cursor moves on: the next read has only what came after; reading from the start mark again has both.
  await appendFile(file, lines(2, 'WARNING'));
  const second = await w.since(first.next);
  assert.equal(second.report.counts.records, 2);
  const whole = await w.since(start);
  assert.equal(whole.report.counts.records, 5);
  assert.equal(whole.report.counts.byLevel?.ERROR ?? 0, 0, 'nothing from before the mark');
});

test('window: a rotation (plug-in restart) between mark and read loses nothing and adds nothing old', async (t) => {
  const dir = await logDir(t);
  const file = join(dir, `${ID}.log`);
  await writeFile(file, lines(40, 'ERROR'));
  const w = folderWindow({ kind: 'folder', dir });
  const start = await w.mark();
  await appendFile(file, lines(4, 'WARNING'));
  await rotate(dir); // the first line of the new file is INFO
  await appendFile(join(dir, `${ID}.log`), lines(6, 'WARNING'));
  const r = await w.since(start);
  assert.deepEqual(r.report.gaps, []);
  assert.deepEqual(r.report.counts.byLevel, { WARNING: 10, INFO: 1 });
  assert.deepEqual(r.report.sources.map((s) => s.path.endsWith('.log.1') ? 'log.1' : 'log').sort(), ['log', 'log.1']);
});

test('window: lines that fell off .log.5 before they were read are a gap, with the bytes lost', async (t) => {
  const dir = await logDir(t);
  const file = join(dir, `${ID}.log`);
  await writeFile(file, lines(10, 'ERROR'));
  const w = folderWindow({ kind: 'folder', dir });
  const start = await w.mark();
  const lost = lines(5, 'WARNING');
  await appendFile(file, lost);
  for (let k = 0; k < 6; k++) await rotate(dir); // the bookmarked file passes .log.5 and is deleted
  const r = await w.since(start);
  assert.equal(r.report.gaps.length, 1);
  assert.equal(r.report.gaps[0]!.file, file);
  // The bookmark knew the file only up to the mark: how much was written after it is unknown (reported as 0 bytes).
  assert.equal(r.report.gaps[0]!.bytes, 0);
  assert.match(r.report.gaps[0]!.reason, /unknown number of bytes/);
  assert.ok(Buffer.byteLength(lost) > 0);
  assert.equal(r.report.counts.byLevel?.WARNING ?? 0, 0, 'the lost lines are not in the report');
});

test('window: a live file read part-way, written to, then rotated off is a gap of at least the known unread bytes', async (t) => {
  const dir = await logDir(t);
  const file = join(dir, `${ID}.log`);
  await writeFile(file, lines(10, 'ERROR'));
  const w = folderWindow({ kind: 'folder', dir });
  const start = await w.mark();
  await appendFile(file, lines(2, 'WARNING'));
  // Plex is mid-line when the window is read: the half line is held back, known but unread.
  const half = '2024-08-30 11:00:00,000 (7f52) :  WARNING (sandbox:19) - SiteA  - half a li';
  await appendFile(file, half);
  const first = await w.since(start);
  assert.equal(first.report.counts.records, 2);
  for (let k = 0; k < 6; k++) await rotate(dir);
  const r = await w.since(first.next);
  assert.equal(r.report.gaps.length, 1);
  assert.equal(r.report.gaps[0]!.bytes, Buffer.byteLength(half));
});

test('window: a log whose every file vanished before it was read is a gap of unknown size; other logs read on', async (t) => {
  const dir = await logDir(t);
  const file = join(dir, `${ID}.log`);
  const other = join(dir, 'com.plexapp.agents.SiteB.log');
  await writeFile(file, lines(10, 'ERROR'));
  await writeFile(other, lines(1, 'INFO'));
  const w = folderWindow({ kind: 'folder', dir });
  const start = await w.mark();
  await appendFile(file, lines(3, 'WARNING'));
  await appendFile(other, lines(2, 'WARNING'));
  await rm(file);
  const r = await w.since(start);
  assert.equal(r.report.gaps.length, 1);
  assert.equal(r.report.gaps[0]!.file, file);
  assert.equal(r.report.gaps[0]!.bytes, 0);
  assert.match(r.report.gaps[0]!.reason, /all its rotations vanished .* unknown number of bytes/);
  assert.equal(r.report.counts.byLevel?.WARNING, 2, "the other log's new lines are read");
  // A log that is still there, with nothing new, is no gap.
  const again = await w.since(await w.mark());
  assert.deepEqual(again.report.gaps, []);
});

test('window: a folder with no plug-in logs is an InputError with a hint, not a stack trace', async (t) => {
  const dir = await logDir(t);
  const w = folderWindow({ kind: 'folder', dir });
  await assert.rejects(w.mark(), (err: unknown) => err instanceof InputError && /no plug-in log files/.test(err.message) && !!err.hint);
});
