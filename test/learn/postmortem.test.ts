import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postMortem, postMortemSchema } from '../../src/learn/postmortem.ts';
import { emptyLedger } from '../../src/learn/ledger.ts';
import { metricPath } from '../../src/logs/schema.ts';
import { renderLessonsMarkdown, renderPostMortemMarkdown } from '../../src/report/postmortem-md.ts';
import type { FixProposal } from '../../src/diagnose/schema.ts';
import type { TestReport } from '../../src/testing/schema.ts';
import { proposal, testReport } from '../builders/documents.ts';

const T1 = new Date('2026-11-24T01:00:00Z');
const T2 = new Date('2026-11-24T02:00:00Z');

/** A header fix that cured its 403s: the primary metric moved 40 → 4 per refresh and the prediction held. */
function cured(p: FixProposal, over: Partial<TestReport> = {}): TestReport {
  return testReport({
    fixId: p.id,
    metrics: [{ expectation: p.expectation.primary, role: 'primary', before: 40, after: 4, met: true }],
    ...over,
  });
}

const status429 = metricPath.agentHostStatus('SiteA', 'www.site-a.example', 429);

test('a header fix that cures 403s but brings 429s: the post-mortem records it and learns to compose back-off', () => {
  const p = proposal();
  const t = cured(p, { sideEffects: [{ path: status429, before: 0, after: 23, description: '429 answers from www.site-a.example rose from 0 to 23' }] });
  const { doc, ledger } = postMortem(1, [{ iteration: 1, proposal: p, test: t, restarts: [] }], emptyLedger(), {}, T1);
  postMortemSchema.parse(doc);
  const iv = doc.interventions[0]!;
  assert.equal(iv.decision, 'KEEP');
  assert.deepEqual(iv.metrics.map((m) => [m.role, m.before, m.after, m.met]), [['primary', 40, 4, true]]);
  assert.deepEqual(iv.sideEffects, [{ path: status429, description: '429 answers from www.site-a.example rose from 0 to 23', watched: false }]);
  assert.deepEqual(iv.missed, [`nobody watched ${status429}: 429 answers from www.site-a.example rose from 0 to 23`]);
  const compose = ledger.lessons.find((l) => l.action.type === 'compose')!;
  assert.deepEqual(compose.action, { type: 'compose', recipe: 'request_headers', with: 'retry_backoff' });
  assert.deepEqual(compose.scope, { host: 'www.site-a.example', recipe: 'request_headers' });
  assert.equal(compose.weight, 2);
  assert.equal(compose.text, 'DO give request headers fixes for www.site-a.example retry backoff too: after fix1 (browser-like request headers) www.site-a.example answered 429 23 times (before: 0).');
  assert.ok(ledger.lessons.some((l) => l.phase === 'test' && l.action.type === 'watch' && l.action.metric === status429));
  assert.deepEqual(doc.lessons.added.sort(), ledger.lessons.map((l) => l.id).sort());
  assert.deepEqual(doc.recipeAccuracy, { request_headers: { predictions: 1, met: 1 } });
});

test('a different side effect yields a different lesson', () => {
  const p = proposal({ id: 'fix3', recipe: 'xpath_repair', agents: ['SiteB'], bundleIds: ['com.plexapp.agents.SiteB'] });
  const timeouts = metricPath.agentHostStatus('SiteB', 'films.other.example', 'timeout');
  const t = cured(p, { fixId: 'fix3', sideEffects: [{ path: timeouts, before: 1, after: 6, description: 'more time-outs' }] });
  const b = postMortem(1, [{ iteration: 1, proposal: p, test: t, restarts: [] }], emptyLedger(), {}, T1).ledger;
  const a = postMortem(1, [{ iteration: 1, proposal: proposal(), test: cured(proposal(), { sideEffects: [{ path: status429, before: 0, after: 23, description: '' }] }), restarts: [] }], emptyLedger(), {}, T1).ledger;
  const ca = a.lessons.find((l) => l.action.type === 'compose')!;
  const cb = b.lessons.find((l) => l.action.type === 'compose')!;
  assert.deepEqual(cb.action, { type: 'compose', recipe: 'xpath_repair', with: 'timeout_delay' });
  assert.deepEqual(cb.scope, { host: 'films.other.example', recipe: 'xpath_repair' });
  assert.match(cb.text, /films\.other\.example answered timeout 6 times \(before: 1\)/);
  assert.notEqual(ca.id, cb.id);
  assert.notEqual(ca.text, cb.text);
  // A 5xx brought by the fix is answered with back-off as well, named by its own status and host.
  const s503 = metricPath.agentHostStatus('SiteA', 'api.third.example', 503);
  const c = postMortem(1, [{ iteration: 1, proposal: proposal(), test: cured(proposal(), { sideEffects: [{ path: s503, before: 0, after: 2, description: '' }] }), restarts: [] }], emptyLedger(), {}, T1).ledger;
  const cc = c.lessons.find((l) => l.action.type === 'compose')!;
  assert.deepEqual(cc.scope, { host: 'api.third.example', recipe: 'request_headers' });
  assert.match(cc.text, /api\.third\.example answered 503 2 times/);
});

test('recipe accuracy accumulates across post-mortems; a missed prediction says which expectation was wrong', () => {
  const p1 = proposal();
  const first = postMortem(1, [{ iteration: 1, proposal: p1, test: cured(p1), restarts: [] }], emptyLedger(), {}, T1);
  const p2 = proposal({ id: 'fix2', groupId: 'g2' });
  const miss = testReport({ fixId: 'fix2', metrics: [{ expectation: p2.expectation.primary, role: 'primary', before: 30, after: 27, met: false }], decision: { decision: 'ROLLBACK', reasons: ['success 2/10'], rate: 0.2, interval: { low: 0.05, high: 0.5 }, pValue: 0.4, baselineRate: 0.1 } });
  const p3 = proposal({ id: 'fix3', groupId: 'g3', recipe: 'xpath_repair' });
  const p4 = proposal({ id: 'fix4', groupId: 'g4' });
  const second = postMortem(
    2,
    [
      { iteration: 2, proposal: p2, test: miss, restarts: [] },
      { iteration: 2, proposal: p3, test: cured(p3, { fixId: 'fix3' }), restarts: [] },
      { iteration: 2, proposal: p4, test: null, restarts: [] },
    ],
    first.ledger,
    first.doc.recipeAccuracy,
    T2,
  );
  assert.deepEqual(second.doc.recipeAccuracy, { request_headers: { predictions: 2, met: 1 }, xpath_repair: { predictions: 1, met: 1 } });
  assert.deepEqual(first.doc.recipeAccuracy, { request_headers: { predictions: 1, met: 1 } }, 'the earlier document is not changed');
  const iv2 = second.doc.interventions[0]!;
  assert.equal(iv2.decision, 'ROLLBACK');
  assert.deepEqual(iv2.missed, ['the expectation was wrong: "403 answers decrease by at least 30 %" moved 30 → 27 per refresh']);
  assert.equal(second.doc.interventions[2]!.decision, 'NOT TESTED');
  // The miss teaches: the recipe's expected change is calibrated, and the recipe is demoted for that agent and class.
  const kinds = second.ledger.lessons.map((l) => l.action.type).sort();
  assert.ok(kinds.includes('threshold') && kinds.includes('demote'), kinds.join());
  const md = renderPostMortemMarkdown(second.doc);
  assert.match(md, /\| request_headers \| 2 \| 1 \(50 %\) \|/);
  assert.match(md, /## fix4: browser-like request headers — NOT TESTED/);
});

test('a lesson applied next iteration is confirmed when the 429s stay away, contradicted when they recur', () => {
  const p1 = proposal();
  const it1 = postMortem(1, [{ iteration: 1, proposal: p1, test: cured(p1, { sideEffects: [{ path: status429, before: 0, after: 23, description: '' }] }), restarts: [] }], emptyLedger(), {}, T1);
  const compose = it1.ledger.lessons.find((l) => l.action.type === 'compose')!;
  const p2 = proposal({ id: 'fix2', composed: ['retry_backoff'], lessonsApplied: [{ lessonId: compose.id, effect: 'composed retry_backoff' }] });
  const clean = postMortem(2, [{ iteration: 2, proposal: p2, test: cured(p2, { fixId: 'fix2' }), restarts: [] }], it1.ledger, it1.doc.recipeAccuracy, T2);
  assert.deepEqual(clean.doc.lessons.confirmed, [compose.id]);
  assert.equal(clean.ledger.lessons.find((l) => l.id === compose.id)!.weight, 3);
  const again = postMortem(2, [{ iteration: 2, proposal: p2, test: cured(p2, { fixId: 'fix2', sideEffects: [{ path: status429, before: 1, after: 9, description: '' }] }), restarts: [] }], it1.ledger, it1.doc.recipeAccuracy, T2);
  assert.ok(again.doc.lessons.contradicted.includes(compose.id));
  const w = again.ledger.lessons.find((l) => l.id === compose.id)!;
  assert.equal(w.weight, 1, 'contradicted −1 (the composed fix brings no new compose lesson: back-off is already in it)');
});

test('a post-mortem re-run on its own output (resume after a kill) leaves the ledger as it was', () => {
  const p1 = proposal();
  const ivs = [{ iteration: 1, proposal: p1, test: cured(p1, { sideEffects: [{ path: status429, before: 0, after: 23, description: '' }] }), restarts: [{ strategy: 'touch', ok: false, detail: 'no start' }, { strategy: 'http', ok: true }] }];
  const once = postMortem(1, ivs, emptyLedger(), {}, T1);
  const twice = postMortem(1, ivs, once.ledger, {}, T2);
  assert.deepEqual(twice.ledger, once.ledger);
  assert.deepEqual(twice.doc.lessons, once.doc.lessons);
  assert.deepEqual(twice.doc.recipeAccuracy, once.doc.recipeAccuracy);
  // The same lesson met with new evidence in a later iteration is confirmed.
  const later = postMortem(2, ivs.map((iv) => ({ ...iv, iteration: 2 })), once.ledger, {}, T2);
  assert.ok(later.ledger.lessons.every((l) => l.weight === 3), later.ledger.lessons.map((l) => l.weight).join());
  assert.equal(later.doc.lessons.confirmed.length, once.ledger.lessons.length);
  const md = renderLessonsMarkdown(later.ledger, 2);
  assert.match(md, /## diagnose\n\n- \*\*DO\*\* \(L[0-9a-f]{8}, weight 3\): DO give request headers fixes/);
  assert.match(md, /## implement\n\n- \*\*DO\*\*.*"http" first/);
});

test('a missed prediction is calibrated in the direction the expectation named; a metric that went the wrong way says so', () => {
  const lesson = (before: number, after: number, direction: 'decrease' | 'increase') => {
    const p = proposal({ expectation: { ...proposal().expectation, primary: { ...proposal().expectation.primary, direction } } });
    const t = testReport({ metrics: [{ expectation: p.expectation.primary, role: 'primary', before, after, met: false }] });
    const l = postMortem(1, [{ iteration: 1, proposal: p, test: t, restarts: [] }], emptyLedger(), {}, T1).ledger.lessons.find((x) => x.action.type === 'threshold')!;
    return { text: l.text, value: (l.action as { value: number }).value };
  };
  const partly = lesson(40, 30, 'decrease');
  assert.equal(partly.value, 0.25);
  assert.match(partly.text, /^DON'T expect more than a 25 % change from request headers on SiteA: fix1 .* moved 40 → 30 per refresh\.$/);
  const worse = lesson(0.031, 0.667, 'decrease');
  assert.ok(worse.value < 0);
  assert.doesNotMatch(worse.text, /-\d+ %/);
  assert.match(worse.text, /went the other way \(0\.031 → 0\.667 per refresh\)/);
  assert.match(lesson(10, 10, 'decrease').text, /did not move \(10 → 10 per refresh\)/);
  const rise = lesson(0.4, 0.5, 'increase');
  assert.equal(rise.value, 0.25, 'a rise is progress for an increase metric');
  assert.match(rise.text, /more than a 25 % change/);
});
