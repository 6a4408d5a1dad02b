import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFrameworkLine, RecordAssembler, bundleIdFromFileName, type LogRecord } from '../../src/logs/grammar.ts';
import { linesOf } from '../builders/lines.ts';

function records(text: string, lenient = false): { recs: LogRecord[]; asm: RecordAssembler } {
  const recs: LogRecord[] = [];
  const asm = new RecordAssembler((r) => recs.push(r), { lenient });
  for (const l of linesOf(text, 'x.log')) asm.push(l);
  asm.flush();
  return { recs, asm };
}

test('framework line: every platform thread id form, opaque module:line', () => {
  const cases: Array<[string, string, string, string]> = [
    ['2024-07-12 13:36:56,319 (1cc8) :  ERROR (logkit:22) - Fagalicious - SEARCH:: x', '1cc8', 'ERROR', 'logkit:22'],
    ['2025-08-04 20:07:33,678 (20d37df00) :  INFO (core:349) - Starting framework core', '20d37df00', 'INFO', 'core:349'],
    ['2017-01-04 19:45:08,137 (2b0a7ef9d700) :  CRITICAL (agentkit:1067) - Exception in', '2b0a7ef9d700', 'CRITICAL', 'agentkit:1067'],
    ['2014-08-17 13:47:23,375 (48020970) :  DEBUG (networking:458) - Setting the default network timeout to 20.0   ', '48020970', 'DEBUG', 'networking:458'],
    ['2019-01-01 00:00:00,000 (-bf81490) :  WARNING (__init__:219) - negative thread id (Synology)', '-bf81490', 'WARNING', '__init__:219'],
  ];
  for (const [line, thread, level, origin] of cases) {
    const p = parseFrameworkLine(line);
    assert.ok(p, line);
    assert.equal(p.thread, thread);
    assert.equal(p.level, level);
    assert.equal(p.origin, origin);
  }
  assert.equal(parseFrameworkLine('2024-07-12 13:36:56,319 (1cc8) :  NOTICE (x:1) - y'), null);
  assert.equal(parseFrameworkLine('2024-07-12 13:36:56,319 (1cc8) : ERROR (x:1) - one space'), null);
  assert.equal(parseFrameworkLine('Jan 14, 2022 19:26:52.271 [0x70000ab9e000] WARN - main server log'), null);
  assert.equal(parseFrameworkLine('  File "x.py", line 3, in f'), null);
  assert.equal(parseFrameworkLine('2024-07-12 13:36:56,319 (zz) :  ERROR (x:1) - bad thread'), null);
});

test('continuation lines join the previous record (traceback)', () => {
  const { recs, asm } = records([
    '2026-02-06 07:35:09,770 (207042080) :  CRITICAL (runtime:1299) - Exception getting hosted resource hashes (most recent call last):',
    '  File "/x/runtime.py", line 1293, in get_resource_hashes',
    '    json = self._core.networking.http_request("http://127.0.0.1:32400/", timeout=10).content',
    'HTTPError: HTTP Error 404: Not Found',
    '2026-02-06 07:35:09,773 (207042080) :  DEBUG (runtime:1117) - Created a thread',
  ].join('\n'));
  assert.equal(recs.length, 2);
  assert.equal(recs[0].continuation.length, 3);
  assert.equal(recs[0].continuation[2], 'HTTPError: HTTP Error 404: Not Found');
  assert.equal(recs[1].lineNo, 5);
  assert.deepEqual(asm.counts, { records: 2, continuations: 3, lenient: 0, unparsed: 0, annotations: 0 });
});

test('a line before any record is unparsed; records of another source do not take it', () => {
  const { recs, asm } = records('garbage\n2026-02-06 07:35:09,773 (1) :  INFO (a:1) - m\n');
  assert.equal(recs.length, 1);
  assert.equal(asm.counts.unparsed, 1);
});

test('strict mode does not read pasted forms; lenient mode does', () => {
  const pasted = [
    '# SOURCE: https://example.invalid/issue',
    '*2021-04-22* *14:36:12,792* (b204) :  INFO (logkit:16) - WayBig  - SEARCH:: File Name                    : (MEN) - X (2020)',
    '',
    '>> 2026-02-06 14:12:14,981 (1703ef000) :  ERROR (utils:5552) - AEBN - SEARCH::    Error Matching Carnal +,: < Studio Match Failure! >',
    '   2026-02-06 14:12:14,981 (1703ef000) :  INFO (sandbox:19) - AEBN  - UTILS :: IAFD Studio',
    'ERROR (utils:5484) - AEBN - SEARCH:: text without timestamp',
    'GEVI - UTILS ::    Error: Getting Synopsis: list index out of range',
    './com.plexapp.system.log:2022-01-14 19:27:02,382 (70001016a000) :  INFO (agentservice:167) - Agents pinging',
  ].join('\n');
  const strict = records(pasted);
  assert.equal(strict.recs.length, 0);
  const { recs, asm } = records(pasted, true);
  assert.equal(recs.length, 6);
  assert.equal(asm.counts.annotations, 1);
  assert.equal(asm.counts.lenient, 6);
  assert.equal(recs[0].ts, '2021-04-22 14:36:12,792');
  assert.equal(recs[0].thread, 'b204');
  assert.equal(recs[1].level, 'ERROR');
  assert.equal(recs[2].thread, '1703ef000');
  assert.equal(recs[3].ts, undefined);
  assert.equal(recs[3].origin, 'utils:5484');
  assert.equal(recs[4].level, 'ERROR', 'bare PGMA line, one-space form = Log.Error');
  assert.equal(recs[4].thread, '?');
  assert.equal(recs[5].bundleId, 'com.plexapp.system');
});

test('lenient: hard-wrapped lines (~75 columns) are joined to the message', () => {
  const { recs } = records([
    '2021-04-21 16:59:24,657 (32d8) :  ERROR (logkit:22) - Fagalicious - SEARCH:: Error: Search Query did not pull any',
    'results: HTTP Error 500: Internal Server Error',
  ].join('\n'), true);
  assert.equal(recs.length, 1);
  assert.equal(recs[0].message, 'Fagalicious - SEARCH:: Error: Search Query did not pull any results: HTTP Error 500: Internal Server Error');
  assert.equal(recs[0].continuation.length, 0);
});

test('continuations are bounded; head and tail kept', () => {
  const lines = ['2026-02-06 07:35:09,770 (1) :  CRITICAL (x:1) - Exception big'];
  for (let i = 0; i < 1000; i++) lines.push(`  File "f${i}.py", line ${i}, in g`);
  lines.push('ValueError: last');
  const { recs, asm } = records(lines.join('\n'));
  assert.equal(recs[0].continuation.length, 64);
  assert.equal(recs[0].continuation[0], '  File "f0.py", line 0, in g');
  assert.equal(recs[0].continuation[63], 'ValueError: last');
  assert.equal(asm.counts.continuations, 1001);
});

test('bundle id from rotated file names', () => {
  assert.equal(bundleIdFromFileName('/x/PMS Plugin Logs/com.plexapp.agents.GEVI.log.2'), 'com.plexapp.agents.GEVI');
  assert.equal(bundleIdFromFileName('com.plexapp.system.log'), 'com.plexapp.system');
  assert.equal(bundleIdFromFileName('notes.txt'), undefined);
});
