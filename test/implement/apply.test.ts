import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { applyFix } from '../../src/implement/apply.ts';
import { rollbackFix } from '../../src/implement/rollback.ts';
import { FixPlanSchema } from '../../src/implement/plan.ts';
import { readLog } from '../../src/implement/history.ts';
import { FileChangedError, PatchConflictError, SharedCopiesDifferError, UnknownFixError } from '../../src/implement/errors.ts';
import { nodeFs } from '../../src/implement/files.ts';
import { readManifest } from '../../src/implement/backup.ts';
import { DELAY_DIFF, UA2_DIFF, UA_DIFF, makeWorld, planFor, sha } from './world.ts';

const plan = (...a: Parameters<typeof planFor>) => FixPlanSchema.parse(planFor(...a));

test('apply patches every copy of the shared file, keeps modes, records everything; rollback is byte-identical', async () => {
  const w = await makeWorld();
  try {
    const before = await w.state();
    const r = await applyFix(plan('fix1', UA_DIFF), w.ctx, { yes: true });
    assert.equal(r.status, 'applied', r.reasons.join('; '));
    const after = await w.state();
    const copies = ['GEVI', 'IAFD', 'AEBN'].map((b) => after.get(`${b}.bundle/Contents/Code/utils.py`)!);
    assert.equal(new Set(copies).size, 1, 'shared copies identical');
    assert.notEqual(copies[0], before.get('GEVI.bundle/Contents/Code/utils.py'));
    assert.match(copies[0]!, / 640$/, 'mode 0640 preserved');
    assert.match(await readFile(join(w.plugins, 'GEVI.bundle/Contents/Code/utils.py'), 'utf8'), /'Referer': url/);
    // The record: expectation first, backups by hash, restarts observed via the Info.plist touch, validation.
    const log = await readLog(nodeFs, w.ctx.ws, 1);
    const rec = log.fixes[0]!;
    assert.equal(rec.status, 'applied');
    assert.match(rec.events[0]!.what, /^expectation stated/);
    assert.deepEqual(rec.sharedGroups.map((g) => g.copies), [3]);
    assert.equal(rec.restarts.filter((a) => a.outcome === 'ok').length, 3);
    assert.ok(rec.restarts.every((a) => a.strategy === 'plist-touch'));
    assert.equal(rec.validation?.ok, true);
    assert.ok(rec.validation!.noiseIgnored >= 3, 'resource-hashes noise seen and ignored');
    const manifest = await readManifest(nodeFs, rec.backupDir!);
    assert.equal(manifest.files.length, 3);
    assert.match(rec.backupDir!, /_BACKUPS[\\/]fix1_\d{8}_\d{6}$/);
    // content-addressed: 3 identical before-copies + 3 identical after-copies = 2 objects
    const { readdir } = await import('node:fs/promises');
    assert.equal((await readdir(join(rec.backupDir!, 'files'))).length, 2);
    assert.ok(w.output.some((l) => l.startsWith('Expectation: ')));

    await assert.rejects(rollbackFix('fix9', w.ctx), (e: unknown) => e instanceof UnknownFixError && /no fix9 found/.test((e as Error).message));
    const rb = await rollbackFix('fix1', w.ctx);
    assert.deepEqual(rb.files.map((f) => f.method), ['restore', 'restore', 'restore']);
    await assert.rejects(rollbackFix('fix1', w.ctx), /fix1 is not applied \(status: rolled-back\)/);
    assert.deepEqual(await w.state(), before, 'every file byte-identical and mode preserved after rollback');
    assert.equal((await readLog(nodeFs, w.ctx.ws, 1)).fixes[0]!.status, 'rolled-back');
  } finally {
    await w.cleanup();
  }
});

test('dry run prints the diff and changes nothing (not even the workspace)', async () => {
  const w = await makeWorld();
  try {
    const before = await w.state();
    const r = await applyFix(plan('fix1', UA_DIFF), w.ctx, { dryRun: true });
    assert.equal(r.status, 'dry-run');
    assert.match(r.diff, /\+\+\+ b\/IAFD\.bundle\/Contents\/Code\/utils\.py/);
    assert.ok(w.output.some((l) => l.startsWith('Plan: ') && l.includes('restart com.plexapp.agents.AEBN, com.plexapp.agents.GEVI, com.plexapp.agents.IAFD (plist-touch → http')), w.output.join('\n'));
    assert.ok(w.output.some((l) => l.includes("+    headers = {'User-Agent': getUserAgent(), 'Referer': url}")));
    assert.deepEqual(await w.state(), before);
    assert.equal(await stat(w.ctx.ws.root).catch(() => undefined), undefined);
  } finally {
    await w.cleanup();
  }
});

test('declining the prompt changes nothing and is recorded', async () => {
  const w = await makeWorld();
  try {
    const before = await w.state();
    const asked: string[] = [];
    w.deps.prompt = async (q) => (asked.push(q), false);
    const r = await applyFix(plan('fix1', UA_DIFF), w.ctx, {});
    assert.equal(r.status, 'declined');
    assert.match(asked[0]!, /Apply fix1 to 3 file/);
    assert.deepEqual(await w.state(), before);
    assert.equal((await readLog(nodeFs, w.ctx.ws, 1)).fixes[0]!.status, 'declined');
  } finally {
    await w.cleanup();
  }
});

test('a patch that does not fit is refused before anything is written', async () => {
  const w = await makeWorld();
  try {
    const before = await w.state();
    const bad = UA_DIFF.replace("-    headers = {'User-Agent': getUserAgent()}", "-    headers = {'X': 1}");
    await assert.rejects(applyFix(plan('fix1', bad), w.ctx, { yes: true }), PatchConflictError);
    assert.deepEqual(await w.state(), before);
  } finally {
    await w.cleanup();
  }
});

test('shared copies that differ before patching are refused', async () => {
  const w = await makeWorld();
  try {
    const p = join(w.plugins, 'AEBN.bundle/Contents/Code/utils.py');
    await writeFile(p, (await readFile(p, 'utf8')) + '# local edit\n');
    await assert.rejects(applyFix(plan('fix1', UA_DIFF), w.ctx, { yes: true }), SharedCopiesDifferError);
  } finally {
    await w.cleanup();
  }
});

test('rollback refuses a file someone else changed since, names it, and --force overwrites it', async () => {
  const w = await makeWorld();
  try {
    const before = await w.state();
    await applyFix(plan('fix1', UA_DIFF), w.ctx, { yes: true });
    const p = join(w.plugins, 'IAFD.bundle/Contents/Code/utils.py');
    await writeFile(p, (await readFile(p, 'utf8')) + '# user edit\n');
    await assert.rejects(rollbackFix('fix1', w.ctx), (e: unknown) => e instanceof FileChangedError && /IAFD\.bundle\/Contents\/Code\/utils\.py/.test((e as Error).message));
    assert.match(await readFile(p, 'utf8'), /# user edit/, 'nothing overwritten');
    const rb = await rollbackFix('fix1', w.ctx, { force: true });
    assert.ok(rb.files.some((f) => f.method === 'forced' && f.rel.startsWith('IAFD')));
    assert.deepEqual(await w.state(), before);
  } finally {
    await w.cleanup();
  }
});

for (const order of [['fix1', 'fix2'], ['fix2', 'fix1']]) {
  test(`stacked fixes on one file roll back in either order (${order.join(' then ')})`, async () => {
    const w = await makeWorld();
    try {
      const before = await w.state();
      assert.equal((await applyFix(plan('fix1', UA_DIFF), w.ctx, { yes: true })).status, 'applied');
      assert.equal((await applyFix(plan('fix2', DELAY_DIFF), w.ctx, { yes: true })).status, 'applied');
      const both = await readFile(join(w.plugins, 'GEVI.bundle/Contents/Code/utils.py'), 'utf8');
      assert.match(both, /'Referer': url/);
      assert.match(both, /return 10/);
      const first = await rollbackFix(order[0]!, w.ctx);
      if (order[0] === 'fix1') {
        assert.ok(first.files.every((f) => f.method === 'reverse-patch'));
        const mid = await readFile(join(w.plugins, 'GEVI.bundle/Contents/Code/utils.py'), 'utf8');
        assert.doesNotMatch(mid, /Referer/);
        assert.match(mid, /return 10/, 'the later fix stays');
      }
      await rollbackFix(order[1]!, w.ctx);
      assert.deepEqual(await w.state(), before);
    } finally {
      await w.cleanup();
    }
  });
}

test('overlapping stacked fixes: rolling back the earlier one rolls back the later one first and says so', async () => {
  const w = await makeWorld();
  try {
    const before = await w.state();
    await applyFix(plan('fix1', UA_DIFF), w.ctx, { yes: true });
    await applyFix(plan('fix2', UA2_DIFF), w.ctx, { yes: true });
    const rb = await rollbackFix('fix1', w.ctx);
    assert.deepEqual(rb.rolledBackFirst, ['fix2']);
    assert.ok(w.output.some((l) => /rolling back fix2 first/.test(l)));
    assert.deepEqual(await w.state(), before);
    const log = await readLog(nodeFs, w.ctx.ws, 1);
    assert.deepEqual(log.fixes.map((f) => f.status), ['rolled-back', 'rolled-back']);
  } finally {
    await w.cleanup();
  }
});

test('a patch that breaks the naming rules or 2.7 compile is caught and rolled back automatically', async () => {
  for (const line of ["+    _private = 1", "+    x = f'{url}'"]) {
    const w = await makeWorld();
    try {
      const before = await w.state();
      const diff = ['@@ -6,2 +6,3 @@', ' def getUserAgent():', line, "     return 'Mozilla/5.0'", ''].join('\n');
      const r = await applyFix(plan('fix1', diff), w.ctx, { yes: true });
      assert.equal(r.status, 'rolled-back');
      assert.match(r.reasons.join(' '), /fake-py27 rejected the change/);
      assert.deepEqual(await w.state(), before);
      const rec = (await readLog(nodeFs, w.ctx.ws, 1)).fixes[0]!;
      assert.equal(rec.rollback?.automatic, true);
      assert.equal(rec.restarts.length, 0, 'broken code never restarted into');
    } finally {
      await w.cleanup();
    }
  }
});

test('a new traceback after the restart rolls back and restarts again; resource-hashes noise alone does not', async () => {
  const w = await makeWorld();
  try {
    const before = await w.state();
    const diff = ['@@ -12,2 +12,3 @@', ' def delay():', '+    BROKEN_AT_START', '     return 5', ''].join('\n');
    const r = await applyFix(plan('fix1', diff), w.ctx, { yes: true });
    assert.equal(r.status, 'rolled-back');
    assert.match(r.reasons.join(' '), /new error in the plug-in log after the restart: .*CRITICAL \(core:574\) - Exception in the code/);
    assert.deepEqual(await w.state(), before);
    const rec = (await readLog(nodeFs, w.ctx.ws, 1)).fixes[0]!;
    assert.equal(rec.restarts.filter((a) => a.outcome === 'ok').length, 6, 'restarted after the change and again after the rollback');
    const log = await readFile(join(w.logsDir, 'com.plexapp.agents.GEVI.log'), 'utf8');
    assert.doesNotMatch(log, /BROKEN_AT_START/, 'the restored code was loaded');
  } finally {
    await w.cleanup();
  }
});

test('when no restart can be observed the change is not kept; with --no-wait it is kept and marked pending', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    w.plistWorks = false;
    w.plex.httpWorks = false;
    w.deps.prompt = async (q) => !q.startsWith('Restarted');
    const r = await applyFix(plan('fix1', UA_DIFF, ['GEVI']), w.ctx, { yes: true });
    assert.equal(r.status, 'rolled-back');
    assert.match(r.reasons.join(' '), /was not observed/);
    const rec = (await readLog(nodeFs, w.ctx.ws, 1)).fixes[0]!;
    assert.deepEqual(rec.restarts.map((a) => `${a.strategy}:${a.outcome}`).slice(0, 4), ['plist-touch:not-observed', 'http:failed', 'plex-restart:skipped', 'manual:skipped']);
    assert.doesNotMatch(JSON.stringify(rec), /SECRETTOKEN123/, 'token redacted from recorded errors');
    w.ctx.restart = { ...w.ctx.restart, noWait: true };
    const r2 = await applyFix(plan('fix2', UA_DIFF, ['GEVI']), w.ctx, { yes: true });
    assert.equal(r2.status, 'applied');
    assert.match(r2.reasons.join(' '), /pending \(--no-wait\)/);
    assert.ok(w.output.some((l) => l.includes('touch "') && l.includes('Info.plist')), 'manual steps printed');
  } finally {
    await w.cleanup();
  }
});

test('an error in the middle of a change (the checker cannot run) undoes the change before it is reported', async () => {
  const w = await makeWorld();
  try {
    const before = await w.state();
    w.deps.checker = { checkFiles: async () => { throw new Error('checker exploded'); } };
    await assert.rejects(applyFix(plan('fix1', UA_DIFF), w.ctx, { yes: true }), /checker exploded/);
    assert.deepEqual(await w.state(), before);
    assert.ok(w.output.some((l) => /was undone/.test(l)));
    assert.equal((await readLog(nodeFs, w.ctx.ws, 1)).fixes[0]!.status, 'rolled-back');
  } finally {
    await w.cleanup();
  }
});

test('owner and mode survive apply and rollback (files are written in place)', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
  const { chown, chmod: chm } = await import('node:fs/promises');
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const p = join(w.plugins, 'GEVI.bundle/Contents/Code/utils.py');
    await chown(p, 4242, 4343);
    await chm(p, 0o604);
    await applyFix(plan('fix1', UA_DIFF, ['GEVI']), w.ctx, { yes: true });
    let s = await stat(p);
    assert.deepEqual([s.uid, s.gid, s.mode & 0o777], [4242, 4343, 0o604]);
    await rollbackFix('fix1', w.ctx);
    s = await stat(p);
    assert.deepEqual([s.uid, s.gid, s.mode & 0o777], [4242, 4343, 0o604]);
  } finally {
    await w.cleanup();
  }
});

test('a change in progress in another live process is a lock: nothing is written, the record says why', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const before = await w.state();
    const { writeFile: wf, mkdir: md } = await import('node:fs/promises');
    const { paths } = await import('../../src/workspace.ts');
    await md(w.ctx.ws.root, { recursive: true });
    await wf(paths.implementJournal(w.ctx.ws), JSON.stringify({
      schema: 'plexmend.journal/1', op: 'apply', fixId: 'fix9', iteration: 1, recordStartedAt: 'x', pid: 999999, pluginsDir: w.plugins,
      pluginSupport: w.ctx.layout.pluginSupport, objectsDir: w.root, files: [], restart: [], steps: [{ step: 'planned', at: 'x' }], closed: false,
    }));
    w.deps.isAlive = (pid) => pid === 999999;
    await assert.rejects(applyFix(plan('fix1', UA_DIFF, ['GEVI']), w.ctx, { yes: true }), /locked by plexmend process 999999/);
    assert.deepEqual(await w.state(), before);
    w.deps.isAlive = () => false; // the other process died: its (empty) change is recovered, then ours goes ahead
    assert.equal((await applyFix(plan('fix1', UA_DIFF, ['GEVI']), w.ctx, { yes: true })).status, 'applied');
    assert.ok(w.output.some((l) => /interrupted apply of fix9 .* was abandoned/.test(l)));
  } finally {
    await w.cleanup();
  }
});

test('fileAsOf: the code that was live at a given time comes from the backup store', async () => {
  const { fileAsOf, readHistory } = await import('../../src/implement/history.ts');
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const rel = 'GEVI.bundle/Contents/Code/utils.py';
    const original = await readFile(join(w.plugins, rel));
    const t0 = w.deps.now();
    await w.deps.sleep(1000);
    await applyFix(plan('fix1', UA_DIFF, ['GEVI']), w.ctx, { yes: true });
    const afterFix1 = await readFile(join(w.plugins, rel));
    await w.deps.sleep(1000);
    const t1 = w.deps.now();
    await w.deps.sleep(1000);
    await applyFix(plan('fix2', DELAY_DIFF, ['GEVI']), w.ctx, { yes: true });
    const h = await readHistory(nodeFs, w.ctx.ws);
    assert.deepEqual(await fileAsOf(nodeFs, h, rel, t0), original);
    assert.deepEqual(await fileAsOf(nodeFs, h, rel, t1), afterFix1);
    assert.deepEqual(await fileAsOf(nodeFs, h, rel, w.deps.now()), await readFile(join(w.plugins, rel)));
    assert.equal(await fileAsOf(nodeFs, h, 'GEVI.bundle/Contents/Code/__init__.py', t0), undefined);
  } finally {
    await w.cleanup();
  }
});

test('whole-file changes: a _PGMA data file replaced and a new bundle file created; rollback restores and removes', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const before = await w.state();
    const p = FixPlanSchema.parse({
      schema: 'plexmend.fixplan/1', fixId: 'fix1', iteration: 1, title: 'Thumbor moved', expectation: 'Thumbor crop errors go to zero',
      changes: [
        { path: '_PGMA/Thumbor.txt', content: 'http://34.16.174.76\n' },
        { path: 'GEVI.bundle\\Contents\\Code\\extra.py', content: '# helper\n' },
      ],
    });
    const r = await applyFix(p, w.ctx, { yes: true });
    assert.equal(r.status, 'applied', r.reasons.join('; '));
    assert.equal(await readFile(join(w.plugins, '_PGMA/Thumbor.txt'), 'utf8'), 'http://34.16.174.76\n');
    assert.equal(await readFile(join(w.plugins, 'GEVI.bundle/Contents/Code/extra.py'), 'utf8'), '# helper\n');
    assert.deepEqual(r.record!.restarts.map((a) => a.bundleId), ['com.plexapp.agents.GEVI'], 'only the touched bundle restarts');
    await rollbackFix('fix1', w.ctx);
    assert.deepEqual(await w.state(), before, 'Thumbor.txt restored, extra.py removed');
  } finally {
    await w.cleanup();
  }
});

test('rollbackIteration undoes every applied fix of an iteration, newest first', async () => {
  const { rollbackIteration } = await import('../../src/implement/rollback.ts');
  const w = await makeWorld();
  try {
    const before = await w.state();
    await applyFix(plan('fix1', UA_DIFF), w.ctx, { yes: true });
    await applyFix(plan('fix2', UA2_DIFF), w.ctx, { yes: true });
    await applyFix(plan('fix3', DELAY_DIFF), w.ctx, { yes: true });
    const done = await rollbackIteration(w.ctx, 1, 'the panel regressed');
    assert.deepEqual(done.map((d) => d.fixId), ['fix3', 'fix2', 'fix1']);
    assert.deepEqual(await w.state(), before);
    const log = await readLog(nodeFs, w.ctx.ws, 1);
    assert.ok(log.fixes.every((f) => f.status === 'rolled-back' && f.rollback?.reason === 'the panel regressed'));
  } finally {
    await w.cleanup();
  }
});

test('a damaged backup object is detected by hash and the rollback refuses before writing anything', async () => {
  const { BackupCorruptError } = await import('../../src/implement/errors.ts');
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const r = await applyFix(plan('fix1', UA_DIFF, ['GEVI']), w.ctx, { yes: true });
    const after = await w.state();
    const obj = join(r.record!.backupDir!, 'files', r.record!.files[0]!.beforeSha!);
    await writeFile(obj, 'not the original bytes');
    await assert.rejects(rollbackFix('fix1', w.ctx), BackupCorruptError);
    assert.deepEqual(await w.state(), after);
  } finally {
    await w.cleanup();
  }
});

test('a file edited while apply waits for confirmation is not overwritten from stale bytes', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const p = join(w.plugins, 'GEVI.bundle/Contents/Code/utils.py');
    w.deps.prompt = async () => {
      await writeFile(p, (await readFile(p, 'utf8')) + '# edited during the prompt\n');
      return true;
    };
    await assert.rejects(applyFix(plan('fix1', UA_DIFF, ['GEVI']), w.ctx, {}), /changed while plexmend was waiting; nothing was written/);
    const text = await readFile(p, 'utf8');
    assert.match(text, /# edited during the prompt/);
    assert.doesNotMatch(text, /Referer/);
  } finally {
    await w.cleanup();
  }
});
