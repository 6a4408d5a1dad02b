import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { restartBundles, startMarkers, manualSteps, plexRestartCommands, type ProcessRunner } from '../../src/implement/restart.ts';
import { scanWindow, banners } from '../../src/implement/logwindow.ts';
import { makeWorld } from './world.ts';

const target = (w: { plugins: string }, b = 'GEVI') => ({ bundleId: `com.plexapp.agents.${b}`, bundleDir: join(w.plugins, `${b}.bundle`) });

test('Info.plist touch is observed through the plug-in log (a fresh Starting framework core)', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const t = target(w);
    const markers = await startMarkers(w.deps.logs, [t.bundleId]);
    const r = await restartBundles([t], markers, w.deps, { observeMs: 2000, pollMs: 250 });
    assert.deepEqual(r.restarted, [t.bundleId]);
    assert.equal(r.attempts[0]!.strategy, 'plist-touch');
    assert.equal(r.attempts[0]!.outcome, 'ok');
    assert.equal(w.plex.httpRestarts.length, 0, 'HTTP not needed');
  } finally {
    await w.cleanup();
  }
});

test('a touch that Plex ignores is recorded as not observed, then the HTTP restart works', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    w.plistWorks = false;
    const t = target(w);
    const r = await restartBundles([t], await startMarkers(w.deps.logs, [t.bundleId]), w.deps, { observeMs: 2000, pollMs: 250 });
    assert.deepEqual(r.attempts.map((a) => `${a.strategy}:${a.outcome}`), ['plist-touch:not-observed', 'http:ok']);
    assert.deepEqual(w.plex.httpRestarts, ['com.plexapp.agents.GEVI']);
  } finally {
    await w.cleanup();
  }
});

test('a lesson order (http first) is honoured', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const t = target(w);
    const r = await restartBundles([t], await startMarkers(w.deps.logs, [t.bundleId]), w.deps, { order: ['http', 'plist-touch'], observeMs: 2000, pollMs: 250 });
    assert.deepEqual(r.attempts.map((a) => a.strategy), ['http']);
  } finally {
    await w.cleanup();
  }
});

test('Plex restart is refused while someone watches, runs without sudo when nobody does; manual fallback prints steps', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    w.plistWorks = false;
    w.plex.httpWorks = false;
    const runs: string[][] = [];
    const runner: ProcessRunner = { run: async (cmd, args) => (runs.push([cmd, ...args]), { code: 0, stdout: '', stderr: '' }) };
    w.deps.runner = runner;
    w.plex.sessionsCount = 2;
    const asked: string[] = [];
    w.deps.prompt = async (q) => (asked.push(q), false);
    const t = target(w);
    const server = { platform: 'darwin' as const };
    const r = await restartBundles([t], await startMarkers(w.deps.logs, [t.bundleId]), w.deps, { order: ['plex-restart', 'manual'], server, observeMs: 1000, pollMs: 250 });
    assert.equal(r.attempts[0]!.outcome, 'refused');
    assert.match(r.attempts[0]!.detail, /2 playback session\(s\) active/);
    assert.equal(runs.length, 0, 'nothing run while busy');
    assert.equal(r.attempts[1]!.strategy, 'manual');
    assert.match(asked[0]!, /Restarted com\.plexapp\.agents\.GEVI\?/);
    assert.ok(w.output.some((l) => l.includes(`touch "${join(t.bundleDir, 'Contents', 'Info.plist')}"`)));
    assert.ok(w.output.some((l) => l.includes('/:/plugins/com.plexapp.agents.GEVI/restart')));
    assert.deepEqual(r.notRestarted, [t.bundleId]);

    w.plex.sessionsCount = 0;
    await restartBundles([t], await startMarkers(w.deps.logs, [t.bundleId]), w.deps, { order: ['plex-restart'], server, observeMs: 1000, pollMs: 250 });
    assert.deepEqual(runs, [['osascript', '-e', 'quit app "Plex Media Server"'], ['open', '-a', 'Plex Media Server']]);
    assert.ok(runs.every((r) => !r.includes('sudo')));
  } finally {
    await w.cleanup();
  }
});

test('plexRestartCommands per platform: docker, Windows, Linux (never sudo)', () => {
  assert.deepEqual(plexRestartCommands({ platform: 'linux', dockerContainer: 'plex' }), [['docker', ['restart', 'plex']]]);
  const win = plexRestartCommands({ platform: 'win32', windowsExe: "C:\\Program Files\\Plex\\Plex Media Server\\Plex Media Server.exe" });
  assert.ok(Array.isArray(win));
  assert.deepEqual(win[0], ['taskkill', ['/IM', 'Plex Media Server.exe', '/F']]);
  assert.match(plexRestartCommands({ platform: 'linux' }) as string, /needs root.*never uses sudo/);
  assert.ok(manualSteps({ bundleId: 'x.y', bundleDir: '/p/X.bundle' }, { platform: 'linux' }).some((l) => l.includes('systemctl restart plexmediaserver')));
});

test('log window: real resource-hashes noise (macOS runtime:1299, Windows core:574) is not a finding; a new traceback is', async () => {
  const text = (name: string) => readFile(new URL(`../fixtures/implement/${name}`, import.meta.url), 'utf8');
  const start = (await text('plugin_start.log')).split('\n').filter((l) => !l.startsWith('#')).join('\n').replaceAll('{TS}', '2026-02-06 07:35:09,769');
  const win = (await text('windows_resourcehashes.log')).split('\n').filter((l) => !l.startsWith('#')).join('\n');
  assert.equal(banners(start).length, 1);
  const clean = scanWindow(start + '\n' + win, new Set());
  assert.equal(clean.started, true);
  assert.deepEqual(clean.findings, []);
  assert.equal(clean.noise, 5); // 2 × (Error opening …/resourceHashes + CRITICAL hashes) + Created a thread
  const broken = scanWindow(start + "\n2026-02-06 07:35:10,001 (20d37df00) :  CRITICAL (agentkit:1018) - Exception in the search function of agent named 'GEVI', called with keyword arguments {} (most recent call last):\n  File \"x/utils.py\", line 3, in search\nNameError: name 'y' is not defined\n", new Set());
  assert.equal(broken.findings.length, 1);
  assert.match(broken.findings[0]!.head, /Exception in the search function/);
  assert.equal(scanWindow(start, new Set(banners(start))).started, false, 'an old banner is not a fresh start');
  const plainError = scanWindow(start + '\n2026-02-06 07:35:11,000 (1) :  ERROR (logkit:22) - GEVI - SEARCH:: Error: Search Query did not pull any results: HTTP Error 403: Forbidden\n', new Set());
  assert.deepEqual(plainError.findings, [], 'PGMA ERROR lines are ordinary work, not a failed start');
});
