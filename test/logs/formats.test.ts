/**
 * Formats the reference documents that the shipped excerpts do not show in full: the pre-2023 one-line
 * error after the framework's URL error, IAFD 403s, negative thread ids, hard-wrapped pastes, prefix-less
 * pastes, 2021 `SELF::`/`IAFD  ::` tags, update-function exceptions at other agentkit lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateText, fw } from '../builders/lines.ts';

test('pre-2023 one-line error after "Error opening URL" is one http_error with host and status', () => {
  const r = aggregateText([
    fw('2021-04-21 17:00:00,100', '32d8', 'DEBUG', 'networking:143', "Requesting 'https://fagalicious.com/?s=roman+todd'"),
    fw('2021-04-21 17:00:01,200', '32d8', 'ERROR', 'networking:196', "Error opening URL 'https://fagalicious.com/?s=roman+todd'"),
    fw('2021-04-21 17:00:01,210', '32d8', 'ERROR', 'logkit:22', 'Fagalicious - SEARCH:: Error: Search Query did not pull any results: HTTP Error 500: Internal Server Error'),
    fw('2021-04-21 17:00:01,300', '32d8', 'INFO', 'logkit:16', 'Fagalicious  - ------------------------------------------------------------------------------'),
  ].join('\n'), { bundleId: 'com.plexapp.agents.Fagalicious' });
  assert.equal(r.patterns.length, 1);
  const p = r.patterns[0];
  assert.deepEqual([p.class, p.status, p.host, p.count, p.example.location], ['http_error', 500, 'fagalicious.com', 1, undefined]);
});

test('IAFD 403 through the agent (pair) and through the framework URL line', () => {
  const r = aggregateText([
    fw('2024-08-01 10:00:00,000', '7f0', 'ERROR', 'networking:197', "Error opening URL 'https://www.iafd.com/ramesearch.asp?searchtype=comprehensive&searchstring=x'"),
    fw('2024-08-01 10:00:00,010', '7f0', 'ERROR', 'utils:5485', 'GEVI - UTILS :: \u274c File: utils.py, Line: 5393, Function: update -> updateMetadata -> getFilmOnIAFD'),
    fw('2024-08-01 10:00:00,011', '7f0', 'ERROR', 'utils:5486', 'GEVI - UTILS ::    Error:: IAFD Film Search Failure, HTTP Error 403: Forbidden'),
    fw('2024-08-01 10:00:05,000', '7f1', 'ERROR', 'utils:5486', 'GEVI - UTILS :: Error:: Getting Cast Member Page, John Doe: HTTP Error 403: Forbidden'),
  ].join('\n'), { bundleId: 'com.plexapp.agents.GEVI' });
  assert.equal(r.totals.byClass.iafd_failure, 2);
  assert.equal(r.totals.errors, 2);
  assert.deepEqual(r.agents.GEVI.http.byHost, { 'www.iafd.com': { '403': 2 } });
  assert.equal(r.patterns.length, 2, 'film search and cast page are different code sites');
});

test('negative thread ids (Synology) stitch like any other', () => {
  const r = aggregateText([
    fw('2019-01-01 00:00:00,000', '-bf81490', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: Agent:                        GEVI'),
    fw('2019-01-01 00:00:00,001', '-bf81490', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: File Path:                    /volume1/m/(Studio) - Film (1999).mp4'),
    fw('2019-01-01 00:00:00,002', '-bf81490', 'INFO', 'sandbox:19', 'GEVI  - SEARCH:: ' + '*'.repeat(60) + ' >> Failed << ' + '*'.repeat(60)),
  ].join('\n'), { bundleId: 'com.plexapp.agents.GEVI' });
  assert.deepEqual(r.items.map((i) => [i.title, i.year, i.outcome]), [['Film', 1999, 'failed']]);
});

test('hard-wrapped paste (~75 columns) of a one-line error reads as one record and one event', () => {
  const long = fw('2021-04-21 17:00:01,210', '32d8', 'ERROR', 'logkit:22', 'Fagalicious - SEARCH:: Error: Search Query did not pull any results: HTTP Error 403: Forbidden');
  const pieces: string[] = [];
  let rest = long;
  while (rest.length > 75) {
    const cut = rest.lastIndexOf(' ', 75);
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut + 1);
  }
  pieces.push(rest);
  assert.ok(pieces.length >= 2);
  const r = aggregateText(pieces.join('\n'), { lenient: true });
  assert.equal(r.counts.records, 1);
  assert.deepEqual([r.patterns[0]?.class, r.patterns[0]?.status, r.patterns[0]?.agent], ['http_error', 403, 'Fagalicious']);
});

test('prefix-less pasted lines: bare PGMA pair and a bare one-line error', () => {
  const r = aggregateText([
    'AEBN - SEARCH:: \u274c File: __init__.py, Line: 279, Function: _process_function_call -> _search -> search',
    'AEBN - SEARCH::    Error getting Site Title: < Title Match Failure! >',
    'WayBig - SEARCH:: Error: Search Query did not pull any results: < No Films! >',
  ].join('\n'), { lenient: true });
  assert.deepEqual(r.totals.byClass, { title_match_failure: 1, no_results: 1 });
  assert.equal(r.patterns.find((p) => p.agent === 'AEBN')?.example.location?.line, 279);
});

test('2021 tags (SELF::, IAFD  ::) and an update exception at another agentkit line', () => {
  const r = aggregateText([
    fw('2021-01-01 00:00:00,000', 'a', 'ERROR', 'logkit:22', 'GayHotMovies - SELF:: Error getting Site Title: list index out of range'),
    fw('2021-01-01 00:00:01,000', 'b', 'ERROR', 'logkit:22', 'GayHotMovies - IAFD  :: Error:: IAFD Film Search Failure, HTTP Error 403: Forbidden'),
    fw('2021-01-01 00:00:02,000', 'c', 'CRITICAL', 'agentkit:1078', "Exception in the update function of agent named 'GayHotMovies (IAFD)', called with guid 'com.plexapp.agents.GayAdult://1?lang=en' (most recent call last):"),
    '  File "/P/Plug-ins/GayHotMovies.bundle/Contents/Code/__init__.py", line 512, in update',
    "    x = html.xpath('//h1')[0]",
    'IndexError: list index out of range',
  ].join('\n'), { bundleId: 'com.plexapp.agents.GayHotMovies' });
  assert.deepEqual(r.totals.byClass, { xpath_failure: 1, iafd_failure: 1, agent_exception: 1 });
  const ex = r.patterns.find((p) => p.class === 'agent_exception');
  assert.equal(ex?.agent, 'GayHotMovies');
  assert.equal(ex?.example.exceptionType, 'IndexError');
  assert.equal(ex?.example.phase, 'update');
  assert.equal(r.items[0].phase, 'update');
});

test('trailing spaces and tabs inside messages do not disturb parsing', () => {
  const r = aggregateText(fw('2014-08-17 13:47:23,375', '48020970', 'ERROR', 'x:1', 'Something failed here   ') + '\r\n' +
    fw('2025-08-04 20:15:14,346', '172347000', 'INFO', 'sandbox:19', 'GEVI  - UTILS :: \t\t11. genrecollection         Default = Indigo') + '\r\n');
  assert.equal(r.counts.records, 2);
  assert.equal(r.totals.byClass.unknown_error, 1);
  assert.equal(r.counts.verbose.prefDump, 1);
});
