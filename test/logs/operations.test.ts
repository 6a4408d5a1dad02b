/**
 * Operations stitched per (agent log, thread) from PGMA's header to its footer, over a realistic log in the
 * current (2024+) format with two agents' threads interleaved: outcomes, reasons, file title/studio/year,
 * site URL, match rates, and the distinct-items count of patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LogAggregator } from '../../src/logs/aggregate.ts';
import { linesOf, fw } from '../builders/lines.ts';
import type { LogReport } from '../../src/logs/schema.ts';

const TEXT = readFileSync(new URL('../fixtures/synthetic/pgma_operations_2026.log', import.meta.url), 'utf8');

function run(text: string, opts = {}): LogReport {
  const agg = new LogAggregator(opts);
  for (const l of linesOf(text, 'logs')) {
    // One file per agent in real folders: GEVI's thread and AEBN's thread.
    l.bundleId = l.text.includes('(1b00d1000)') ? 'com.plexapp.agents.AEBN' : 'com.plexapp.agents.GEVI';
    l.source = `${l.bundleId}.log`;
    agg.push(l);
  }
  return agg.finish();
}

test('interleaved searches: GEVI matched (footer Successful!!), AEBN errored (403) and failed (title match)', () => {
  const r = run(TEXT);
  const gevi = r.items.find((i) => i.agent === 'GEVI' && i.phase === 'search');
  assert.ok(gevi);
  assert.equal(gevi.outcome, 'matched');
  assert.equal(gevi.title, 'Big Film');
  assert.equal(gevi.studio, 'Falcon');
  assert.equal(gevi.year, 2004);
  assert.equal(gevi.filePath, '/media/Gay Adult/(Falcon) - Big Film (2004).mp4');
  assert.equal(gevi.siteUrl, 'https://www.gayeroticvideoindex.com/video/123');
  assert.deepEqual(gevi.reasons.map((x) => x.class).sort(), ['title_match_failure', 'title_match_failure']);
  assert.ok(gevi.reasons.some((x) => x.detail === 'Title Comparison Test: Failed'));
  assert.ok(gevi.reasons.some((x) => x.location?.line === 6534));

  const hard = r.items.find((i) => i.title === 'Hard Work');
  assert.ok(hard);
  assert.equal(hard.agent, 'AEBN');
  assert.equal(hard.outcome, 'error', 'a Failed footer after an HTTP error is an error, not a non-match');
  assert.deepEqual(hard.reasons, [{
    class: 'http_error', detail: 'Error: Search Query did not pull any results: HTTP Error 403: Forbidden', status: 403,
    host: 'gay.aebn.com', location: { file: '__init__.py', line: 283, function: '_process_function_call -> _search -> search' },
  }]);
  const none = r.items.find((i) => i.title === 'No Match Here');
  assert.equal(none?.outcome, 'failed');
  assert.equal(none?.studio, 'Titan');

  assert.equal(r.agents.GEVI.matchRate, 1);
  assert.equal(r.agents.AEBN.matchRate, 0);
  assert.equal(r.agents.AEBN.searchesErrored, 1);
  assert.equal(r.agents.AEBN.searchesFailed, 1);
  assert.equal(r.totals.operations.search_started, 3);
  assert.equal(r.totals.operations.match_success, 1);
  assert.equal(r.totals.operations.match_failure, 2);
  assert.equal(r.totals.operations.search_result, 2);
  assert.equal(r.totals.operations.plugin_start, 1);
  assert.equal(r.agents.GEVI.pluginStarts, 1);
  assert.equal(r.agents.GEVI.http.requests, 1, 'Request URL + networking Requesting of the same URL = one request');
  assert.deepEqual(r.agents.AEBN.http.requestsByHost, { 'gay.aebn.com': 1 });
});

test('update operation: xpath warning is a reason, footer Successful!! is update success', () => {
  const r = run(TEXT);
  const upd = r.items.find((i) => i.agent === 'GEVI' && i.phase === 'update');
  assert.ok(upd);
  assert.equal(upd.outcome, 'matched');
  assert.equal(upd.reasons[0].class, 'xpath_failure');
  assert.equal(upd.reasons[0].location?.line, 3807);
  assert.equal(r.agents.GEVI.updates, 1);
  assert.equal(r.agents.GEVI.updatesSucceeded, 1);
  assert.equal(r.agents.GEVI.updateSuccessRate, 1);
  assert.equal(r.totals.operations.update_success, 1);
});

test('patterns count distinct items per agent (title failures, the 403)', () => {
  const r = run(TEXT);
  const title = r.patterns.filter((p) => p.class === 'title_match_failure');
  assert.deepEqual(title.map((p) => [p.agent, p.count, p.items]).sort(), [['AEBN', 1, 1], ['GEVI', 1, 1]]);
  const http = r.patterns.find((p) => p.class === 'http_error');
  assert.equal(http?.items, 1);
  assert.equal(http?.host, 'gay.aebn.com');
});

test('a plug-in restart ends open operations without a verdict; an operation with an error still counts', () => {
  const t = (s: string) => `2026-02-06 11:00:${s}`;
  const text = [
    fw(t('00,000'), 'a1', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: Agent:                        GEVI'),
    fw(t('00,001'), 'a1', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: File Path:                    /m/(Studio) - Lost (2001).mp4'),
    fw(t('00,002'), 'b2', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: Agent:                        GEVI'),
    fw(t('00,003'), 'b2', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: File Path:                    /m/(Studio) - Broken (2002).mp4'),
    fw(t('00,004'), 'b2', 'ERROR', 'utils:1', 'GEVI - SEARCH:: Error: Search Query did not pull any results: (\'The read operation timed out\',)'),
    fw(t('01,000'), 'c3', 'INFO', 'core:349', 'Starting framework core - Version: 2.6.3, Build: 1'),
  ].join('\n');
  const agg = new LogAggregator();
  for (const l of linesOf(text, 'com.plexapp.agents.GEVI.log', 'com.plexapp.agents.GEVI')) agg.push(l);
  assert.equal(agg.openOperations, 2);
  const r = agg.finish();
  assert.deepEqual(r.items.map((i) => [i.title, i.outcome]), [['Broken', 'error']]);
  assert.equal(r.items[0].reasons[0].class, 'timeout');
  assert.equal(r.agents.GEVI.searches, 2);
  assert.equal(r.agents.GEVI.searchesErrored, 1);
  assert.deepEqual(r.agents.GEVI.http.byStatus, { timeout: 1 });
});

test('a file-name format error ends the search as failed (PGMA logs no footer then)', () => {
  const t = (s: string) => `2026-02-06 12:00:${s}`;
  const text = [
    fw(t('00,000'), 'a1', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: Agent:                        GEVI'),
    fw(t('00,001'), 'a1', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: File Path:                    /m/(Le Salon) \u2013 More Mind Games.mp4'),
    fw(t('00,003'), 'a1', 'ERROR', 'utils:1', 'GEVI - SEARCH:: Error: < File Name [(Le Salon) \u2013 More Mind Games.mp4] not in the expected format: (Studio) - Title [(Year)]! >'),
    fw(t('00,004'), 'a1', 'INFO', 'sandbox:19', 'GEVI  - ' + '-'.repeat(80)),
  ].join('\n');
  const agg = new LogAggregator();
  for (const l of linesOf(text, 'com.plexapp.agents.GEVI.log', 'com.plexapp.agents.GEVI')) agg.push(l);
  const r = agg.finish();
  assert.equal(r.items.length, 1);
  // The name does not follow the convention: the item is named by its file name.
  assert.deepEqual([r.items[0].title, r.items[0].outcome, r.items[0].reasons[0].class], ['(Le Salon) \u2013 More Mind Games', 'failed', 'filename_format_error']);
  assert.equal(r.items[0].filePath, '/m/(Le Salon) \u2013 More Mind Games.mp4');
  assert.equal(r.agents.GEVI.searchesFailed, 1);
});
