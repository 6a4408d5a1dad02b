import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runSandbox } from '../../src/cli/sandbox.ts';
import { readSandboxProfile } from '../../src/sandbox/profile.ts';
import { tempDir } from './pms-helpers.ts';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let buf = '';
  stream.on('data', (d) => (buf += String(d)));
  return { stream, text: () => buf };
}

test('plexmend sandbox --list-scenarios lists the scenario files', async () => {
  const out = capture();
  assert.equal(await runSandbox({ dir: 'unused', listScenarios: true }, { stdout: out.stream }), 0);
  assert.match(out.text(), /^default +\S/m);
});

test('plexmend sandbox prints the target, URL, token and folders, serves until stopped, then marks the profile stopped', async () => {
  const root = await tempDir();
  const profile = join(root, 'cfg', 'sandbox.json');
  const out = capture();
  let release!: () => void;
  const stop = new Promise<void>((r) => (release = r));
  const running = runSandbox({ dir: join(root, 'sb'), profile }, { stdout: out.stream, stop });
  try {
    const deadline = Date.now() + 20_000;
    while (!out.text().includes('Running.') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const text = out.text();
    assert.match(text, /^target: sandbox/m);
    const url = /url +(http:\/\/127\.0\.0\.1:\d+)/.exec(text)![1]!;
    const token = /token +(\S+)/.exec(text)![1]!;
    assert.match(text, /logs +.*Application Support\/Plex Media Server\/Logs\/PMS Plugin Logs/);
    const p = await readSandboxProfile(profile);
    assert.equal(p.url, url);
    assert.equal(p.pid, process.pid);
    assert.equal((await fetch(`${url}/library/sections?X-Plex-Token=${token}`)).status, 200);
  } finally {
    release();
    assert.equal(await running, 0);
  }
  assert.match(out.text(), /Stopped\.\n$/);
  assert.equal((await readSandboxProfile(profile)).pid, null);
  await rm(dirname(root), { recursive: true, force: true });
});

test('describeRefresh summarises a refresh in one line', async () => {
  const { describeRefresh } = await import('../../src/cli/sandbox.ts');
  assert.equal(describeRefresh({ ratingKey: '7', uuid: 'u', missing: true }), 'refresh 7: file missing, no agent ran');
  assert.equal(describeRefresh({
    ratingKey: '8', uuid: 'u', missing: false,
    run: { matched: true, changed: true, steps: [
      { agent: 'com.plexapp.agents.P', phase: 'search', ok: true, detail: '1 result(s)' },
      { agent: 'com.plexapp.agents.S', phase: 'search', ok: false, detail: '0 result(s)' },
    ] },
  }), 'refresh 8: matched; +P:search -S:search (0 result(s))');
});

test('plexmend sandbox in a folder it cannot write says so, with a hint', async () => {
  const root = await tempDir();
  const blocker = join(root, 'a file');
  await writeFile(blocker, 'not a folder');
  await assert.rejects(runSandbox({ dir: join(blocker, 'sb'), profile: join(root, 'p.json') }, { stdout: capture().stream }),
    (err: Error & { hint?: string }) => /cannot prepare the sandbox folder .*a file\/sb \((ENOTDIR|EEXIST)\)/.test(err.message) && /--dir/.test(err.hint ?? ''));
  await rm(dirname(root), { recursive: true, force: true });
});
