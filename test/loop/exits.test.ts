import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitFor, type ExitInput } from '../../src/loop/exits.ts';
import type { PanelFigure } from '../../src/loop/schema.ts';

/** Panel figures from matched counts over a panel of `of` items (figures are ratios of small counts, as in a real loop). */
function figs(matched: number[], of = 20): PanelFigure[] {
  return matched.map((m, i) => ({ iteration: i, success: m / of, matched: m, observed: of, perAgent: {}, errorsByClass: {}, refreshes: of, durationMs: 1 }));
}

function exit(matched: number[], over: Partial<ExitInput> = {}) {
  return exitFor({ figures: figs(matched), goal: 0.9, iteration: matched.length - 1, maxIterations: 10, actionableLeft: 3, ...over });
}

const table: Array<{ name: string; matched: number[]; over?: Partial<ExitInput>; reason: string | null; detail?: RegExp }> = [
  { name: 'no figure yet', matched: [], reason: null },
  { name: 'start figure alone, below the goal', matched: [6], reason: null },
  { name: 'steady climb', matched: [6, 10, 14], reason: null },
  { name: 'goal reached', matched: [6, 18], reason: 'SUCCESS', detail: /reached 90 % \(goal 90 %\)/ },
  { name: 'goal exceeded', matched: [6, 20], reason: 'SUCCESS' },
  { name: 'goal met exactly by a ratio of counts (0.7 goal, 14/20)', matched: [6, 14], over: { goal: 0.7 }, reason: 'SUCCESS' },
  { name: 'regression of more than 5 points', matched: [10, 8], reason: 'FAILURE', detail: /regressed from 50 % to 40 %.*rolled back/ },
  { name: 'a drop of exactly 5 points is not a regression', matched: [10, 9], reason: null },
  { name: 'regression wins over a reached goal', matched: [20, 18], reason: 'FAILURE' },
  { name: 'regression wins over the last iteration', matched: [10, 6], over: { maxIterations: 1 }, reason: 'FAILURE' },
  { name: 'plateau: under 5 points for two iterations', matched: [6, 6, 6], reason: 'PLATEAU', detail: /less than 5 % improvement.*\(0 %, 0 %\)/ },
  { name: 'two flat iterations after a climb', matched: [2, 10, 10, 10], reason: 'PLATEAU' },
  { name: 'exactly 5 points per iteration (1/20 steps) is progress, not a plateau', matched: [4, 5, 6], reason: null },
  { name: 'one slow iteration is not yet a plateau', matched: [4, 10, 10], reason: null },
  { name: 'plateau needs two iterations after the start', matched: [6, 6], reason: null },
  { name: 'last allowed iteration', matched: [2, 8, 14], over: { maxIterations: 2 }, reason: 'MAX_ITERATIONS', detail: /2 iterations run; the panel is at 70 %/ },
  { name: 'plateau wins over the last iteration', matched: [6, 6, 6], over: { maxIterations: 2 }, reason: 'PLATEAU' },
  { name: 'success wins over the last iteration', matched: [6, 19], over: { maxIterations: 1 }, reason: 'SUCCESS' },
  { name: 'nothing left to try', matched: [6, 12], over: { actionableLeft: 0 }, reason: 'EXHAUSTED', detail: /no actionable fix left; the panel is at 60 %, the goal 90 %/ },
  { name: 'custom plateau delta', matched: [6, 8, 10], over: { plateauDelta: 0.2 }, reason: 'PLATEAU' },
  { name: 'custom regression delta tolerates a small drop', matched: [10, 8], over: { regressionDelta: 0.15 }, reason: null },
];

for (const row of table) {
  test(`exit rule: ${row.name} → ${row.reason ?? 'continue'}`, () => {
    const e = exit(row.matched, row.over);
    assert.equal(e?.reason ?? null, row.reason);
    if (row.detail) assert.match(e!.detail, row.detail);
  });
}

test('the exit depends only on the last figures, not on which iteration produced them', () => {
  const a = exitFor({ figures: figs([1, 1, 1, 6, 6, 6]), goal: 0.9, iteration: 5, maxIterations: 10, actionableLeft: 1 });
  const b = exitFor({ figures: figs([6, 6, 6]), goal: 0.9, iteration: 2, maxIterations: 10, actionableLeft: 1 });
  assert.equal(a?.reason, 'PLATEAU');
  assert.deepEqual(a, b);
});
