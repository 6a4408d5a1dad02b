import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveLessons } from '../../src/learn/derive.ts';
import { emptyLedger, recordLesson, adjust, lessonsFor, actionsFor, MAX_WEIGHT } from '../../src/learn/ledger.ts';
import { metricPath } from '../../src/logs/schema.ts';
import { proposal, testReport } from '../builders/documents.ts';

const NOW = '2026-11-24T00:00:00Z';

test('a header fix that brings 429s teaches back-off for that host', () => {
  const path = metricPath.agentHostStatus('SiteA', 'www.site-a.example', 429);
  const t = testReport({ sideEffects: [{ path, before: 0, after: 17, description: 'new 429' }] });
  const { drafts } = deriveLessons({ iteration: 1, proposal: proposal(), test: t, restarts: [] }, emptyLedger());
  const compose = drafts.find((d) => d.action.type === 'compose');
  assert.ok(compose, 'a compose lesson');
  assert.deepEqual(compose.action, { type: 'compose', recipe: 'request_headers', with: 'retry_backoff' });
  assert.deepEqual(compose.scope, { host: 'www.site-a.example', recipe: 'request_headers' });
  assert.match(compose.text, /www\.site-a\.example answered 429 17 times/);
  assert.ok(drafts.some((d) => d.action.type === 'watch' && d.action.metric === path));
});

test('a different side effect yields a different lesson', () => {
  const path = metricPath.agentHostStatus('SiteB', 'films.other.example', 'timeout');
  const t = testReport({ sideEffects: [{ path, before: 2, after: 9, description: 'more timeouts' }] });
  const { drafts } = deriveLessons(
    { iteration: 2, proposal: proposal({ recipe: 'xpath_repair', agents: ['SiteB'] }), test: t, restarts: [] },
    emptyLedger(),
  );
  const compose = drafts.find((d) => d.action.type === 'compose');
  assert.deepEqual(compose?.action, { type: 'compose', recipe: 'xpath_repair', with: 'timeout_delay' });
  assert.match(compose!.text, /films\.other\.example answered timeout 9 times \(before: 2\)/);
});

test('a rolled-back fix demotes its recipe for that agent and class', () => {
  const t = testReport({
    decision: { decision: 'ROLLBACK', reasons: ['success 3/12'], rate: 0.25, interval: { low: 0.09, high: 0.53 }, pValue: 0.3, baselineRate: 0.1 },
  });
  const { drafts } = deriveLessons({ iteration: 1, proposal: proposal(), test: t, restarts: [] }, emptyLedger());
  const demote = drafts.find((d) => d.action.type === 'demote');
  assert.equal(demote?.kind, 'DONT');
  assert.deepEqual(demote?.scope, { agent: 'SiteA', class: 'http_error' });
  assert.match(demote!.text, /25 % item success/);
});

test('a restart that needed a second strategy reorders restarts', () => {
  const { drafts } = deriveLessons(
    {
      iteration: 1,
      proposal: proposal(),
      test: null,
      restarts: [
        { strategy: 'info-plist-touch', ok: false, detail: 'no fresh framework start in 30 s' },
        { strategy: 'http-restart', ok: true },
      ],
    },
    emptyLedger(),
  );
  assert.deepEqual(drafts[0]?.action, { type: 'restart_order', order: ['http-restart', 'info-plist-touch'] });
});

test('ledger weights: new 2, confirmed +1 up to the cap, contradicted −1, removed at 0', () => {
  const path = metricPath.agentHostStatus('SiteA', 'www.site-a.example', 429);
  const t = testReport({ sideEffects: [{ path, before: 0, after: 5, description: '' }] });
  const draft = deriveLessons({ iteration: 1, proposal: proposal(), test: t, restarts: [] }, emptyLedger()).drafts[0]!;
  let ledger = recordLesson(emptyLedger(), draft, NOW);
  assert.equal(ledger.lessons[0]!.weight, 2);
  for (let i = 0; i < 6; i++) ledger = recordLesson(ledger, draft, NOW);
  assert.equal(ledger.lessons.length, 1);
  assert.equal(ledger.lessons[0]!.weight, MAX_WEIGHT);
  assert.equal(ledger.lessons[0]!.evidence.length, 7);
  const id = ledger.lessons[0]!.id;
  for (let i = 0; i < MAX_WEIGHT - 1; i++) ledger = adjust(ledger, id, -1, NOW);
  assert.equal(ledger.lessons[0]!.weight, 1);
  ledger = adjust(ledger, id, -1, NOW);
  assert.equal(ledger.lessons.length, 0);
});

test('lessons apply only within their scope', () => {
  const path = metricPath.agentHostStatus('SiteA', 'www.site-a.example', 429);
  const t = testReport({ sideEffects: [{ path, before: 0, after: 5, description: '' }] });
  const derived = deriveLessons({ iteration: 1, proposal: proposal(), test: t, restarts: [] }, emptyLedger());
  let ledger = emptyLedger();
  for (const d of derived.drafts) ledger = recordLesson(ledger, d, NOW);
  const here = actionsFor(ledger, { phase: 'diagnose', host: 'www.site-a.example', recipe: 'request_headers' }, 'compose');
  assert.equal(here.length, 1);
  assert.equal(here[0]!.action.with, 'retry_backoff');
  assert.equal(lessonsFor(ledger, { phase: 'diagnose', host: 'elsewhere.example', recipe: 'request_headers' }).length, 0);
  assert.equal(lessonsFor(ledger, { phase: 'diagnose', host: 'www.site-a.example', recipe: 'xpath_repair' }).length, 0);
});

test('an applied lesson is confirmed when the trouble stays away, contradicted when it recurs', () => {
  const path = metricPath.agentHostStatus('SiteA', 'www.site-a.example', 429);
  const first = deriveLessons(
    { iteration: 1, proposal: proposal(), test: testReport({ sideEffects: [{ path, before: 0, after: 5, description: '' }] }), restarts: [] },
    emptyLedger(),
  );
  let ledger = emptyLedger();
  for (const d of first.drafts) ledger = recordLesson(ledger, d, NOW);
  const compose = ledger.lessons.find((l) => l.action.type === 'compose')!;
  const next = proposal({ id: 'fix2', composed: ['retry_backoff'], lessonsApplied: [{ lessonId: compose.id, effect: 'added retry_backoff' }] });
  const clean = deriveLessons({ iteration: 2, proposal: next, test: testReport({ fixId: 'fix2' }), restarts: [] }, ledger);
  assert.deepEqual(clean.adjustments.map((a) => [a.id, a.delta]), [[compose.id, 1]]);
  const again = deriveLessons(
    { iteration: 2, proposal: next, test: testReport({ sideEffects: [{ path, before: 0, after: 3, description: '' }] }), restarts: [] },
    ledger,
  );
  assert.deepEqual(again.adjustments.map((a) => [a.id, a.delta]), [[compose.id, -1]]);
});
