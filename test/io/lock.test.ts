import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { takeLock } from '../../src/io/lock.ts';
import { loop } from '../../src/loop/index.ts';
import { LockHeldError } from '../../src/errors.ts';
import { paths, workspaceAt } from '../../src/workspace.ts';
import type { Config } from '../../src/config/index.ts';

async function tempDir(t: { after(f: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'Application Support');
}

/** A live process that is not this one (the other `plexmend loop`). */
async function otherProcess(t: { after(f: () => Promise<void>): void }): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
      await once(child, 'exit');
    }
  });
  return child as ChildProcess & { pid: number };
}

test('a second lock on the same workspace is refused with the holder pid; released, it can be taken', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'ws', '.lock');
  const holder = await otherProcess(t);
  const held = await takeLock(path, 'the workspace /w', holder.pid);
  assert.equal((await readFile(path, 'utf8')).trim(), String(holder.pid));
  await assert.rejects(takeLock(path, 'the workspace /w'), (e: unknown) => {
    assert.ok(e instanceof LockHeldError);
    assert.equal(e.message, `the workspace /w is locked by plexmend process ${holder.pid}`);
    assert.match(e.hint ?? '', new RegExp(`kill ${holder.pid}`));
    return true;
  });
  assert.equal((await readFile(path, 'utf8')).trim(), String(holder.pid), 'the refused attempt leaves the lock alone');
  await held.release();
  assert.equal(existsSync(path), false);
  const mine = await takeLock(path, 'the workspace /w');
  assert.equal((await readFile(path, 'utf8')).trim(), String(process.pid));
  await mine.release();
});

test('a stale lock of a dead process is taken over', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'ws', '.lock');
  const holder = await otherProcess(t);
  await takeLock(path, 'the workspace /w', holder.pid);
  holder.kill('SIGKILL'); // kill -9: the lock file stays behind
  await once(holder, 'exit');
  assert.equal(existsSync(path), true);
  const mine = await takeLock(path, 'the workspace /w');
  assert.equal((await readFile(path, 'utf8')).trim(), String(process.pid));
  await mine.release();
});

test('an empty or garbled lock file left by a crash (not fresh) is taken over', async (t) => {
  const dir = await tempDir(t);
  await mkdir(dir, { recursive: true });
  const old = new Date(Date.now() - 60_000);
  for (const body of ['', 'not a pid\n', '-4']) {
    const path = join(dir, 'x.lock');
    await writeFile(path, body);
    await utimes(path, old, old);
    const l = await takeLock(path, 'x');
    assert.equal((await readFile(path, 'utf8')).trim(), String(process.pid), JSON.stringify(body));
    await l.release();
  }
});

test('a fresh empty lock file is a lock its owner is still writing: not taken over', async (t) => {
  const dir = await tempDir(t);
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'x.lock');
  const holder = await otherProcess(t);
  await writeFile(path, '');
  const taking = takeLock(path, 'the workspace /w');
  await new Promise((r) => setTimeout(r, 150));
  await writeFile(path, String(holder.pid)); // the owner finishes writing its pid
  await assert.rejects(taking, (e: unknown) => e instanceof LockHeldError && e.message.includes(`process ${holder.pid}`));
});

test('two processes taking over the same stale lock: exactly one wins, every time', async (t) => {
  const dir = await tempDir(t);
  await mkdir(dir, { recursive: true });
  const [a, b] = [await otherProcess(t), await otherProcess(t)];
  const dead = await otherProcess(t);
  const deadPid = dead.pid;
  dead.kill('SIGKILL');
  await once(dead, 'exit');
  for (let i = 0; i < 100; i++) {
    const path = join(dir, `race ${i}.lock`);
    await writeFile(path, String(deadPid));
    const got = await Promise.allSettled([takeLock(path, 'x', a.pid), takeLock(path, 'x', b.pid)]);
    const won = got.filter((g) => g.status === 'fulfilled').length;
    assert.equal(won, 1, `trial ${i}: ${won} winners`);
    const loser = got.find((g) => g.status === 'rejected') as PromiseRejectedResult;
    const owner = Number((await readFile(path, 'utf8')).trim());
    assert.ok(loser.reason instanceof LockHeldError && loser.reason.message.includes(`process ${owner}`), String(loser.reason));
    assert.equal(existsSync(`${path}.takeover`), false, 'no guard left behind');
  }
});

test('plexmend loop refuses a held workspace, and a held Plug-ins folder (releasing the workspace it took)', async (t) => {
  const dir = await tempDir(t);
  const ws = workspaceAt(join(dir, 'plex_improvement'));
  const pluginsDir = join(dir, 'Plex Media Server', 'Plug-ins');
  const userConfigDir = join(dir, 'config');
  // loop() reads only these two before it has both locks.
  const config = { paths: { pluginsDir }, userConfigDir } as unknown as Config;
  const o = { resume: false, goal: 0.9, maxIterations: 3, seed: 1, yes: true, panelSize: 10, sampleSize: 10, paceMs: 0, probe: false, out: () => undefined, interrupted: () => false };
  const holder = await otherProcess(t);

  const wsLock = await takeLock(paths.lock(ws), 'x', holder.pid);
  await assert.rejects(loop(config, ws, o), (e: unknown) => e instanceof LockHeldError && e.message.includes(`${ws.root} is locked by plexmend process ${holder.pid}`));
  await wsLock.release();

  const key = createHash('sha256').update(pluginsDir).digest('hex').slice(0, 16);
  const plLock = await takeLock(join(userConfigDir, 'locks', `plugins-${key}.lock`), 'x', holder.pid);
  await assert.rejects(loop(config, ws, o), (e: unknown) => e instanceof LockHeldError && e.message.includes(`the Plug-ins folder ${pluginsDir} is locked by plexmend process ${holder.pid}`));
  assert.equal(existsSync(paths.lock(ws)), false, 'the workspace lock taken first was released');
  await plLock.release();
});
