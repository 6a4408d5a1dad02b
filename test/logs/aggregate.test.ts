import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogAggregator } from '../../src/logs/aggregate.ts';
import { aggregate, memoryTemplateStore, parseTimeBound } from '../../src/logs/index.ts';
import { logReportSchema } from '../../src/logs/schema.ts';
import { aggregateText, fw, linesOf } from '../builders/lines.ts';
import type { readLogLines } from '../../src/logs/read.ts';
import { UsageError } from '../../src/errors.ts';

const err403 = (ts: string, thread: string, agent: string, q: string) => [
  fw(ts, thread, 'ERROR', 'networking:197', `Error opening URL 'https://${agent.toLowerCase()}.example/search/${q}'`),
  fw(ts, thread, 'ERROR', 'logkit:22', `${agent} - SEARCH:: \u274c File: __init__.py, Line: 283, Function: _process_function_call -> _search -> search`),
  fw(ts, thread, 'ERROR', 'logkit:22', `${agent} - SEARCH::    Error: Search Query did not pull any results: HTTP Error 403: Forbidden`),
];

test('filters: --since/--until by logged time, --agent by name or bundle id; filtered records counted', () => {
  const text = [
    ...err403('2026-01-01 09:00:00,000', 'a', 'GEVI', 'early'),
    ...err403('2026-01-02 09:00:00,000', 'a', 'GEVI', 'inside'),
    ...err403('2026-01-02 10:00:00,000', 'b', 'AEBN', 'inside'),
    ...err403('2026-01-03 09:00:00,000', 'a', 'GEVI', 'late'),
  ].join('\n');
  const r = aggregateText(text, { since: '2026-01-02 00:00:00,000', until: '2026-01-02 23:59:59,999' });
  assert.equal(r.totals.errors, 2);
  assert.equal(r.counts.filteredOut, 6);
  assert.equal(r.window.first, '2026-01-02 09:00:00,000');
  assert.equal(r.window.last, '2026-01-02 10:00:00,000');
  const only = aggregateText(text, { agents: ['aebn'] });
  assert.deepEqual(Object.keys(only.agents), ['AEBN']);
  assert.equal(only.totals.errors, 1);
  assert.deepEqual(only.filters, { agents: ['aebn'] });
});

test('parseTimeBound: absolute, date-only (end of day for --until), durations, bad input', () => {
  const now = new Date(2026, 0, 10, 12, 0, 0, 0);
  assert.equal(parseTimeBound('2026-01-02', '--since', now), '2026-01-02 00:00:00,000');
  assert.equal(parseTimeBound('2026-01-02', '--until', now), '2026-01-02 23:59:59,999');
  assert.equal(parseTimeBound('2026-01-02T13:05', '--since', now), '2026-01-02 13:05:00,000');
  assert.equal(parseTimeBound('2026-01-02 13:05:07,5', '--since', now), '2026-01-02 13:05:07,500');
  assert.equal(parseTimeBound('24h', '--since', now), '2026-01-09 12:00:00,000');
  assert.equal(parseTimeBound('2d', '--since', now), '2026-01-08 12:00:00,000');
  assert.throws(() => parseTimeBound('yesterday', '--since', now), UsageError);
  // Shaped like a time but not one: refused, not silently filtering everything out.
  for (const bad of ['2026-13-45', '2026-02-30', '2026-11-24 25:61', '2026-00-10', '2026-04-31 10:00:60']) {
    assert.throws(() => parseTimeBound(bad, '--since', now), /not a real date and time/, bad);
  }
  assert.equal(parseTimeBound('2024-02-29', '--until', now), '2024-02-29 23:59:59,999');
});

test('the Plex token never reaches the report (URLs, PGMA plextoken text, known token values)', () => {
  const token = 'Zx9yTOKENvalue42abc';
  const text = [
    fw('2026-01-01 00:00:00,000', 'a', 'ERROR', 'networking:197', `Error opening URL 'http://127.0.0.1:32400/library/metadata/5/tree?X-Plex-Token=${token}'`),
    fw('2026-01-01 00:00:01,000', 'b', 'ERROR', 'utils:1', `GEVI - UTILS ::    Error: retrieving Plex Token: plextoken ${token} was rejected`),
    fw('2026-01-01 00:00:02,000', 'c', 'ERROR', 'x:1', `Odd failure with session ${token}`),
  ].join('\n');
  const r = aggregateText(text, { knownTokens: [token] });
  assert.equal(r.totals.errors, 3);
  const json = JSON.stringify(r);
  assert.ok(!json.includes(token), json);
  assert.ok(json.includes('<redacted>'));
  assert.ok(r.patterns.some((p) => p.class === 'pms_communication_error'));
  assert.ok(r.patterns.some((p) => p.class === 'config_error'));
  // Without knowing the value: the X-Plex-Token URL parameter and PGMA's plextoken text are still redacted.
  const bare = JSON.stringify(aggregateText(text.split('\n').slice(0, 2).join('\n')));
  assert.ok(!bare.includes(token), bare);
});

test('memory is bounded by distinct patterns, not by input size', () => {
  const agg = new LogAggregator();
  let n = 0;
  for (let i = 0; i < 20000; i++) {
    const ts = `2026-01-01 00:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')},000`;
    for (const t of err403(ts, (i % 7).toString(16), 'GEVI', `film+${i}`)) agg.push({ source: 'g.log', bundleId: 'com.plexapp.agents.GEVI', lineNo: ++n, offset: 0, text: t });
  }
  const r = agg.finish();
  assert.equal(r.totals.errors, 20000);
  assert.equal(r.patterns.length, 1);
  assert.equal(r.patterns[0].count, 20000);
  assert.equal(r.agents.GEVI.http.byHost['gevi.example']['403'], 20000);
});

test('the report validates against the schema and keeps every count path', () => {
  const r = aggregateText(err403('2026-01-01 00:00:00,000', 'a', 'GEVI', 'x').join('\n'));
  assert.ok(logReportSchema.safeParse(r).success);
  assert.equal(r.totals.byClass.http_error, 1);
  assert.equal(r.counts.byLevel?.ERROR, 3);
});

test('phase entry: wires the reader, lenient for stdin, persists templates, hands back the read result', async () => {
  const text = fw('2026-01-01 00:00:00,000', 'a', 'ERROR', 'x:1', 'Totally new failure 42') + '\n' +
    '*2021-04-22* *14:36:12,792* (b204) :  ERROR (logkit:16) - WayBig - SEARCH:: Error getting Site Title: < Title Match Failure! >\n';
  const stats = { bytes: text.length, lines: 2, invalidUtf8: 1, nulBytes: 0, longLines: 0 };
  const fakeRead = ((input: { kind: string }) => {
    const lines = linesOf(text, input.kind === 'stdin' ? '-' : 'f.log');
    return {
      async each(onLine: (l: (typeof lines)[number]) => void) {
        for (const l of lines) onLine(l);
        return { sources: [], gaps: [{ file: 'f.log', bytes: 10, reason: 'rotated away' }], problems: [], stats, bookmarks: { schema: 'plexmend.bookmarks/1', files: [] } };
      },
    };
  }) as unknown as typeof readLogLines;
  const store = memoryTemplateStore();
  let seen = false;
  const r = await aggregate({ kind: 'stdin', stream: process.stdin }, { read: fakeRead, templates: store, now: () => new Date(0) }, { onRead: () => (seen = true) });
  assert.ok(seen);
  assert.equal(r.input.kind, 'stdin');
  assert.equal(r.counts.invalidUtf8, 1);
  assert.equal(r.gaps.length, 1);
  assert.equal(r.totals.byClass.title_match_failure, 1, 'lenient reading of the markdown-mangled line');
  assert.equal(store.state?.templates.length, 1);
  const strict = await aggregate({ kind: 'files', paths: ['f.log'] }, { read: fakeRead, templates: memoryTemplateStore() });
  assert.equal(strict.totals.byClass.title_match_failure, undefined, 'files are read strictly by default');
});

test('agent exceptions group by exception type, bundle file and function, not by line', () => {
  const ex = (ts: string, line: number) => [
    fw(ts, 'a', 'CRITICAL', 'agentkit:1018', "Exception in the search function of agent named 'GEVI', called with keyword arguments {'name': 'X'} (most recent call last):"),
    `  File "/P/Plug-ins/GEVI.bundle/Contents/Code/utils.py", line ${line}, in matchFilename`,
    '    x = y',
    "NameError: global name 'y' is not defined",
  ].join('\n');
  const r = aggregateText([ex('2026-01-01 00:00:00,000', 6025), ex('2026-01-01 00:00:01,000', 6031)].join('\n'), { bundleId: 'com.plexapp.agents.GEVI' });
  assert.equal(r.patterns.length, 1);
  assert.equal(r.patterns[0].count, 2);
  assert.equal(r.patterns[0].example.location?.line, 6025);
  assert.equal(r.items.length, 1, 'same item (title X) twice');
  assert.equal(r.items[0].errored, 2);
});

test('a recovered request (cfscrape fallback) is not an error, and a later title mismatch does not take its URL', () => {
  const text = [
    fw('2026-01-01 00:00:00,000', 'a', 'ERROR', 'networking:197', "Error opening URL 'https://site.example/film/1'"),
    fw('2026-01-01 00:00:00,001', 'a', 'INFO', 'sandbox:19', 'GEVI  - UTILS :: Request Failed                Try CFScrape'),
    fw('2026-01-01 00:00:01,000', 'a', 'ERROR', 'utils:1', 'GEVI - SEARCH::    Error getting Site Title: < Title Match Failure! >'),
    fw('2026-01-01 00:00:02,000', 'a', 'DEBUG', 'networking:144', "Requesting 'https://site.example/film/2'"),
  ].join('\n');
  const r = aggregateText(text, { bundleId: 'com.plexapp.agents.GEVI' });
  assert.deepEqual(r.totals.byClass, { title_match_failure: 1 });
  assert.equal(r.patterns[0].host, undefined);
  assert.equal(r.agents.GEVI.http.requests, 1);
});
