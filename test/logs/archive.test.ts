import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadArchiveState } from '../../src/logs/archive.ts';
import { openArchive, runWatch } from '../../src/logs/watch.ts';
import { readLogLines } from '../../src/logs/read.ts';
import type { BookmarkDoc } from '../../src/logs/bookmarks.ts';
import { LockHeldError } from '../../src/errors.ts';
import { rollover } from '../builders/rotation.ts';

const ID = 'com.plexapp.agents.GayEmpire';

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const root = await mkdtemp(join(tmpdir(), 'plexmend archive '));
  const logs = join(root, 'Library', 'Application Support', 'Plex Media Server', 'Logs', 'PMS Plugin Logs');
  const archive = join(root, 'plex_improvement', 'log_archive');
  await mkdir(logs, { recursive: true });
  t.after(() => rm(root, { recursive: true, force: true }));
  return { logs, archive };
}

let seq = 0;
function lines(n: number, tag: string): string {
  let s = '';
  for (let k = 0; k < n; k++) {
    seq++;
    s += `2026-02-06 07:${String(Math.floor(seq / 60) % 60).padStart(2, '0')}:${String(seq % 60).padStart(2, '0')},${String(seq % 1000).padStart(3, '0')} (170787000) :  INFO (sandbox:19) - GayEmpire  - ${tag} ${k}\n`;
  }
  return s;
}

/** A plug-in start: the framework rolls the log over and writes its first line. */
function rotate(dir: string): Promise<void> {
  return rollover(join(dir, `${ID}.log`), lines(1, 'Starting framework core'));
}

const clock = (iso: string) => ({ now: () => new Date(iso) });

async function archived(archive: string, bookmarks?: BookmarkDoc) {
  const r = readLogLines({ kind: 'archive', dir: archive }, { bookmarks });
  const tags: string[] = [];
  for await (const l of r.lines) {
    assert.equal(l.bundleId, ID);
    tags.push(l.text.replace(/^.* - GayEmpire {2}- /, ''));
  }
  return { tags, result: await r.done() };
}

test('archive: every byte once, in order, across a plug-in restart (rotation) between polls', async (t) => {
  const { logs, archive } = await setup(t);
  const live = join(logs, `${ID}.log`);
  await writeFile(live, lines(2, 'one'));
  const a = await openArchive(archive, clock('2026-02-06T08:00:00Z'));
  try {
    assert.equal((await a.poll(logs)).bytes, Buffer.byteLength(await readFile(live)));
    await appendFile(live, lines(1, 'one tail'));
    await rotate(logs); // plug-in restart
    await appendFile(live, lines(1, 'two'));
    const r = await a.poll(logs);
    assert.equal(r.files, 2);
    assert.deepEqual(r.gaps, []);
    // An unterminated line in the live file waits for the next poll.
    await appendFile(live, '2026-02-06 07:59:59,999 (170787000) :  INFO (sandbox:19) - GayEmpire  - half');
    await a.poll(logs);
    assert.ok(!(await readFile(join(archive, ID, '2026-02-06.log'), 'utf8')).includes('half'));
    await appendFile(live, ' done\n');
    await a.poll(logs);
  } finally {
    await a.close();
  }
  const { tags, result } = await archived(archive);
  assert.deepEqual(tags, ['one 0', 'one 1', 'one tail 0', 'Starting framework core 0', 'two 0', 'half done']);
  assert.deepEqual(result.gaps, []);
  const concatenated = (await readFile(join(logs, `${ID}.log.1`), 'utf8')) + (await readFile(live, 'utf8'));
  assert.equal(await readFile(join(archive, ID, '2026-02-06.log'), 'utf8'), concatenated);
});

test('archive: survives a restart of watch itself, also after a crash mid-poll and a stale lock', async (t) => {
  const { logs, archive } = await setup(t);
  const live = join(logs, `${ID}.log`);
  await writeFile(live, lines(3, 'a'));
  const first = await openArchive(archive, clock('2026-02-06T08:00:00Z'));
  await first.poll(logs);
  await first.close();
  // A crashed poll: bytes appended past the committed size, a new uncommitted file, and the lock left behind.
  await appendFile(join(archive, ID, '2026-02-06.log'), 'uncommitted garbage\n');
  await writeFile(join(archive, ID, '2026-02-07.log'), 'uncommitted file\n');
  await writeFile(join(archive, '.watch.lock'), '999999999');
  await appendFile(live, lines(2, 'b'));
  await rotate(logs);
  const second = await openArchive(archive, clock('2026-02-06T09:00:00Z'));
  try {
    await second.poll(logs);
  } finally {
    await second.close();
  }
  const { tags } = await archived(archive);
  assert.deepEqual(tags, ['a 0', 'a 1', 'a 2', 'b 0', 'b 1', 'Starting framework core 0']);
  assert.deepEqual(await readdir(join(archive, ID)), ['2026-02-06.log']);
  assert.ok(!existsSync(join(archive, '.watch.lock')), 'lock released');
});

test('archive: a second live watch on the same archive is refused', async (t) => {
  const { archive } = await setup(t);
  await mkdir(archive, { recursive: true });
  await writeFile(join(archive, '.watch.lock'), String(process.ppid));
  await assert.rejects(openArchive(archive, clock('2026-02-06T08:00:00Z')), (err: unknown) => {
    assert.ok(err instanceof LockHeldError);
    assert.match(err.message, new RegExp(`locked by plexmend process ${process.ppid}`));
    return true;
  });
});

test('archive: bytes lost between polls are a gap at the start of a new segment, reported when read', async (t) => {
  const { logs, archive } = await setup(t);
  const live = join(logs, `${ID}.log`);
  await writeFile(live, lines(1, 'seen'));
  await appendFile(live, '2026-02-06 08:00:00,000 (170787000) :  INFO (sandbox:19) - GayEmpire  - half');
  const a = await openArchive(archive, clock('2026-02-06T08:00:00Z'));
  try {
    await a.poll(logs);
    const before = await archived(archive);
    for (let k = 0; k < 6; k++) {
      await rotate(logs);
      await appendFile(live, lines(1, `r${k}`));
    }
    const r = await a.poll(logs);
    assert.equal(r.gaps.length, 1);
    assert.equal(r.gaps[0].bytes, Buffer.byteLength('2026-02-06 08:00:00,000 (170787000) :  INFO (sandbox:19) - GayEmpire  - half'));
    assert.deepEqual(await readdir(join(archive, ID)), ['2026-02-06-s2.log', '2026-02-06.log']);
    const state = await loadArchiveState(archive, new Date());
    assert.equal(state.gaps[0].file, `${ID}/2026-02-06-s2.log`);
    // Reading the archive from where the first read stopped: the gap, then the six new files.
    const after = await archived(archive, before.result.bookmarks);
    assert.equal(after.result.gaps.length, 1);
    assert.equal(after.result.gaps[0].file, join(archive, ID, '2026-02-06-s2.log'));
    assert.match(after.result.gaps[0].reason, /at least \d+ bytes unread/);
    assert.equal(after.tags.filter((x) => x.startsWith('Starting')).length, 6);
    // And read again from there: neither the gap nor any line comes back.
    const again = await archived(archive, after.result.bookmarks);
    assert.deepEqual(again.tags, []);
    assert.deepEqual(again.result.gaps, []);
  } finally {
    await a.close();
  }
});

test('archive: a new UTC day starts a new archive file', async (t) => {
  const { logs, archive } = await setup(t);
  const live = join(logs, `${ID}.log`);
  await writeFile(live, lines(1, 'monday'));
  let now = new Date('2026-02-06T23:59:00Z');
  const a = await openArchive(archive, { now: () => now });
  try {
    await a.poll(logs);
    now = new Date('2026-02-07T00:01:00Z');
    await appendFile(live, lines(1, 'tuesday'));
    await a.poll(logs);
  } finally {
    await a.close();
  }
  assert.deepEqual(await readdir(join(archive, ID)), ['2026-02-06.log', '2026-02-07.log']);
  assert.deepEqual((await archived(archive)).tags, ['monday 0', 'tuesday 0']);
});

test('watch: polls until aborted, keeps going when the folder disappears for a while', async (t) => {
  const { logs, archive } = await setup(t);
  const live = join(logs, `${ID}.log`);
  await writeFile(live, lines(1, 'x'));
  const controller = new AbortController();
  const reports: string[] = [];
  let sleeps = 0;
  const summary = await runWatch(
    { logsDir: logs, archiveDir: archive, intervalMs: 1000, once: false },
    {
      now: () => new Date('2026-02-06T08:00:00Z'),
      report: (l) => reports.push(l),
      signal: controller.signal,
      async sleep() {
        sleeps++;
        if (sleeps === 1) await rename(logs, logs + ' (unmounted)');
        if (sleeps === 2) {
          await rename(logs + ' (unmounted)', logs);
          await appendFile(live, lines(1, 'y'));
        }
        if (sleeps === 3) controller.abort();
      },
    },
  );
  assert.deepEqual(summary, { polls: 2, bytes: Buffer.byteLength(await readFile(live)), gaps: 0, failedPolls: 1 });
  assert.ok(reports.some((r) => /poll failed, trying again next time: no such folder/.test(r)));
  assert.deepEqual((await archived(archive)).tags, ['x 0', 'y 0']);
});

test('watch: --once on a missing folder fails fast', async (t) => {
  const { logs, archive } = await setup(t);
  await assert.rejects(
    runWatch(
      { logsDir: join(logs, 'missing'), archiveDir: archive, intervalMs: 1, once: true },
      { now: () => new Date(), report: () => undefined, signal: new AbortController().signal, sleep: async () => undefined },
    ),
    /no such folder/,
  );
  assert.ok(!existsSync(join(archive, '.watch.lock')));
});

test('watch (CLI): Ctrl-C stops cleanly after the current poll, exit 0, lock released', async (t) => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const { logs, archive } = await setup(t);
  await writeFile(join(logs, `${ID}.log`), lines(2, 'cli'));
  const ws = join(archive, '..');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'watch', '--logs', logs, '--workspace', ws, '--interval', '0.2'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let err = '';
  const polled = new Promise<void>((resolve) =>
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
      if (/archived \d+ bytes/.test(err)) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await Promise.race([polled, exited]);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 0, err);
  assert.match(err, /stopping after the current poll/);
  assert.match(err, /plexmend watch: \d+ poll\(s\), \d+ bytes archived, 0 gap\(s\)/);
  assert.ok(!existsSync(join(archive, '.watch.lock')));
  assert.deepEqual((await archived(archive)).tags, ['cli 0', 'cli 1']);
});

test('archive: --keep-days deletes whole days older than the limit, never the current file', async (t) => {
  const { logs, archive } = await setup(t);
  const live = join(logs, `${ID}.log`);
  await writeFile(live, lines(1, 'day1'));
  let now = new Date('2026-02-01T12:00:00Z');
  const a = await openArchive(archive, { now: () => now });
  try {
    await a.poll(logs, { keepDays: 2 });
    for (const [day, tag] of [['2026-02-02', 'day2'], ['2026-02-03', 'day3'], ['2026-02-04', 'day4']]) {
      now = new Date(`${day}T12:00:00Z`);
      await appendFile(live, lines(1, tag));
      const r = await a.poll(logs, { keepDays: 2 });
      assert.equal(r.pruned, day === '2026-02-04' ? 1 : 0);
    }
  } finally {
    await a.close();
  }
  assert.deepEqual(await readdir(join(archive, ID)), ['2026-02-02.log', '2026-02-03.log', '2026-02-04.log']);
  assert.deepEqual(Object.keys((await loadArchiveState(archive, now)).committed).sort(), [`${ID}/2026-02-02.log`, `${ID}/2026-02-03.log`, `${ID}/2026-02-04.log`]);
  assert.deepEqual((await archived(archive)).tags, ['day2 0', 'day3 0', 'day4 0']);
});

test('archive: archive files without state.json are never deleted: watch refuses to start', async (t) => {
  const { archive } = await setup(t);
  await mkdir(join(archive, ID), { recursive: true });
  await writeFile(join(archive, ID, '2026-02-01.log'), lines(1, 'precious'));
  await assert.rejects(openArchive(archive, clock('2026-02-06T08:00:00Z')), /holds archive files but no state\.json/);
  assert.ok(existsSync(join(archive, ID, '2026-02-01.log')));
  assert.ok(!existsSync(join(archive, '.watch.lock')), 'lock released after the refusal');
});

test('watch: an archive folder that cannot be created is a one-line error with a hint, not a stack', async (t) => {
  const { logs } = await setup(t);
  await writeFile(join(logs, `${ID}.log`), lines(1, 'x'));
  await writeFile(join(logs, '..', 'not a folder'), 'a file where the workspace should be');
  const { PlexmendError } = await import('../../src/errors.ts');
  await assert.rejects(
    runWatch(
      { logsDir: logs, archiveDir: join(logs, '..', 'not a folder', 'log_archive'), intervalMs: 1, once: true },
      { now: () => new Date(), report: () => undefined, signal: new AbortController().signal, sleep: async () => undefined },
    ),
    (err: unknown) => {
      assert.ok(err instanceof PlexmendError);
      assert.match(err.message, /^cannot use the archive folder .*not a folder.*\((ENOTDIR|EEXIST)\)$/);
      assert.match(err.hint ?? '', /writable/);
      return true;
    },
  );
});

test('archive: a poll that fails half-way leaves no uncommitted bytes behind for the next poll', async (t) => {
  const { logs, archive } = await setup(t);
  await writeFile(join(logs, `${ID}.log`), lines(2, 'ok'));
  const a = await openArchive(archive, clock('2026-02-06T08:00:00Z'));
  try {
    await a.poll(logs);
    await appendFile(join(logs, `${ID}.log`), lines(1, 'written once'));
    // The state cannot be written (a folder in its way): the poll copies, then fails at the commit.
    await rename(join(archive, 'state.json'), join(archive, 'state.saved'));
    await mkdir(join(archive, 'state.json'));
    await assert.rejects(a.poll(logs));
    await rm(join(archive, 'state.json'), { recursive: true });
    await rename(join(archive, 'state.saved'), join(archive, 'state.json'));
    await a.poll(logs);
  } finally {
    await a.close();
  }
  const tags = (await archived(archive)).tags;
  assert.deepEqual(tags.filter((x) => x.startsWith('written once')), ['written once 0']);
});

test('archive: a gap with no new bytes after it yet is visible to a reader at once, and reported only once', async (t) => {
  const { logs, archive } = await setup(t);
  const live = join(logs, `${ID}.log`);
  await writeFile(live, lines(1, 'seen') + '2026-02-06 08:00:00,000 (170787000) :  INFO (sandbox:19) - GayEmpire  - half');
  const a = await openArchive(archive, clock('2026-02-06T08:00:00Z'));
  try {
    await a.poll(logs);
    const first = await archived(archive);
    // Six restarts in a row, nothing written after them yet: every file now present is empty.
    const base = join(logs, `${ID}.log`);
    for (let k = 0; k < 6; k++) {
      await rm(`${base}.5`, { force: true });
      for (let m = 4; m >= 1; m--) if (existsSync(`${base}.${m}`)) await rename(`${base}.${m}`, `${base}.${m + 1}`);
      await rename(base, `${base}.1`);
      await writeFile(base, '');
    }
    const poll = await a.poll(logs);
    assert.equal(poll.gaps.length, 1);
    assert.equal(poll.bytes, 0);
    const second = await archived(archive, first.result.bookmarks);
    assert.equal(second.result.gaps.length, 1, 'the reader sees the gap before any new byte arrives');
    assert.deepEqual(second.tags, []);
    await appendFile(live, lines(1, 'after'));
    await a.poll(logs);
    const third = await archived(archive, second.result.bookmarks);
    assert.deepEqual(third.result.gaps, [], 'not reported twice');
    assert.deepEqual(third.tags, ['after 0']);
    assert.equal((await archived(archive)).result.gaps.length, 1, 'a full read reports it once');
  } finally {
    await a.close();
  }
});
