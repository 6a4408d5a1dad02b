/**
 * Fault injection against the real sandbox (PMS emulator, real agent plug-ins, real logs): a fix is tested
 * while refreshes never end, the notification socket drops, the server answers 500s or restarts mid-test,
 * and the plug-in log rotates or is lost mid-test. The result must be INCONCLUSIVE or correct — never a
 * wrong KEEP. Both a good fix (KEEP is right) and a useless one (KEEP would be wrong) go through the faults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../src/sandbox/scenario.ts';
import { runControl, runTreatment, type ControlRun, type TestDeps, type TestOptions } from '../../src/testing/run.ts';
import type { LogReport } from '../../src/logs/schema.ts';
import type { TestReport } from '../../src/testing/schema.ts';
import { startRig, applyAgentPatch, headerProposal, GOOD_HEADERS, USELESS_HEADERS, SUBJECT, type Rig } from '../../bench/testing.ts';

const OPTS: TestOptions = { iteration: 1, target: 'sandbox', size: 8, guards: 0, seed: 1, paceMs: 0 };

/** Python's RotatingFileHandler.doRollover by hand, as six plug-in restarts would do between two reads. */
async function rotateAway(logsDir: string, base: string): Promise<void> {
  const file = join(logsDir, `${base}.log`);
  for (let k = 0; k < 6; k++) {
    await rm(`${file}.5`, { force: true });
    for (let n = 4; n >= 1; n--) await rename(`${file}.${n}`, `${file}.${n + 1}`).catch(() => undefined);
    await rename(file, `${file}.1`).catch(() => undefined);
    await writeFile(file, `2024-08-30 10:00:0${k},000 (7f52) :  INFO (core:349) - Starting framework core - Version: 2.6.3\n`);
  }
}

test('fault injection in the sandbox: INCONCLUSIVE or correct, never a wrong KEEP', { timeout: 180_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'plexmend test faults '));
  // The default scenario without the subject's rate limit: the header fix is plainly good.
  const scenario = structuredClone(loadScenario('default'));
  delete scenario.sites.find((s) => s.host === SUBJECT.host)!.behaviours.rateLimit;
  const rig: Rig = await startRig({ scenario, seed: 5, dir: join(root, 'Application Support'), refreshTimeoutMs: 5000 });
  t.after(async () => {
    await rig.close();
    await rm(root, { recursive: true, force: true });
  });
  const p = headerProposal();
  const original: { text?: string } = {};
  const baseline: LogReport = await rig.baseline();
  const control: ControlRun = await runControl(p, baseline, rig.deps, OPTS);
  assert.ok(control.items.filter((i) => i.result !== 'matched').length >= 6, 'the control reproduces the 403s');
  const emu = rig.sb.emulator;

  /** Wraps refreshAndWait: `before(n)` runs before the n-th refresh, `after(n)` after it. */
  const around = (hooks: { before?(n: number): Promise<void> | void; after?(n: number): Promise<void> | void }): TestDeps => {
    let n = 0;
    return { ...rig.deps, plex: { ...rig.deps.plex, refreshAndWait: async (rk) => {
      const k = ++n;
      await hooks.before?.(k);
      const out = await rig.deps.plex.refreshAndWait(rk);
      await hooks.after?.(k);
      return out;
    } } };
  };
  const show = (r: TestReport) => `${r.decision.decision} (${r.decision.reasons.join('; ')})`;
  /** One treatment under a fault (armed just before it, switched off after). */
  const under = async (name: string, arm: () => void, deps: TestDeps = rig.deps): Promise<TestReport> => {
    arm();
    try {
      const r = await runTreatment(p, control, baseline, deps, OPTS);
      t.diagnostic(`${name}: ${show(r)}; ${r.refreshes.started} refreshes, ${r.refreshes.timedOut} incomplete`);
      return r;
    } finally {
      emu.faults.reset();
    }
  };
  const goodOrInconclusive = (r: TestReport) => assert.ok(['KEEP', 'INCONCLUSIVE'].includes(r.decision.decision), show(r));
  const notKept = (r: TestReport) => assert.notEqual(r.decision.decision, 'KEEP', `wrong KEEP: ${show(r)}`);
  const serverRestart = () => around({ before: (n) => void (n === 3 && setTimeout(() => void emu.restart(800), 30)) });
  const pluginRestart = () => around({ before: async (n) => {
    if (n !== 3) return;
    const now = new Date();
    await utimes(join(rig.sb.pluginsDir, SUBJECT.bundle, 'Contents', 'Info.plist'), now, now);
    await new Promise((r) => setTimeout(r, 1500));
  } });
  const fiveHundreds = () => {
    emu.faults.failRequests(/^\/library\/metadata\/\d+$/, { count: 3 });
    emu.faults.failRequests(/\/refresh$/, { status: 500, count: 1, method: 'PUT' });
  };

  await t.test('good fix: correct (KEEP) or INCONCLUSIVE under every fault', async () => {
    await applyAgentPatch(rig, GOOD_HEADERS, original);
    assert.equal((await under('good, no fault', () => undefined)).decision.decision, 'KEEP', 'the reference');
    const ws = await under('good, websocket drops', () => emu.faults.dropWebsocketsOnRefresh(4));
    assert.equal(ws.decision.decision, 'KEEP', '/activities polling sees each end when the socket is gone');
    const five = await under('good, 500s', fiveHundreds);
    goodOrInconclusive(five);
    assert.equal(five.refreshes.timedOut, 1, 'the refused refresh counts as incomplete; the test went on');
    const plug = await under('good, plug-in restart mid-test (its log rotates)', () => undefined, pluginRestart());
    assert.equal(plug.logGap.bytes, 0, 'a rotation between reads loses nothing');
    assert.equal(plug.decision.decision, 'KEEP');
    goodOrInconclusive(await under('good, server restart mid-test', () => undefined, serverRestart()));
  });

  await t.test('useless fix: never KEEP under any fault', async () => {
    await applyAgentPatch(rig, USELESS_HEADERS, original);
    assert.equal((await under('useless, no fault', () => undefined)).decision.decision, 'ROLLBACK', 'the reference');
    notKept(await under('useless, websocket drops', () => emu.faults.dropWebsocketsOnRefresh(4)));
    notKept(await under('useless, 500s', fiveHundreds));
    notKept(await under('useless, plug-in restart mid-test', () => undefined, pluginRestart()));
    notKept(await under('useless, server restart mid-test', () => undefined, serverRestart()));
  });

  await t.test('the plug-in log rotated away unread mid-test: INCONCLUSIVE with the gap', async () => {
    const lost = await under('log rotated away', () => undefined, around({ after: (n) => (n === 2 ? rotateAway(rig.sb.logsDir, SUBJECT.bundleId) : undefined) }));
    assert.equal(lost.decision.decision, 'INCONCLUSIVE', show(lost));
    assert.match(lost.decision.reasons.join(' '), /rotated away/);
    assert.ok(lost.logGap.bytes > 0);
    // The plug-in writes to a file that no longer exists: restart it so its log is live again.
    await applyAgentPatch(rig, GOOD_HEADERS, original);
  });

  await t.test('refreshes never end: INCONCLUSIVE, not judged', async () => {
    await applyAgentPatch(rig, USELESS_HEADERS, original);
    const quick: TestDeps = { ...rig.deps, plex: { ...rig.deps.plex, refreshAndWait: (rk) => rig.plex.refreshAndWait(rk, { timeoutMs: 600, pollIntervalMs: 100, quietMs: 300, connectTimeoutMs: 300 }) } };
    const stalled = await under('stalled refreshes', () => emu.faults.stallRefreshes(), quick);
    assert.equal(stalled.decision.decision, 'INCONCLUSIVE', show(stalled));
    assert.equal(stalled.refreshes.timedOut, stalled.refreshes.started);
  });
});
