import { test } from 'node:test';
import assert from 'node:assert/strict';
import { perRefresh, scoreMetric, scoreExpectation, sideEffects, type Window } from '../../src/testing/metrics.ts';
import { metricPath, type LogReport } from '../../src/logs/schema.ts';
import type { Expectation, MetricExpectation } from '../../src/diagnose/schema.ts';

const A = 'SiteA';
const HOST = 'www.site-a.example';

/** A report holding only what metrics read: per-agent classes and per-host statuses. */
function report(o: { statuses?: Record<string, number>; classes?: Record<string, number>; matchRate?: number | null }): LogReport {
  return {
    agents: {
      [A]: {
        byClass: o.classes ?? {},
        http: { requests: 0, requestsByHost: {}, byStatus: o.statuses ?? {}, byHost: { [HOST]: o.statuses ?? {} } },
        matchRate: o.matchRate ?? null,
      },
    },
  } as unknown as LogReport;
}
const win = (refreshes: number, o: Parameters<typeof report>[0]): Window => ({ report: report(o), refreshes });

const m = (path: string, direction: MetricExpectation['direction'], threshold?: MetricExpectation['threshold']): MetricExpectation => ({
  path, direction, ...(threshold ? { threshold } : {}), baseline: null, description: path,
});
const p403 = metricPath.agentHostStatus(A, HOST, 403);
const p429 = metricPath.agentHostStatus(A, HOST, 429);

function expectation(over: Partial<Expectation> = {}): Expectation {
  return {
    primary: m(p403, 'decrease', { kind: 'relative', value: 0.3 }),
    secondary: [], successIndicators: [], failureIndicators: [], contingency: '', watch: [], judgeBy: 'items', targetClasses: ['http_error'],
    ...over,
  };
}

test('perRefresh: counts are divided by the refreshes of their window, rates are read as they are', () => {
  assert.equal(perRefresh(win(20, { statuses: { '403': 10 } }), p403), 0.5);
  assert.equal(perRefresh(win(0, { statuses: { '403': 10 } }), p403), null, 'no refresh, no rate');
  assert.equal(perRefresh(win(4, { matchRate: 0.25 }), metricPath.agentMatchRate(A)), 0.25);
  assert.equal(perRefresh(win(4, { matchRate: null }), metricPath.agentMatchRate(A)), null);
});

test('scoreMetric: each direction and threshold kind', () => {
  const rel = m(p403, 'decrease', { kind: 'relative', value: 0.3 });
  assert.equal(scoreMetric(rel, 1, 0.7), true);
  assert.equal(scoreMetric(rel, 1, 0.75), false);
  assert.equal(scoreMetric(rel, 0, 0), true, 'nothing to decrease and nothing appeared');
  assert.equal(scoreMetric(rel, 0, 0.1), false);
  assert.equal(scoreMetric(m(p403, 'decrease', { kind: 'absolute', value: 2 }), 5, 3), true);
  assert.equal(scoreMetric(m(p403, 'increase', { kind: 'relative', value: 0.5 }), 0.4, 0.7), true);
  assert.equal(scoreMetric(m(p403, 'increase', { kind: 'relative', value: 0.5 }), 0.4, 0.5), false);
  assert.equal(scoreMetric(m(p403, 'increase', { kind: 'relative', value: 0.5 }), 0, 0.1), true);
  assert.equal(scoreMetric(m(p403, 'zero'), 3, 0), true);
  assert.equal(scoreMetric(m(p403, 'zero'), 3, 0.01), false);
  assert.equal(scoreMetric(m(p403, 'stay'), 1, 1.2), true);
  assert.equal(scoreMetric(m(p403, 'stay'), 1, 1.5), false);
  assert.equal(scoreMetric(rel, null, 0), null);
});

test('scoreExpectation: read per refresh — fewer raw events in a shorter window is not "decreased"', () => {
  // Control: 20 refreshes, 20 × 403 (1 per refresh). Treatment stopped early: 5 refreshes, 5 × 403 — raw 20 → 5, per refresh unchanged.
  const same = scoreExpectation(expectation(), win(20, { statuses: { '403': 20 } }), win(5, { statuses: { '403': 5 } }));
  assert.equal(same[0]!.role, 'primary');
  assert.deepEqual([same[0]!.before, same[0]!.after, same[0]!.met], [1, 1, false]);
  const cured = scoreExpectation(expectation(), win(20, { statuses: { '403': 20 } }), win(5, { statuses: { '403': 1 } }));
  assert.deepEqual([cured[0]!.before, cured[0]!.after, cured[0]!.met], [1, 0.2, true]);
});

test('scoreExpectation: secondary metrics scored like the primary; failure indicators met when the bad thing happened', () => {
  const e = expectation({ secondary: [m(metricPath.agentMatchRate(A), 'increase', { kind: 'absolute', value: 0.2 })], failureIndicators: [m(p429, 'stay')] });
  const out = scoreExpectation(e, win(10, { statuses: { '403': 10 }, matchRate: 0.1 }), win(10, { statuses: { '429': 6 }, matchRate: 0.6 }));
  assert.deepEqual(out.map((r) => r.role), ['primary', 'secondary', 'failure_indicator']);
  assert.equal(out[1]!.met, true);
  assert.equal(out[2]!.met, true, '429 rose from 0 to 0.6 per refresh');
  assert.match(out[2]!.note!, /failure happened/);
  const calm = scoreExpectation(e, win(10, { statuses: { '403': 10, '429': 1 } }), win(10, { statuses: { '429': 1 } }));
  assert.equal(calm[2]!.met, false);
});

test('sideEffects: a new status appears (the 403 traded for 429) — reported with its counts', () => {
  const fx = sideEffects(expectation(), win(20, { statuses: { '403': 20 } }), win(10, { statuses: { '429': 6 } }), [A]);
  assert.equal(fx.length, 1);
  assert.equal(fx[0]!.path, p429);
  assert.deepEqual([fx[0]!.before, fx[0]!.after], [0, 6]);
  assert.match(fx[0]!.description, /new: 6 events where the control had none/);
});

test('sideEffects: normalised per refresh — a rise per refresh is seen even when the raw count fell', () => {
  // Control: 20 refreshes, 8 title failures (0.4 each). Treatment: 5 refreshes, 4 (0.8 each).
  const cls = metricPath.agentByClass(A, 'title_match_failure');
  const fx = sideEffects(expectation({ watch: [cls] }), win(20, { classes: { title_match_failure: 8 } }), win(5, { classes: { title_match_failure: 4 } }), [A]);
  assert.deepEqual(fx.map((f) => f.path), [cls]);
  assert.match(fx[0]!.description, /rose from 8 to 4 \(0\.40 → 0\.80 per refresh\)/);
  // The same raw counts over equal windows: fell, no side effect.
  assert.deepEqual(sideEffects(expectation({ watch: [cls] }), win(10, { classes: { title_match_failure: 8 } }), win(10, { classes: { title_match_failure: 4 } }), [A]), []);
});

test('sideEffects: a single new event is noise, the primary metric is never a side effect, rates are skipped', () => {
  const e = expectation({ watch: [metricPath.agentMatchRate(A)] });
  assert.deepEqual(sideEffects(e, win(10, { statuses: { '403': 1 } }), win(10, { statuses: { '403': 9, '502': 1 }, matchRate: 0.9 }), [A]), []);
});
