/**
 * Every real excerpt in test/fixtures/real-logs/ (copied from the shared fixtures) parses, and its events
 * are asserted: class, agent, status, host, exception type, location, counts. Excerpts are read the way
 * pasted text is (lenient: `# ` annotations, report markers); per-agent files get their bundle id as the
 * reader would give it from the file name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { aggregateText } from '../builders/lines.ts';
import type { LogReport, Pattern } from '../../src/logs/schema.ts';

const DIR = new URL('../fixtures/real-logs/', import.meta.url);
const BUNDLE: Record<string, string> = {
  '01': 'com.plexapp.agents.Fagalicious', '02': 'com.plexapp.agents.Fagalicious', '04': 'com.plexapp.agents.Fagalicious',
  '05': 'com.plexapp.agents.Fagalicious', '07': 'com.plexapp.agents.GEVI', '08': 'com.plexapp.agents.GEVI',
  '09': 'com.plexapp.agents.GEVI', '10': 'com.plexapp.agents.GEVI', '12': 'com.plexapp.agents.WayBig',
  '13': 'com.plexapp.agents.GayDVDEmpire', '17': 'com.plexapp.agents.xbmcnfo', '18': 'com.plexapp.agents.xbmcnfo',
  '20': 'com.plexapp.system', '25': 'com.plexapp.agents.xbmcnfo', '27': 'com.plexapp.agents.xbmcnfo',
};

function load(prefix: string): LogReport {
  const name = readdirSync(DIR).find((f) => f.startsWith(prefix + '_'));
  assert.ok(name, `fixture ${prefix} exists`);
  return aggregateText(readFileSync(new URL(name, DIR), 'utf8'), { lenient: true, source: name, bundleId: BUNDLE[prefix] });
}

function only(r: LogReport): Pattern {
  assert.equal(r.patterns.length, 1, JSON.stringify(r.patterns.map((p) => [p.class, p.agent])));
  return r.patterns[0];
}

test('every fixture parses without unparsed surprises', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.log'));
  assert.ok(files.length >= 26);
  for (const f of files) {
    const r = aggregateText(readFileSync(new URL(f, DIR), 'utf8'), { lenient: true, source: f });
    // Unparsed lines: only in the fixtures that are not plug-in logs (24: main server lines, 28: Hama's own
    // log) and 01, whose paste starts with a ruler line.
    const expected = f.startsWith('24_') || f.startsWith('28_') ? 2 : f.startsWith('01_') ? 1 : 0;
    assert.equal(r.counts.unparsed, expected, f);
    assert.ok(r.counts.records > 0 || f.startsWith('28_'), f);
  }
});

test('01 Fagalicious 403: one http_error (framework URL line + PGMA pair), host from the URL, status from PGMA', () => {
  const r = load('01');
  const p = only(r);
  assert.equal(p.class, 'http_error');
  assert.equal(p.agent, 'Fagalicious');
  assert.equal(p.status, 403);
  assert.equal(p.host, 'fagalicious.com');
  assert.equal(p.count, 1);
  assert.deepEqual(p.example.location, { file: '__init__.py', line: 283, function: '_process_function_call -> _search -> search' });
  assert.match(p.example.url ?? '', /^https:\/\/fagalicious\.com\/search\//);
  assert.equal(r.totals.events, 1);
  assert.deepEqual(r.agents.Fagalicious.http.byStatus, { '403': 1 });
  assert.deepEqual(r.agents.Fagalicious.http.byHost, { 'fagalicious.com': { '403': 1 } });
  assert.equal(r.agents.Fagalicious.http.requests, 1);
});

test('02 cfscrape fallback: one http_error without status, PGMA Request URL and networking Requesting counted once', () => {
  const r = load('02');
  const p = only(r);
  assert.equal(p.class, 'http_error');
  assert.equal(p.status, undefined);
  assert.equal(p.host, 'fagalicious.com');
  assert.equal(p.example.location?.line, 185);
  assert.equal(r.agents.Fagalicious.http.requests, 1);
  assert.deepEqual(r.agents.Fagalicious.http.byStatus, { unknown: 1 });
});

test('04, 05 (2021 AGNT format), 10 (pref dump): PGMA info lines, no events', () => {
  const r4 = load('04');
  assert.equal(r4.totals.events, 0);
  assert.equal(r4.counts.verbose.info, 4);
  const r5 = load('05');
  assert.equal(r5.totals.events, 0);
  assert.ok(r5.agents.Fagalicious);
  assert.equal(r5.counts.verbose.separator, 1);
  const r10 = load('10');
  assert.equal(r10.totals.events, 0);
  assert.equal(r10.counts.verbose.prefDump, 7);
  assert.equal(r10.counts.verbose.separator, 1);
});

test('07, 12, 13: search headers (2021/2022 layouts, markdown-mangled paste) open a search operation', () => {
  for (const [id, agent] of [['07', 'GEVI'], ['12', 'WayBig'], ['13', 'GayDVDEmpire']] as const) {
    const r = load(id);
    assert.equal(r.totals.events, 0, id);
    assert.equal(r.totals.operations.search_started, 1, id);
    assert.equal(r.agents[agent].searches, 1, id);
  }
  assert.equal(load('12').counts.lenient, 3);
});

test('08, 20, 21, 30: resource-hashes 404 and its traceback are one framework_noise event, no error', () => {
  for (const id of ['08', '20', '21', '30']) {
    const r = load(id);
    const p = only(r);
    assert.equal(p.class, 'framework_noise', id);
    assert.equal(r.totals.errors, 0, id);
    assert.equal(r.totals.noise, 1, id);
  }
  assert.equal(load('08').agents.GEVI.noise, 1);
  assert.equal(only(load('20')).host, 'resources-cdn.plexapp.com');
  assert.equal(only(load('30')).example.exceptionType, 'HTTPError');
});

test('09: framework start banner is a plug-in start', () => {
  const r = load('09');
  assert.equal(r.totals.operations.plugin_start, 1);
  assert.equal(r.agents.GEVI.pluginStarts, 1);
  assert.equal(r.counts.verbose.debug, 11);
  assert.equal(r.totals.events, 0);
});

test('14: a bare location line (text line cut) is one unknown_error at its code location', () => {
  const r = load('14');
  const p = only(r);
  assert.equal(p.class, 'unknown_error');
  assert.equal(p.agent, 'AEBN');
  assert.deepEqual(p.example.location, { file: '__init__.py', line: 279, function: '_process_function_call -> _search -> search' });
  assert.equal(r.counts.lenient, 1);
});

test('16: PhoenixAdult search exception: NameError in the innermost bundle frame, item outcome error', () => {
  const r = load('16');
  const p = only(r);
  assert.equal(p.class, 'agent_exception');
  assert.equal(p.agent, 'PhoenixAdult');
  assert.equal(p.example.exceptionType, 'NameError');
  assert.deepEqual(p.example.location, { file: 'PhoenixAdult.bundle/Contents/Code/siteMilfVR.py', line: 8, function: 'search' });
  assert.equal(p.example.phase, 'search');
  assert.equal(r.items.length, 1);
  assert.equal(r.items[0].title, 'Milfvr on the Pole 180x180 3dh');
  assert.equal(r.items[0].outcome, 'error');
  assert.equal(r.agents.PhoenixAdult.searchesErrored, 1);
  assert.equal(r.agents.PhoenixAdult.matchRate, 0);
});

test('17, 18: XBMCnfo update exceptions (Docker, 2014 Windows core:561)', () => {
  const r17 = load('17');
  const p17 = only(r17);
  assert.equal(p17.class, 'agent_exception');
  assert.equal(p17.agent, 'xbmcnfo');
  assert.equal(p17.example.exceptionType, undefined, 'the excerpt is cut before the exception line');
  assert.deepEqual(p17.example.location, { file: 'XBMCnfoMoviesImporter.bundle/Contents/Code/__init__.py', line: 919, function: 'remove_empty_tags' });
  assert.equal(r17.items[0].phase, 'update');
  const p18 = only(load('18'));
  assert.equal(p18.example.exceptionType, 'UnboundLocalError');
  assert.equal(p18.example.location?.line, 339);
  assert.equal(p18.example.phase, 'update');
});

test('23: plex2csv: DEBUG "Error in thread" is not an event; CRITICAL exception is', () => {
  const r = load('23');
  const p = only(r);
  assert.equal(p.class, 'agent_exception');
  assert.equal(p.example.message, 'Exception happened in MainMenu');
  assert.equal(r.counts.verbose.debug, 12);
});

test('24, 25, 27, 28: other logs and formats give no events', () => {
  const r24 = load('24');
  assert.equal(r24.totals.events, 0);
  assert.equal(r24.counts.unparsed, 2, 'the main server log lines');
  assert.equal(r24.counts.records, 2, 'the grep-prefixed plug-in lines');
  assert.equal(r24.counts.lenient, 2);
  assert.equal(r24.counts.verbose.debug, 1);
  assert.equal(load('25').totals.events, 0);
  const r27 = load('27');
  assert.equal(r27.totals.events, 0);
  assert.equal(r27.counts.records, 9);
  const r28 = load('28');
  assert.equal(r28.counts.records, 0);
  assert.equal(r28.counts.unparsed, 2);
});

test('31: Cannot read model is framework noise', () => {
  const r = load('31');
  assert.equal(only(r).class, 'framework_noise');
  assert.equal(r.totals.errors, 0);
});

test('33: storage CRITICAL + PGMA "Saving Poster to Disk" pair = one storage_error with both facts', () => {
  const r = load('33');
  const p = only(r);
  assert.equal(p.class, 'storage_error');
  assert.equal(p.agent, 'GayEmpire');
  assert.equal(p.count, 1);
  assert.equal(p.example.exceptionType, 'IOError');
  assert.deepEqual(p.example.location, { file: 'utils.py', line: 7329, function: '_update -> update -> updateMetadata' });
});

test('35: Start-not-found noise; IAFD lookup disabled (reordered pair); GEVI xpath warning', () => {
  const r = load('35');
  assert.equal(r.totals.events, 3);
  assert.equal(r.totals.noise, 1);
  assert.equal(r.totals.errors, 2);
  const iafd = r.patterns.find((p) => p.class === 'iafd_failure');
  assert.equal(iafd?.agent, 'AEBN');
  assert.equal(iafd?.example.location?.function, 'update -> updateMetadata -> getFilmOnIAFD');
  assert.equal(iafd?.status, undefined, '"prevent 403 Errors" is not an HTTP response');
  const xp = r.patterns.find((p) => p.class === 'xpath_failure');
  assert.equal(xp?.agent, 'GEVI');
  assert.deepEqual(xp?.example.location, { file: 'utils.py', line: 3807, function: 'getSiteInfo -> _apply -> getSiteInfoGEVI' });
});

test('36: studio match failures (AEBN, AdultFilmDatabase)', () => {
  const r = load('36');
  assert.deepEqual(r.totals.byClass, { studio_match_failure: 2 });
  assert.deepEqual(r.patterns.map((p) => p.agent).sort(), ['AEBN', 'AdultFilmDatabase']);
  assert.equal(r.patterns.find((p) => p.agent === 'AdultFilmDatabase')?.example.location?.line, 194);
});

/** Hard-wraps every line at `width` columns between words, as mail clients, issue forms and `textwrap` do. */
function hardWrap(text: string, width = 75): string {
  return text.split('\n').flatMap((line) => {
    if (line.length <= width) return [line];
    const out: string[] = [];
    let cur = '';
    for (const word of line.split(' ')) {
      if (cur && cur.length + 1 + word.length > width) {
        out.push(cur);
        cur = word;
      } else cur = cur ? `${cur} ${word}` : word;
    }
    out.push(cur);
    return out;
  }).join('\n');
}

test('every fixture hard-wrapped at 75 columns gives the events it gives unwrapped (classes, agents, hosts, statuses)', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.log'));
  const summary = (r: LogReport) => JSON.stringify({ byClass: r.totals.byClass, http: Object.fromEntries(Object.entries(r.agents).map(([a, s]) => [a, s.http.byHost])) });
  let wrappedLines = 0;
  for (const f of files) {
    const text = readFileSync(new URL(f, DIR), 'utf8');
    const wrapped = hardWrap(text);
    wrappedLines += wrapped.split('\n').length - text.split('\n').length;
    assert.equal(summary(aggregateText(wrapped, { lenient: true, source: f })), summary(aggregateText(text, { lenient: true, source: f })), f);
  }
  assert.ok(wrappedLines > 200, `the wrap split many lines (${wrappedLines})`);
});
