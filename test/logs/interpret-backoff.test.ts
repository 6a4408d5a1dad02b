/**
 * plexmend's back-off helper (diagnose/recipes/backoff.ts) logs `requestWithBackoff: <error>; retry <n> in <s> s`
 * before it retries a failed request. The framework has already logged `Error opening URL` for the failed
 * attempt; when a retry succeeds, that line is no failure (as with PGMA's cfscrape fallback). Found by the
 * sandbox end-to-end test (test/diagnose/sandbox-e2e.test.ts): every recovered 429 was counted as an
 * `http_error` with status "unknown", a phantom error and a phantom new status after a back-off fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateText, fw } from '../builders/lines.ts';

const URL = 'https://www.site.example/search?q=open+water';
const failedAttempt = (s: number) => [
  fw(`2026-01-01 00:00:0${s},000`, 'a', 'DEBUG', 'networking:144', `Requesting '${URL}'`),
  fw(`2026-01-01 00:00:0${s},010`, 'a', 'ERROR', 'networking:197', `Error opening URL '${URL}'`),
  fw(`2026-01-01 00:00:0${s},011`, 'a', 'INFO', 'sandbox:19', `requestWithBackoff: HTTP Error 429: Too Many Requests; retry ${s + 1} in 2.0 s`),
];

test('a request the back-off helper retried into success is not an error; its attempts are requests', () => {
  const text = [
    ...failedAttempt(0),
    fw('2026-01-01 00:00:02,000', 'a', 'DEBUG', 'networking:144', `Requesting '${URL}'`),
    fw('2026-01-01 00:00:02,100', 'a', 'INFO', 'utils:1', 'Site  - SEARCH:: Titles Found                  1 Processing Results Page:  1'),
  ].join('\n');
  const r = aggregateText(text, { bundleId: 'com.plexapp.agents.Site' });
  assert.deepEqual(r.totals.byClass, {});
  assert.deepEqual(r.agents.Site?.http.byStatus ?? {}, {});
  assert.equal(r.agents.Site?.http.requests, 2);
});

test('a request whose every retry failed is one http_error with the status the agent reports', () => {
  const text = [
    ...failedAttempt(0),
    ...failedAttempt(1),
    fw('2026-01-01 00:00:04,000', 'a', 'DEBUG', 'networking:144', `Requesting '${URL}'`),
    fw('2026-01-01 00:00:04,010', 'a', 'ERROR', 'networking:197', `Error opening URL '${URL}'`),
    fw('2026-01-01 00:00:04,020', 'a', 'ERROR', 'utils:1', 'Site - SEARCH:: Error: Search Query did not pull any results: HTTP Error 429: Too Many Requests'),
  ].join('\n');
  const r = aggregateText(text, { bundleId: 'com.plexapp.agents.Site' });
  assert.deepEqual(r.totals.byClass, { http_error: 1 });
  assert.deepEqual(r.agents.Site?.http.byHost, { 'www.site.example': { '429': 1 } });
});

test('the retry line without a pending failed request, or in another shape, changes nothing', () => {
  const lone = fw('2026-01-01 00:00:00,000', 'a', 'INFO', 'sandbox:19', 'requestWithBackoff: HTTP Error 503: Service Unavailable; retry 1 in 2.0 s');
  assert.deepEqual(aggregateText(lone, { bundleId: 'com.plexapp.agents.Site' }).totals.byClass, {});
  const other = [
    fw('2026-01-01 00:00:00,000', 'a', 'ERROR', 'networking:197', `Error opening URL '${URL}'`),
    fw('2026-01-01 00:00:00,001', 'a', 'INFO', 'sandbox:19', 'requestWithBackoff: giving up'),
  ].join('\n');
  const r = aggregateText(other, { bundleId: 'com.plexapp.agents.Site' });
  assert.deepEqual(r.totals.byClass, { http_error: 1 }, 'an unclaimed failed request still counts');
});
