import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newState, runLoop } from '../../src/loop/coordinator.ts';
import type { LoopState } from '../../src/loop/schema.ts';
import { loopStateSchema } from '../../src/loop/schema.ts';
import { Killed, World, worldPorts, type Defect } from './world.ts';

const MAIN: Defect[] = [
  { groupId: 'gA', agent: 'SiteA', items: 6, behaviour: 'cures' },
  { groupId: 'gB', agent: 'SiteB', items: 3, behaviour: 'monitor' },
  { groupId: 'gC', agent: 'SiteC', items: 2, behaviour: 'harmful' },
  { groupId: 'gD', agent: 'SiteD', items: 2, behaviour: 'flaky' },
  { groupId: 'gE', agent: 'SiteE', items: 2, behaviour: 'stale' },
];

const start = (over: Partial<{ goal: number; maxIterations: number }> = {}) =>
  newState({ goal: 0.9, maxIterations: 10, seed: 7, target: 'fake world', ...over }, new Date('2026-11-24T03:00:00Z'));

async function run(defects: Defect[], healthy: number, over: Partial<{ goal: number; maxIterations: number }> = {}) {
  const w = new World({ defects, healthy });
  const { ports, calls } = worldPorts(w);
  const s = await runLoop(start(over), ports);
  return { w, s, calls: calls() };
}

const fate = (s: LoopState) => s.fixes.map((f) => `${f.iteration} ${f.fixId} ${f.decision} ${f.kept ? 'kept' : 'not kept'}`);

test('a full run: kept, monitored, rolled back, inconclusive twice then parked, a stale patch re-derived, then EXHAUSTED', async () => {
  const { w, s } = await run(MAIN, 5);
  assert.deepEqual(fate(s), [
    '1 fix-gA KEEP kept',
    '1 fix-gB MONITOR kept',
    '1 fix-gC ROLLBACK not kept',
    '1 fix-gD INCONCLUSIVE not kept',
    '1 fix-gE KEEP kept',
    '2 fix-gD INCONCLUSIVE not kept',
    '2 fix1 MONITOR kept',
  ]);
  // The MONITOR fix was re-tested on fresh items in iteration 2, as its own entry, without being applied again.
  const retest = s.fixes.find((f) => f.retestOf)!;
  assert.deepEqual(retest.retestOf, { iteration: 1, fixId: 'fix-gB' });
  assert.ok(w.docs.has('test/2/fix1'));
  assert.equal(w.log.filter((l) => l.startsWith('apply') && l.includes('fix-gB')).length, 1);
  // The panel is what the world reports: 5 healthy of 20, then the three working fixes cure 11 more.
  assert.deepEqual(s.figures.map((f) => `${f.iteration}: ${f.matched}/${f.observed}`), ['0: 5/20', '1: 16/20', '2: 16/20']);
  assert.equal(s.exit?.reason, 'EXHAUSTED');
  assert.match(s.exit!.detail, /80 %/);
  assert.deepEqual(s.parked.map((p) => p.groupId), ['gD']);
  assert.match(s.parked[0]!.reason, /inconclusive twice/);
  assert.equal(s.inconclusive.gD, 2);
  // What is in the Plug-ins folder at the end: exactly the kept fixes.
  assert.deepEqual([...w.applied.keys()].sort(), ['1:fix-gA', '1:fix-gB', '1:fix-gE']);
  assert.ok(w.log.includes('rollback 1:fix-gC') && w.log.includes('rollback 1:fix-gD') && w.log.includes('rollback 2:fix-gD'));
  // The rolled-back fix is not tried again in iteration 2.
  assert.equal(s.fixes.filter((f) => f.groupId === 'gC').length, 1);
  // The stale patch was derived again on the current code, saved in the diagnosis, and that one was applied and kept.
  assert.equal(w.log.filter((l) => l === 're-derive fix-gE').length, 1);
  const d1 = w.docs.get('diagnosis/1') as { groups: Array<{ id: string; proposals: Array<{ rationale: string }> }> };
  assert.equal(d1.groups.find((g) => g.id === 'gE')!.proposals[0]!.rationale, 're-derived');
  // The 429s the header fix brought became a compose lesson in the ledger.
  const ledger = w.docs.get('lessons') as { lessons: Array<{ action: { type: string; with?: string }; scope: { host?: string } }> };
  assert.ok(ledger.lessons.some((l) => l.action.type === 'compose' && l.action.with === 'retry_backoff' && l.scope.host === 'www.gA.example'));
  assert.equal(s.step, 'done');
  loopStateSchema.parse(s);
  assert.deepEqual(w.lastState, s, 'the last saved state is the final state');
});

test('SUCCESS when the goal is reached; MAX_ITERATIONS when iterations run out', async () => {
  const ok = await run(MAIN, 5, { goal: 0.8 });
  assert.equal(ok.s.exit?.reason, 'SUCCESS');
  assert.equal(ok.s.iteration, 1);
  const max = await run(MAIN, 5, { maxIterations: 1 });
  assert.equal(max.s.exit?.reason, 'MAX_ITERATIONS');
  assert.deepEqual([...max.w.applied.keys()].sort(), ['1:fix-gA', '1:fix-gB', '1:fix-gE'], 'kept fixes stay at the end');
});

test('FAILURE: a fix that tests well but regresses the panel rolls back the whole iteration', async () => {
  const { w, s } = await run(
    [
      { groupId: 'gA', agent: 'SiteA', items: 6, behaviour: 'cures' },
      { groupId: 'gS', agent: 'SiteS', items: 2, behaviour: 'sneaky', breaks: 10 },
    ],
    12,
  );
  assert.deepEqual(s.figures.map((f) => f.matched), [12, 10]);
  assert.equal(s.exit?.reason, 'FAILURE');
  assert.match(s.exit!.detail, /regressed from 60 % to 50 %/);
  assert.equal(w.applied.size, 0, 'nothing of iteration 1 stays applied');
  assert.ok(w.log.includes('rollback iteration 1'));
  assert.deepEqual(fate(s), ['1 fix-gA KEEP not kept', '1 fix-gS KEEP not kept']);
});

test('a change that fails its immediate validation is a ROLLBACK without a test', async () => {
  const { w, s } = await run([{ groupId: 'gX', agent: 'SiteX', items: 4, behaviour: 'broken' }], 6);
  assert.deepEqual(fate(s), ['1 fix-gX ROLLBACK not kept']);
  assert.match(s.fixes[0]!.reasons[0]!, /rolled back at once: python 2.7 check failed/);
  assert.equal(w.docs.has('test/1/fix-gX'), false);
  assert.equal(s.exit?.reason, 'EXHAUSTED');
});

test('MONITOR: re-tested next iteration on fresh items; a failed re-test rolls the fix back where it was applied', async () => {
  const { w, s } = await run(
    [
      { groupId: 'gA', agent: 'SiteA', items: 6, behaviour: 'cures' },
      { groupId: 'gF', agent: 'SiteF', items: 3, behaviour: 'fades' },
      { groupId: 'gC', agent: 'SiteC', items: 2, behaviour: 'harmful' },
    ],
    9,
  );
  assert.deepEqual(fate(s), ['1 fix-gA KEEP kept', '1 fix-gF MONITOR not kept', '1 fix-gC ROLLBACK not kept', '2 fix1 ROLLBACK not kept']);
  assert.ok(w.log.includes('rollback 1:fix-gF'), 'rolled back in its own iteration');
  assert.deepEqual([...w.applied.keys()].sort(), ['1:fix-gA']);
  assert.deepEqual(s.figures.map((f) => f.matched), [9, 15, 15]);
  // Neither the rolled-back MONITOR fix nor its re-test is tried again: nothing is left.
  assert.equal(s.exit?.reason, 'EXHAUSTED');
  assert.match(s.exit!.detail, /gF \(rolled back: ROLLBACK/);
});

test('a patch that never fits (and cannot be derived again) is inconclusive, retried once, then parked', async () => {
  const { w, s } = await run([{ groupId: 'gN', agent: 'SiteN', items: 4, behaviour: 'stale', neverFits: true }], 6);
  assert.deepEqual(fate(s), ['1 fix-gN INCONCLUSIVE not kept', '2 fix-gN INCONCLUSIVE not kept']);
  assert.match(s.fixes[0]!.reasons[0]!, /not applied: context lines differ/);
  assert.deepEqual(s.parked.map((p) => p.groupId), ['gN']);
  assert.equal(w.log.filter((l) => l === 're-derive fix-gN').length, 2);
  assert.equal(s.exit?.reason, 'PLATEAU', 'two iterations without progress');
  assert.equal(w.applied.size, 0);
});

test('EXHAUSTED names what is left and why', async () => {
  const { s } = await run(MAIN, 5);
  assert.match(s.exit!.detail, /gC \(rolled back: ROLLBACK/);
  assert.match(s.exit!.detail, /gD \(parked: fix-gD was inconclusive twice/);
});

test('a start figure that already meets the goal, with nothing to fix, ends in SUCCESS, not EXHAUSTED', async () => {
  const { s } = await run([], 20);
  assert.equal(s.exit?.reason, 'SUCCESS');
  assert.match(s.exit!.detail, /100 % \(goal 90 %\) and no fix is needed/);
  assert.equal(s.fixes.length, 0);
});

test('a start figure that meets the goal with errors left still tries their fixes, then judges the panel', async () => {
  const { s, w } = await run([{ groupId: 'gC', agent: 'SiteC', items: 1, behaviour: 'harmful' }], 19);
  assert.deepEqual(fate(s), ['1 fix-gC ROLLBACK not kept']);
  assert.equal(s.exit?.reason, 'SUCCESS');
  assert.equal(w.applied.size, 0);
});

function canonical(s: LoopState) {
  const { updatedAt: _u, timings: _t, ...rest } = structuredClone(s);
  return rest;
}

const REGRESSING: Defect[] = [
  { groupId: 'gA', agent: 'SiteA', items: 6, behaviour: 'cures' },
  { groupId: 'gS', agent: 'SiteS', items: 2, behaviour: 'sneaky', breaks: 10 },
];

async function baseline(defects = MAIN, healthy = 5) {
  const { w, s, calls } = await run(defects, healthy);
  return { state: canonical(s), applied: [...w.applied.keys()].sort(), ledger: w.docs.get('lessons'), calls };
}

/** Runs with kills at the given port calls (one per process life), resuming from the saved state each time as `--resume` does. */
async function runWithKills(kills: Array<{ at: number; after: boolean }>, defects = MAIN, healthy = 5) {
  const w = new World({ defects, healthy });
  for (const k of kills) {
    const { ports } = worldPorts(w, { kill: k.at, after: k.after });
    const from = w.lastState ? structuredClone(w.lastState) : start();
    await assert.rejects(runLoop(from, ports), (e) => e instanceof Killed, `the kill at ${k.at} happened`);
  }
  const s = await runLoop(w.lastState ? structuredClone(w.lastState) : start(), worldPorts(w).ports);
  return { state: canonical(s), applied: [...w.applied.keys()].sort(), ledger: w.docs.get('lessons') };
}

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('RESUME: killed at 20 seeded random moments (some twice), each resumed run ends in the uninterrupted final state', async () => {
  const base = await baseline();
  assert.ok(base.calls > 60, `enough port calls to kill in (${base.calls})`);
  const rnd = mulberry32(20261124);
  for (let i = 0; i < 20; i++) {
    const kills = [{ at: 1 + Math.floor(rnd() * base.calls), after: rnd() < 0.5 }];
    // Every fourth run dies a second time early in its resumed life.
    if (i % 4 === 3) kills.push({ at: 1 + Math.floor(rnd() * 20), after: rnd() < 0.5 });
    const got = await runWithKills(kills);
    assert.deepEqual(got.state, base.state, `state after kills ${JSON.stringify(kills)}`);
    assert.deepEqual(got.applied, base.applied, `applied fixes after kills ${JSON.stringify(kills)}`);
    assert.deepEqual(got.ledger, base.ledger, `ledger after kills ${JSON.stringify(kills)}`);
  }
});

/** The same five behaviours on one or two items each: the same steps and port calls, smaller documents (the sweep stays fast). */
const SMALL: Defect[] = [...MAIN.map((d) => ({ ...d, items: d.groupId === 'gA' ? 2 : 1 })), { groupId: 'gF', agent: 'SiteF', items: 1, behaviour: 'fades' }];

test('RESUME: a kill before or after every single port call resumes to the same final state', async () => {
  const base = await baseline(SMALL, 2);
  assert.equal(base.state.exit?.reason, 'EXHAUSTED');
  assert.deepEqual(fate(base.state as LoopState).filter((f) => f.startsWith('2 fix1') || f.startsWith('2 fix2')), ['2 fix1 MONITOR kept', '2 fix2 ROLLBACK not kept'], 'both re-test outcomes are in the sweep');
  // A kill before call k leaves the same world as a kill after call k − 1 (nothing persists in between), so
  // "before the first call" plus "after every call" covers every moment.
  const moments = [{ at: 1, after: false }, ...Array.from({ length: base.calls }, (_, i) => ({ at: i + 1, after: true }))];
  for (const { at, after } of moments) {
    const got = await runWithKills([{ at, after }], SMALL, 2);
    const where = `kill ${after ? 'after' : 'before'} call ${at}`;
    assert.deepEqual(got.state, base.state, where);
    assert.deepEqual(got.applied, base.applied, where);
    assert.deepEqual(got.ledger, base.ledger, where);
  }
});

test('RESUME: a kill anywhere in an iteration that ends in FAILURE still rolls the whole iteration back', async () => {
  const base = await baseline(REGRESSING, 12);
  assert.equal(base.state.exit?.reason, 'FAILURE');
  // A kill before call k leaves the same world as a kill after call k − 1 (nothing persists in between), so
  // "before the first call" plus "after every call" covers every moment.
  const moments = [{ at: 1, after: false }, ...Array.from({ length: base.calls }, (_, i) => ({ at: i + 1, after: true }))];
  for (const { at, after } of moments) {
    const got = await runWithKills([{ at, after }], REGRESSING, 12);
    const where = `kill ${after ? 'after' : 'before'} call ${at}`;
    assert.deepEqual(got.state, base.state, where);
    assert.deepEqual(got.applied, [], where);
  }
});

test('RESUME: a kill during the first panel refresh keeps the panel chosen before it', async () => {
  const w = new World({ defects: MAIN, healthy: 5 });
  // Like the real port, a second choice would differ (it reads the logs the first refresh wrote).
  let choices = 0;
  const choosing = (ports: ReturnType<typeof worldPorts>['ports']) => {
    ports.choosePanel = async () => (choices++ === 0 ? w.library.slice(0, 10) : w.library.slice(10)).map(({ ratingKey, title, filePath, failing }) => ({ ratingKey, title, filePath, failing }));
    return ports;
  };
  const killed = worldPorts(w, { kill: 3 }); // choosePanel, saveState, then the refresh dies
  await assert.rejects(runLoop(start(), choosing(killed.ports)), (e) => e instanceof Killed);
  const s = await runLoop(structuredClone(w.lastState!), choosing(worldPorts(w).ports));
  assert.equal(choices, 1);
  assert.deepEqual(s.panel.map((p) => p.ratingKey), w.library.slice(0, 10).map((i) => i.ratingKey));
  assert.equal(s.figures[0]!.observed, 10);
});

test('a second loop in the same workspace continues the numbering and leaves the first loop\'s kept fixes alone', async () => {
  const w = new World({ defects: MAIN, healthy: 5 });
  const first = await runLoop(start(), worldPorts(w).ports);
  assert.equal(first.iteration, 3);
  const kept = [...w.applied.keys()].sort();
  const second = await runLoop(
    newState({ goal: 0.9, maxIterations: 1, seed: 7, target: 'fake world', firstIteration: 4 }, new Date('2026-11-24T04:00:00Z')),
    worldPorts(w).ports,
  );
  assert.equal(second.firstIteration, 4);
  assert.ok(w.docs.has('report/4') && w.docs.has('diagnosis/4'));
  assert.deepEqual(second.figures.map((f) => f.iteration), [0, 4]);
  assert.ok(second.fixes.length > 0 && second.fixes.every((f) => f.iteration === 4), fate(second).join());
  // One iteration of this loop is its maximum, whatever number it carries.
  assert.equal(second.exit?.reason, 'MAX_ITERATIONS');
  assert.deepEqual([...w.applied.keys()].filter((k) => !k.startsWith('4:')).sort(), kept);
});

test('MANUAL_EXIT: Ctrl-C finishes the step, saves, exits; --resume continues to the same end', async () => {
  const base = await baseline();
  for (const at of [1, 4, 9, 15]) {
    const w = new World({ defects: MAIN, healthy: 5 });
    const first = await runLoop(start(), worldPorts(w, { interruptAt: at }).ports);
    assert.equal(first.exit?.reason, 'MANUAL_EXIT');
    assert.match(first.exit!.detail, /--resume continues here/);
    assert.notEqual(first.step, 'done');
    assert.deepEqual(w.lastState, first, 'saved before exiting');
    const resumed = await runLoop(structuredClone(w.lastState!), worldPorts(w).ports);
    assert.deepEqual(canonical(resumed), base.state, `interrupted at check ${at}`);
  }
});
