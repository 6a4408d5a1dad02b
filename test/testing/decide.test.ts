import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, settledDecision, type DecisionInput } from '../../src/testing/decide.ts';
import { simulate } from '../../src/testing/simulate.ts';

const healthy = { logGap: false, serverDown: false, siteDown: false, refreshes: 20, incomplete: 0 };
const input = (k: number, n: number, over: Partial<DecisionInput> = {}): DecisionInput => ({
  mode: 'items',
  observed: { successes: k, trials: n },
  control: { successes: 1, trials: 20 },
  primaryMetricMet: true,
  critical: [],
  health: healthy,
  ...over,
});

const table: Array<[string, DecisionInput, string]> = [
  ['18/20 with metric met is kept', input(18, 20), 'KEEP'],
  ['15/20 (lower bound 53 %) is kept', input(15, 20), 'KEEP'],
  ['14/20 = 70 % is monitored', input(14, 20), 'MONITOR'],
  ['10/20 = 50 % is monitored', input(10, 20), 'MONITOR'],
  ['9/20 = 45 % is rolled back', input(9, 20), 'ROLLBACK'],
  ['6/6 = 100 % but lower bound 61 %: kept', input(6, 6), 'KEEP'],
  ['4/5 = 80 %, lower bound 38 %: not yet significant', input(4, 5), 'MONITOR'],
  ['metric unmet blocks KEEP', input(18, 20, { primaryMetricMet: false }), 'MONITOR'],
  ['metric unmeasurable blocks KEEP', input(18, 20, { primaryMetricMet: null }), 'MONITOR'],
  ['not better than a high control', input(16, 20, { control: { successes: 15, trials: 20 } }), 'MONITOR'],
  ['no control baseline still decides', input(18, 20, { control: null }), 'KEEP'],
  ['critical signal rolls back at once', input(20, 20, { critical: ['new_traceback'] }), 'ROLLBACK'],
  ['log gap is inconclusive', input(18, 20, { health: { ...healthy, logGap: true } }), 'INCONCLUSIVE'],
  ['site down is inconclusive', input(0, 20, { health: { ...healthy, siteDown: true } }), 'INCONCLUSIVE'],
  ['server down is inconclusive', input(3, 20, { health: { ...healthy, serverDown: true } }), 'INCONCLUSIVE'],
  ['most refreshes incomplete is inconclusive', input(3, 4, { health: { ...healthy, refreshes: 20, incomplete: 16 } }), 'INCONCLUSIVE'],
  ['too little data is inconclusive', input(3, 3), 'INCONCLUSIVE'],
];

for (const [name, inp, expected] of table) {
  test(`decide: ${name}`, () => {
    const d = decide(inp);
    assert.equal(d.decision, expected, d.reasons.join('; '));
    assert.ok(d.reasons.length > 0);
  });
}

test('reasons carry the interval and the p-value', () => {
  const d = decide(input(15, 20));
  assert.match(d.reasons.join(' '), /15\/20 = 75 % \(95 % CI 53 %–89 %\)/);
  assert.ok(d.pValue !== null && d.pValue < 0.001);
});

test('settledDecision stops only when no completion can change the answer', () => {
  // 15 successes of 15 with 5 to go: at worst 15/20 → KEEP.
  assert.equal(settledDecision(input(15, 15), 20), 'KEEP');
  // 14 of 14: worst 14/20 = MONITOR, best KEEP → go on.
  assert.equal(settledDecision(input(14, 14), 20), null);
  // 0 of 11 with 9 to go: at best 9/20 → ROLLBACK.
  assert.equal(settledDecision(input(0, 11), 20), 'ROLLBACK');
  assert.equal(settledDecision(input(0, 10), 20), null);
});

test('simulation: at a true rate of 0.4, a wrong KEEP in at most 2 % of 2,000 runs', () => {
  const r = simulate({ trueRate: 0.4, controlRate: 0.1, planned: 20, runs: 2000, seed: 7 });
  assert.ok(r.decisions.sequential.KEEP / r.runs <= 0.02, JSON.stringify(r));
  // Curtailment changes the cost, not the answer (up to the metric, which is read on the data so far).
  assert.ok(Math.abs(r.decisions.sequential.KEEP - r.decisions.fixed.KEEP) <= r.runs * 0.005, JSON.stringify(r));
  assert.ok(r.meanRefreshes.sequential < r.meanRefreshes.fixed);
});

test('simulation: at a true rate of 0.9, KEEP in at least 90 % of 2,000 runs', () => {
  const r = simulate({ trueRate: 0.9, controlRate: 0.1, planned: 20, runs: 2000, seed: 11 });
  assert.ok(r.decisions.sequential.KEEP / r.runs >= 0.9, JSON.stringify(r));
  assert.ok(r.meanRefreshes.sequential < r.meanRefreshes.fixed);
});
