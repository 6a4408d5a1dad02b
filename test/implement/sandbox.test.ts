/**
 * Phase 3 against the sandbox (the rehearsal Plex: PMS emulator + real plug-in processes writing real
 * framework logs). One sandbox, several steps: a shared-file fix fanned out to every site bundle and
 * restarted by Info.plist touch (observed in the real log, resource-hashes noise ignored), rollback, the
 * HTTP restart through the real Plex client, a busy server refused, and a patch that breaks plug-in start
 * rolled back automatically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../src/sandbox/index.ts';
import { PlexClient } from '../../src/plex/index.ts';
import { applyFix, rollbackFix, FixPlanSchema, type ImplementContext } from '../../src/implement/index.ts';
import { fileLogTail, realClock } from '../../src/implement/adapters.ts';
import { nodeFs } from '../../src/implement/files.ts';
import { layoutFor } from '../../src/implement/scope.ts';
import { py27CodeChecker } from '../../src/implement/checker.ts';
import { restartBundles, startMarkers, type ProcessRunner } from '../../src/implement/restart.ts';
import { workspaceAt } from '../../src/workspace.ts';
import { sha } from './world.ts';

test('apply/rollback and every restart strategy against the sandbox', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend impl sandbox '));
  const sb = await startSandbox({ dir, profilePath: null, plistPollMs: 100 });
  try {
    const out: string[] = [];
    const runs: string[][] = [];
    const runner: ProcessRunner = { run: async (cmd, args) => (runs.push([cmd, ...args]), { code: 0, stdout: '', stderr: '' }) };
    const plex = new PlexClient({ url: sb.url, token: sb.token, clientIdentifier: 'plexmend-test' });
    const ctx: ImplementContext = {
      ws: workspaceAt(join(dir, 'plex improvement')),
      layout: layoutFor(sb.pluginsDir, sb.supportDir),
      deps: { fs: nodeFs, ...realClock, prompt: async () => false, out: (l) => out.push(l), logs: fileLogTail(sb.logsDir), plex, runner, checker: py27CodeChecker(nodeFs, { parserOnly: true }), isAlive: () => false, pid: process.pid },
      restart: { observeMs: 15_000, pollMs: 100 },
      windowMs: 500,
    };
    const sites = (await readdir(sb.pluginsDir)).filter((n) => n.endsWith('.bundle') && n !== 'SandboxFilms.bundle').sort();
    assert.ok(sites.length >= 4);
    const utilsOf = (b: string) => join(sb.pluginsDir, b, 'Contents', 'Code', 'utils.py');
    const original = await readFile(utilsOf(sites[0]!), 'utf8');
    const diff = [
      '@@ -13,2 +13,3 @@',
      '     12 Aug 2024     2024.08.12.01       First sandbox release',
      '+    24 Nov 2026     2024.08.12.02       plexmend test fix',
      " '''",
      '',
    ].join('\n');
    const plan = FixPlanSchema.parse({
      schema: 'plexmend.fixplan/1', fixId: 'fix1', iteration: 1, title: 'version history', expectation: 'nothing moves (test)',
      changes: sites.map((b) => ({ path: `${b}/Contents/Code/utils.py`, diff, sharedGroup: 'utils.py' })),
    });
    const r = await applyFix(plan, ctx, { yes: true });
    assert.equal(r.status, 'applied', r.reasons.join('; ') + out.join('\n'));
    const hashes = await Promise.all(sites.map(async (b) => sha(await readFile(utilsOf(b)))));
    assert.equal(new Set(hashes).size, 1, 'all copies identical');
    assert.equal(r.record!.restarts.filter((a) => a.strategy === 'plist-touch' && a.outcome === 'ok').length, sites.length, JSON.stringify(r.record!.restarts));
    assert.ok(r.record!.validation!.noiseIgnored >= sites.length, 'the runtime logs the resource-hashes CRITICAL at every start; ignored');

    await rollbackFix('fix1', ctx);
    for (const b of sites) assert.equal(await readFile(utilsOf(b), 'utf8'), original);

    // HTTP restart through the real client, observed in the real log.
    const id = r.record!.restarts[0]!.bundleId;
    const target = { bundleId: id, bundleDir: join(sb.pluginsDir, sites[0]!) };
    const http = await restartBundles([target], await startMarkers(ctx.deps.logs, [id]), ctx.deps, { order: ['http'], observeMs: 15_000, pollMs: 100 });
    assert.deepEqual(http.attempts.map((a) => `${a.strategy}:${a.outcome}`), ['http:ok']);

    // Busy server: a Plex restart is refused while someone watches; nothing is run.
    sb.emulator.setSessions([{ user: 'owner', ratingKey: '101', title: 'Alpha Film', state: 'playing' }]);
    const busy = await restartBundles([target], await startMarkers(ctx.deps.logs, [id]), { ...ctx.deps }, { order: ['plex-restart'], server: { platform: 'darwin' }, observeMs: 500, pollMs: 100 });
    assert.equal(busy.attempts[0]!.outcome, 'refused');
    assert.match(busy.attempts[0]!.detail, /1 playback session/);
    assert.deepEqual(runs, []);
    sb.emulator.setSessions([]);

    // A patch that compiles but breaks the plug-in's start: caught in the real log, rolled back, restarted.
    const initPath = join(sb.pluginsDir, sites[1]!, 'Contents', 'Code', '__init__.py');
    const init = await readFile(initPath, 'utf8');
    const firstLine = init.split('\n')[0]!;
    const bad = FixPlanSchema.parse({
      schema: 'plexmend.fixplan/1', fixId: 'fix2', iteration: 1, title: 'breaks start', expectation: 'the plug-in fails to load (test)',
      changes: [{ path: `${sites[1]}/Contents/Code/__init__.py`, diff: ['@@ -1,1 +1,2 @@', ` ${firstLine}`, "+raise ValueError('broken by the plexmend test')", ''].join('\n') }],
    });
    const r2 = await applyFix(bad, ctx, { yes: true });
    assert.equal(r2.status, 'rolled-back', out.join('\n'));
    assert.match(r2.reasons.join(' '), /new error in the plug-in log after the restart: .*CRITICAL \(core:\d+\) - Exception (while loading code|starting plug-in)/);
    assert.equal(await readFile(initPath, 'utf8'), init);
    assert.ok(r2.record!.restarts.filter((a) => a.outcome === 'ok').length >= 2, 'restarted into the broken code and back into the restored code');
  } finally {
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  }
});
