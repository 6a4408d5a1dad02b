/**
 * Recipes over the fixture Plug-ins folder: each produces edits whose per-copy unified diffs apply with
 * jsdiff to every copy, leave shared copies identical, add no name Plex's RestrictedPython refuses and
 * still parse as Python 2.7 (parser-level check; the interpreter check of inserted helpers is in
 * recipes-py27.test.ts).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import type { RecipeChange, RecipeOutcome } from '../../src/diagnose/recipes/types.ts';
import { BROWSER_HEADERS, hostMappedHttp, type HttpGet } from '../../src/diagnose/probe.ts';
import { evaluate, parseHtml, resultStrings } from '../../src/diagnose/html.ts';
import { canonicalFileName } from '../../src/diagnose/recipes/workaround.ts';
import { contextFor, groupOf, loadFixture, materialise, noHttp, tableHttp, type Fixture, type Materialised } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';

const KESTREL = 'www.kestrel-films.example';
const HERON = 'www.heron-videos.example';
const WREN = 'www.wren-studio.example';
const UTILS = 'Contents/Code/utils.py';
const INIT = 'Contents/Code/__init__.py';

function ok(o: RecipeOutcome): RecipeChange {
  if (!o.ok) assert.fail(`recipe did not apply: ${o.reason}`);
  return o;
}

/** The common proof: applies to every copy, copies identical, naming rules and 2.7 syntax pass. */
function assertSound(m: Materialised, expectPaths: string[]): void {
  assert.deepEqual(m.changes.map((c) => c.path).sort(), [...expectPaths].sort());
  for (const c of m.changes) {
    assert.equal(m.applied.get(c.path), m.after.get(c.path), `${c.path}: the diff applies and gives the rendered text`);
    assert.notEqual(m.after.get(c.path), m.before.get(c.path));
    assert.match(c.baseHash, /^[0-9a-f]{64}$/);
  }
  const shared = new Map<string, Set<string>>();
  for (const c of m.changes) if (c.sharedGroup) (shared.get(c.sharedGroup) ?? shared.set(c.sharedGroup, new Set()).get(c.sharedGroup)!).add(m.applied.get(c.path) as string);
  for (const [g, texts] of shared) assert.equal(texts.size, 1, `shared group ${g} stays identical`);
  assert.deepEqual([...m.naming], [], 'no RestrictedPython naming violation');
  for (const r of m.py27) assert.ok(r.ok, `${r.path} parses as Python 2.7: ${JSON.stringify(r.issues)}`);
}

const allCopies = (file: string) => ['Heron.bundle', 'Kestrel.bundle', 'Wren.bundle'].map((b) => `${b}/${file}`);

function addedLines(m: Materialised, path: string): string[] {
  const before = new Set(m.before.get(path)!.split('\n'));
  return m.after.get(path)!.split('\n').filter((l) => !before.has(l));
}

async function run(fx: Fixture, spec: GroupSpec, recipe: keyof typeof RECIPE_IMPLS, http = noHttp, ruleId?: string): Promise<RecipeOutcome> {
  const report = reportOf([spec]);
  return RECIPE_IMPLS[recipe].run(contextFor(fx, report, groupOf(report, spec.agent, spec.class), http, ruleId));
}

/** Kestrel's site as a loopback server (stopped after the test), reached through the host map. */
async function kestrelSite(t: TestContext, handler: RequestListener): Promise<HttpGet> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return hostMappedHttp({ [KESTREL]: `127.0.0.1:${(server.address() as AddressInfo).port}` }, noHttp);
}

const items3 = films('Kestrel', ['Summer Camp Diaries', 'Night Shift', 'Harbour Lights']);

test('request_headers: Start() without headers gets the probe-tested browser headers first in its body, after the docstring', async () => {
  const fx = await loadFixture();
  const change = ok(await run(fx, { class: 'http_error', agent: 'Wren', host: WREN, status: 403, count: 5, message: 'HTTP Error 403: Forbidden', items: films('Wren', ['A Film']) }, 'request_headers'));
  const m = await materialise(fx, change);
  assertSound(m, [`Wren.bundle/${INIT}`]);
  const after = m.after.get(`Wren.bundle/${INIT}`)!.split('\n');
  const doc = after.indexOf("    ''' initialise process '''");
  assert.deepEqual(after.slice(doc + 1, doc + 4), Object.entries(BROWSER_HEADERS).map(([k, v]) => `    HTTP.Headers['${k}'] = '${v}'`));
  assert.equal(after[doc + 4], '    HTTP.CacheTime = CACHE_1DAY');
  assert.ok(change.evidence.some((e) => e.why.includes('sets no request headers')));
});

test('request_headers: an existing old User-Agent is replaced in place, missing headers added after the last one', async () => {
  const fx = await loadFixture();
  const change = ok(await run(fx, { class: 'http_error', agent: 'Heron', host: HERON, status: 403, count: 5, message: 'HTTP Error 403: Forbidden' }, 'request_headers'));
  const m = await materialise(fx, change);
  assertSound(m, [`Heron.bundle/${INIT}`]);
  const text = m.after.get(`Heron.bundle/${INIT}`)!;
  assert.doesNotMatch(text, /MSIE 6\.0/);
  const lines = text.split('\n');
  assert.equal(lines[19], `    HTTP.Headers['User-Agent'] = '${BROWSER_HEADERS['User-Agent']}'`, 'replaced on its own line (20)');
  assert.equal(lines[20], "    HTTP.Headers['Accept-Encoding'] = 'gzip'", 'other headers kept');
  assert.match(lines[21]!, /^    HTTP\.Headers\['Accept'\] = /);
  assert.match(lines[22]!, /^    HTTP\.Headers\['Accept-Language'\] = /);
});

test('retry_backoff: the agent\'s own call to the host is routed through a helper scoped to that host', async () => {
  const fx = await loadFixture();
  const change = ok(await run(fx, { class: 'http_error', agent: 'Kestrel', host: KESTREL, status: 429, count: 9, message: 'HTTP Error 429: Too Many Requests', items: items3 }, 'retry_backoff'));
  const m = await materialise(fx, change);
  assertSound(m, [`Kestrel.bundle/${INIT}`]);
  const text = m.after.get(`Kestrel.bundle/${INIT}`)!;
  assert.match(text, /^            html = requestWithBackoff\(HTML\.ElementFromURL, searchQuery, timeout=20, sleep=utils\.delay\(\)\)$/m);
  assert.match(text, /^BACKOFF_HOSTS = \('www\.kestrel-films\.example',\)$/m);
  assert.match(text, /^BACKOFF_ON = \('429', 'Too Many Requests',\)$/m);
  // The helper sits after the imports, before the first constant.
  assert.ok(text.indexOf('def requestWithBackoff') < text.indexOf("AGENT = 'Kestrel'"));
  assert.ok(text.indexOf('import utils') < text.indexOf('BACKOFF_HOSTS'));
  // The update's request (URL from metadata.id: host unknown) is not touched.
  assert.match(text, /^        html = HTML\.ElementFromURL\(metadata\.id, sleep=utils\.delay\(\)\)$/m);
});

test('retry_backoff: a host reached only through utils.getHTTPRequest patches the wrapper in every copy of utils.py', async () => {
  const fx = await loadFixture();
  const change = ok(await run(fx, { class: 'http_error', agent: 'Heron', host: HERON, status: 503, count: 4, message: 'HTTP Error 503: Service Unavailable' }, 'retry_backoff'));
  const m = await materialise(fx, change);
  assertSound(m, allCopies(UTILS));
  assert.ok(m.changes.every((c) => c.sharedGroup === m.changes[0]!.sharedGroup && c.sharedGroup));
  const text = m.after.get(`Heron.bundle/${UTILS}`)!;
  assert.match(text, /return requestWithBackoff\(HTTP\.Request, url, timeout=timeout, sleep=sleep\)\.content/);
  assert.match(text, /^BACKOFF_HOSTS = \('www\.heron-videos\.example',\)$/m, 'only the evidence host, not iafd');
  assert.match(text, /^BACKOFF_ON = \('503', 'Service Unavailable',\)$/m);
});

test('retry_backoff: an existing helper (from an earlier fix) has its host and error lists widened, not duplicated', async () => {
  const first = await loadFixture();
  const change1 = ok(await run(first, { class: 'http_error', agent: 'Heron', host: HERON, status: 503, count: 4, message: 'HTTP Error 503: Service Unavailable' }, 'retry_backoff'));
  const m1 = await materialise(first, change1);
  const patched = m1.after.get(`Heron.bundle/${UTILS}`)!;
  const fx = await loadFixture(Object.fromEntries(allCopies(UTILS).map((p) => [p, patched])));
  const change = ok(await run(fx, { class: 'http_error', agent: 'Kestrel', host: KESTREL, status: 429, count: 9, message: 'HTTP Error 429: Too Many Requests' }, 'retry_backoff'));
  const m = await materialise(fx, change);
  // Kestrel's own call is wrapped in __init__.py, which gets its own helper.
  assert.ok(m.changes.some((c) => c.path === `Kestrel.bundle/${INIT}`));
  assertSound(m, m.changes.map((c) => c.path));
  // Widening in place where the helper exists: a file that already has it.
  const fx2 = await loadFixture({ ...Object.fromEntries(allCopies(UTILS).map((p) => [p, patched])) });
  const widen = ok(await run(fx2, { class: 'http_error', agent: 'Heron', host: 'www.iafd.example', status: 429, count: 3, message: 'HTTP Error 429: Too Many Requests' }, 'retry_backoff'));
  const m2 = await materialise(fx2, widen);
  assertSound(m2, allCopies(UTILS));
  const text = m2.after.get(`Heron.bundle/${UTILS}`)!;
  assert.equal(text.split('def requestWithBackoff').length, 2, 'one helper');
  assert.match(text, /^BACKOFF_HOSTS = \('www\.heron-videos\.example', 'www\.iafd\.example',\)$/m);
  assert.match(text, /^BACKOFF_ON = \('503', 'Service Unavailable', '429', 'Too Many Requests',\)$/m);
  assert.doesNotMatch(text, /requestWithBackoff\(requestWithBackoff/);
  assert.ok(widen.evidence.some((e) => e.why.includes('already routes')));
  // A host the bundle never talks to is not added on a guess.
  const stranger = await run(fx2, { class: 'http_error', agent: 'Heron', host: 'www.elsewhere.example', status: 429, count: 3, message: 'HTTP Error 429' }, 'retry_backoff');
  assert.equal(stranger.ok, false);
});

test('timeout_delay: the timeout is raised to 60 s and the same call is retried with back-off (edits compose on one line)', async () => {
  const fx = await loadFixture();
  const change = ok(await run(fx, { class: 'timeout', agent: 'Kestrel', host: KESTREL, count: 6, message: 'timed out', items: items3 }, 'timeout_delay'));
  const m = await materialise(fx, change);
  assertSound(m, [`Kestrel.bundle/${INIT}`]);
  const text = m.after.get(`Kestrel.bundle/${INIT}`)!;
  assert.match(text, /^            html = requestWithBackoff\(HTML\.ElementFromURL, searchQuery, timeout=60, sleep=utils\.delay\(\)\)$/m);
  assert.match(text, /^BACKOFF_ON = \('timed out',\)$/m);
});

test('xpath_repair: reads the current page over loopback and replaces the broken XPath with one that extracts the title', async (t) => {
  const page = (title: string) =>
    `<html><body><div class="film-header"><h1 class="title-main">${title}</h1><span class="studio">Kestrel</span></div><div class="synopsis">About ${title}</div></body></html>`;
  const asked: string[] = [];
  const http = await kestrelSite(t, (req, res) => {
    asked.push(`${req.headers.host}${req.url}`);
    if (req.url === '/film/123') return res.writeHead(200, { 'content-type': 'text/html' }).end(page('Summer Camp Diaries'));
    res.writeHead(404).end();
  });
  const fx = await loadFixture();
  const spec: GroupSpec = {
    class: 'xpath_failure',
    agent: 'Kestrel',
    host: KESTREL,
    count: 3,
    phase: 'update',
    message: 'UPDATE:: Error getting Site Title: list index out of range',
    url: `http://${KESTREL}/film/123`,
    location: { file: 'Kestrel.bundle/Contents/Code/__init__.py', line: 59, function: 'update' },
    items: items3,
  };
  const change = ok(await run(fx, spec, 'xpath_repair', http));
  assert.deepEqual(asked, [`${KESTREL}/film/123`], 'the page was read through the host map with the original Host header');
  const m = await materialise(fx, change);
  assertSound(m, [`Kestrel.bundle/${INIT}`]);
  const line = m.after.get(`Kestrel.bundle/${INIT}`)!.split('\n')[58]!;
  const xp = /html\.xpath\('([^']+)'\)\[0\]\.strip\(\)/.exec(line)?.[1];
  assert.ok(xp && xp !== '//h1[@class="film-title"]/text()', `line 59 has a new expression: ${line}`);
  assert.deepEqual(resultStrings(evaluate(xp, parseHtml(page('Summer Camp Diaries')))).map((s) => s.trim()), ['Summer Camp Diaries']);
  assert.deepEqual(resultStrings(evaluate(xp, parseHtml(page('Night Shift')))).map((s) => s.trim()), ['Night Shift'], 'extracts the value on another film page too');
});

test('xpath_repair: not offered when the page cannot be read', async () => {
  const fx = await loadFixture();
  const spec: GroupSpec = { class: 'xpath_failure', agent: 'Kestrel', count: 1, message: 'Error getting Site Title', url: `http://${KESTREL}/film/1`, location: { file: '__init__.py', line: 59 }, items: items3 };
  const r = await run(fx, spec, 'xpath_repair', tableHttp({}));
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, /could not derive a replacement/);
});

const NORMALISER_DOC = `    '''
    Normalise a title for comparison:
        lower case, no diacritics, typographic quotes made plain,
        punctuation and white space removed
    '''`;

test('title_normalisation: the call goes after a MULTI-LINE docstring, in every copy of utils.py', async () => {
  const fx = await loadFixture();
  const change = ok(await run(fx, { class: 'title_match_failure', agent: 'Kestrel', count: 3, message: 'Title Match Failure', items: items3 }, 'title_normalisation'));
  const m = await materialise(fx, change);
  assertSound(m, allCopies(UTILS));
  const lines = m.after.get(`Kestrel.bundle/${UTILS}`)!.split('\n');
  const def = lines.indexOf('def NormaliseComparisonString(myString):');
  assert.equal(lines.slice(def + 1, def + 6).join('\n'), NORMALISER_DOC, 'docstring intact');
  assert.equal(lines[def + 6], '    myString = normaliseTitleForms(myString)');
  assert.equal(lines[def + 7], '    myString = myString.strip().lower()');
  assert.ok(lines.indexOf('def normaliseTitleForms(text):') < def, 'helper defined before use, after the imports');
});

test('title_normalisation: after a one-line docstring, and with no docstring', async () => {
  const original = (await loadFixture()).textAt(`Kestrel.bundle/${UTILS}`);
  for (const [doc, label] of [["    ''' Normalise a title for comparison '''", 'one-line'], ['    # no docstring here', 'none']] as const) {
    const text = original.replace(NORMALISER_DOC, doc);
    assert.notEqual(text, original);
    const fx = await loadFixture(Object.fromEntries(allCopies(UTILS).map((p) => [p, text])));
    const change = ok(await run(fx, { class: 'title_match_failure', agent: 'Heron', count: 2, message: 'Title Match Failure', items: films('Heron', ['X']) }, 'title_normalisation'));
    const m = await materialise(fx, change);
    assertSound(m, allCopies(UTILS));
    const lines = m.after.get(`Heron.bundle/${UTILS}`)!.split('\n');
    const def = lines.indexOf('def NormaliseComparisonString(myString):');
    if (label === 'one-line') {
      assert.equal(lines[def + 1], doc, label);
      assert.equal(lines[def + 2], '    myString = normaliseTitleForms(myString)', label);
    } else {
      // No docstring: the call is the function's first line (before the comment and the body).
      assert.equal(lines[def + 1], '    myString = normaliseTitleForms(myString)', label);
      assert.equal(lines[def + 2], doc, label);
    }
  }
});

test('graceful_degradation: the failing statement is wrapped; a target read by len() becomes []; a raise is left alone', async () => {
  const fx = await loadFixture();
  const at = (line: number): GroupSpec => ({
    class: 'agent_exception',
    agent: 'Kestrel',
    count: 2,
    phase: 'update',
    exceptionType: 'IndexError',
    message: 'IndexError: list index out of range',
    location: { file: 'Kestrel.bundle/Contents/Code/__init__.py', line },
    items: items3,
  });
  const m = await materialise(fx, ok(await run(fx, at(62), 'graceful_degradation')));
  assertSound(m, [`Kestrel.bundle/${INIT}`]);
  assert.ok(m.after.get(`Kestrel.bundle/${INIT}`)!.includes([
    "            utils.log('UPDATE:: Error getting Site Title: %s', e)",
    '        try:',
    '            castList = utils.getFilmOnIAFD(metadata.title)',
    '        except Exception as error:',
    "            Log.Error('plexmend: a failing step in update was skipped: %r' % (error,))",
    '            castList = []',
    "        metadata.summary = html.xpath('//div[@class=\"synopsis\"]/text()')[0]",
  ].join('\n')), 'try/except around line 62 (castList is read by len() at line 64), the next statement untouched');
  const m2 = await materialise(fx, ok(await run(fx, at(63), 'graceful_degradation')));
  assertSound(m2, [`Kestrel.bundle/${INIT}`]);
  assert.ok(!addedLines(m2, `Kestrel.bundle/${INIT}`).some((l) => /= None/.test(l)), 'an attribute assignment gets no "= None"');
  const r = await run(fx, at(39), 'graceful_degradation');
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, /raises on purpose/);
});

test('url_change: the http constant is switched to https only after https answers', async () => {
  const fx = await loadFixture();
  const spec: GroupSpec = { class: 'connection_error', agent: 'Kestrel', host: KESTREL, count: 4, message: 'Connection refused', items: items3 };
  const asked: string[] = [];
  const change = ok(await run(fx, spec, 'url_change', tableHttp({ [`https://${KESTREL}`]: { status: 200, body: '<html/>' } }, asked)));
  assert.deepEqual(asked, [`https://${KESTREL}`]);
  const m = await materialise(fx, change);
  assertSound(m, [`Kestrel.bundle/${INIT}`]);
  assert.deepEqual(addedLines(m, `Kestrel.bundle/${INIT}`), [`BASE_URL = 'https://${KESTREL}'`]);
  const refused = await run(fx, spec, 'url_change', tableHttp({}));
  assert.equal(refused.ok, false, 'nothing proposed on a guess');
});

test('preference_change: a bool matching preference that is on by default (Plex writes "true" as a string) is switched off through Plex', async () => {
  const fx = await loadFixture();
  const change = ok(await run(fx, { class: 'duration_match_failure', agent: 'Kestrel', count: 2, message: 'Duration Match Failure', items: items3 }, 'preference_change'));
  assert.equal(change.kind, 'preference');
  assert.equal(change.edits.size, 0, 'no code changes');
  assert.deepEqual(change.preferences, [{ bundleId: 'com.plexapp.agents.Kestrel', key: 'matchsiteduration', from: 'true', to: 'false', via: 'plex' }]);
  // A preference already off is not proposed.
  const fx2 = await loadFixture();
  const kb = fx2.inspection.bundles.find((b) => b.bundle === 'Kestrel.bundle')!;
  (kb as { prefs: unknown }).prefs = kb.prefs.map((p) => (p.id === 'matchsiteduration' ? { ...p, default: 'false' } : p));
  const r = await run(fx2, { class: 'duration_match_failure', agent: 'Kestrel', count: 2, message: 'Duration Match Failure' }, 'preference_change');
  assert.equal(r.ok, false);
});

test('canonicalFileName: near-miss PGMA names get the canonical "(Studio) - Title (Year)"', () => {
  const table: Array<[string, string | null]> = [
    ['(Kestrel) - Night Shift (2021).mp4', '(Kestrel) - Night Shift (2021).mp4'],
    ['(Kestrel) \u2013 Night Shift (2021).mp4', '(Kestrel) - Night Shift (2021).mp4'],
    ['(Kestrel) \u2014 Night Shift (2021).mkv', '(Kestrel) - Night Shift (2021).mkv'],
    ['Kestrel - Night Shift (2021).mp4', '(Kestrel) - Night Shift (2021).mp4'],
    ['(Kestrel) - Night Shift [2021].mp4', '(Kestrel) - Night Shift (2021).mp4'],
    ['(Kestrel) - Night Shift 2021.avi', '(Kestrel) - Night Shift (2021).avi'],
    ['(Kestrel)-Night Shift.mp4', '(Kestrel) - Night Shift.mp4'],
    ['(Kestrel)   -   Night   Shift (2021).mp4', '(Kestrel) - Night Shift (2021).mp4'],
    ['Night Shift (2021).mp4', null],
    ['(Kestrel) - .mp4', null],
  ];
  for (const [input, want] of table) assert.equal(canonicalFileName(input), want, input);
});

test('workaround: a file-name group lists the rename for every item; a challenge says headers will not help', async () => {
  const fx = await loadFixture();
  const items = [{ title: 'x', filePath: '/media/Films/Kestrel \u2013 Night Shift (2021).mp4' }, { title: 'Lost.mp4', filePath: '/media/Films/Lost.mp4' }];
  const change = ok(await run(fx, { class: 'filename_format_error', agent: 'Kestrel', count: 2, message: 'File Name not in the expected format', items }, 'workaround'));
  assert.equal(change.kind, 'workaround');
  assert.match(change.workaround!, /rename "Kestrel – Night Shift \(2021\)\.mp4" → "\(Kestrel\) - Night Shift \(2021\)\.mp4"/);
  assert.match(change.workaround!, /rename "Lost\.mp4" → add the studio: "\(Studio\) - Lost\.mp4"/);
  const ch = ok(await run(fx, { class: 'http_error', agent: 'Wren', host: WREN, status: 403, count: 2, message: 'HTTP Error 403' }, 'workaround', noHttp, 'anti-bot-challenge'));
  assert.match(ch.workaround!, /No code change helps while www\.wren-studio\.example challenges every client/);
  assert.match(ch.title, /No code fix/);
});

test('CRLF files (PGMA on Windows installs): the diffs apply to every copy and the line endings are kept', async () => {
  const plain = (await loadFixture()).textAt(`Kestrel.bundle/${UTILS}`);
  const crlf = plain.replace(/\n/g, '\r\n');
  const fx = await loadFixture({
    ...Object.fromEntries(allCopies(UTILS).map((p) => [p, crlf])),
    [`Heron.bundle/${INIT}`]: (await loadFixture()).textAt(`Heron.bundle/${INIT}`).replace(/\n/g, '\r\n'),
  });
  for (const [spec, recipe, paths] of [
    [{ class: 'title_match_failure', agent: 'Kestrel', count: 2, message: 'Title Match Failure', items: items3 }, 'title_normalisation', allCopies(UTILS)],
    [{ class: 'http_error', agent: 'Heron', host: HERON, status: 503, count: 2, message: 'HTTP Error 503' }, 'retry_backoff', allCopies(UTILS)],
    [{ class: 'http_error', agent: 'Heron', host: HERON, status: 403, count: 2, message: 'HTTP Error 403' }, 'request_headers', [`Heron.bundle/${INIT}`]],
  ] as const) {
    const m = await materialise(fx, ok(await run(fx, spec as GroupSpec, recipe)));
    assertSound(m, [...paths]);
    for (const p of paths) {
      const out = m.applied.get(p) as string;
      assert.equal(out.split('\r\n').length, out.split('\n').length, `${recipe} ${p}: every line ends CRLF`);
    }
  }
});

test('xpath_repair: a changed search result list gets a new list XPath and new relative XPaths, checked on the page', async (t) => {
  const results = (titles: string[]) =>
    `<html><body><ul class="hits">${titles.map((x, i) => `<li class="hit"><a class="name" href="/film/${i + 1}">${x}</a><span class="year">2021</span></li>`).join('')}</ul></body></html>`;
  const asked: string[] = [];
  const http = await kestrelSite(t, (req, res) => {
    asked.push(req.url!);
    if (req.url!.startsWith('/search?q=')) return res.writeHead(200, { 'content-type': 'text/html' }).end(results(['Night Shift', 'Night Shift Two', 'Harbour Lights']));
    res.writeHead(404).end();
  });
  const fx = await loadFixture();
  const spec: GroupSpec = {
    class: 'no_results',
    agent: 'Kestrel',
    host: KESTREL,
    count: 2,
    message: "SEARCH:: Error: Search Query did not pull any results: < No Films! >",
    location: { file: '__init__.py', line: 39, function: 'search' },
    items: films('Kestrel', ['Night Shift']),
  };
  const change = ok(await run(fx, spec, 'xpath_repair', http));
  assert.ok(asked.some((u) => /^\/search\?q=night(%20|\+)shift$/.test(u)), `the search page for the item was read: ${asked.join(', ')}`);
  const m = await materialise(fx, change);
  assertSound(m, [`Kestrel.bundle/${INIT}`]);
  const after = m.after.get(`Kestrel.bundle/${INIT}`)!.split('\n');
  const listXp = /html\.xpath\('([^']+)'\)/.exec(after[36]!)?.[1] ?? assert.fail(`line 37: ${after[36]}`);
  const titleXp = /item\.xpath\('([^']+)'\)\[0\]/.exec(after[45]!)?.[1] ?? assert.fail(`line 46: ${after[45]}`);
  const doc = parseHtml(results(['Night Shift', 'Blue Hour']));
  const list = evaluate(listXp, doc);
  if (!Array.isArray(list) || list.length !== 2) assert.fail(`${listXp} selects both results`);
  assert.deepEqual(resultStrings(evaluate(titleXp, list[0]!)).map((s) => s.trim()), ['Night Shift'], titleXp);
  const hrefLine = after[50]!;
  const hrefXp = /item\.xpath\('([^']+)'\)\[0\]/.exec(hrefLine)?.[1] ?? assert.fail(`line 51: ${hrefLine}`);
  assert.deepEqual(resultStrings(evaluate(hrefXp, list[1]!)), ['/film/2'], hrefXp);
});

test('url_change: a constant built from another module\'s base URL is skipped; the literal base (shared utils.py) is switched', async () => {
  const init = (await loadFixture()).textAt(`Kestrel.bundle/${INIT}`).replace("XPATH_RESULTS =", "IAFD_FILM_URL = utils.IAFD_BASE + '/title.rme/id={0}'\nXPATH_RESULTS =");
  const fx = await loadFixture({ [`Kestrel.bundle/${INIT}`]: init });
  const spec: GroupSpec = { class: 'connection_error', agent: 'Kestrel', host: 'www.iafd.example', count: 2, message: 'Connection refused', items: items3 };
  const change = ok(await run(fx, spec, 'url_change', tableHttp({ 'http://www.iafd.example': { status: 200, body: '<html/>' } })));
  const m = await materialise(fx, change);
  assertSound(m, allCopies(UTILS));
  assert.deepEqual(addedLines(m, `Kestrel.bundle/${UTILS}`), ["IAFD_BASE = 'http://www.iafd.example'"]);
});

test('title_normalisation: a signature over two lines and a docstring opening with text', async () => {
  const original = (await loadFixture()).textAt(`Kestrel.bundle/${UTILS}`);
  const text = original.replace(`def NormaliseComparisonString(myString):\n${NORMALISER_DOC}`, 'def NormaliseComparisonString(myString,\n                              keepCase=False):\n    """Normalise a title for comparison:\n    lower case, no diacritics."""');
  assert.notEqual(text, original);
  const fx = await loadFixture(Object.fromEntries(allCopies(UTILS).map((p) => [p, text])));
  const m = await materialise(fx, ok(await run(fx, { class: 'title_match_failure', agent: 'Wren', count: 2, message: 'Title Match Failure', items: films('Wren', ['X']) }, 'title_normalisation')));
  assertSound(m, allCopies(UTILS));
  const lines = m.after.get(`Wren.bundle/${UTILS}`)!.split('\n');
  const at = lines.indexOf('    lower case, no diacritics."""');
  assert.equal(lines[at + 1], '    myString = normaliseTitleForms(myString)');
});

test('timeout_delay: calls over several lines get their timeout raised or added on the right line', async () => {
  const original = (await loadFixture()).textAt(`Kestrel.bundle/${INIT}`);
  const call = '            html = HTML.ElementFromURL(searchQuery, timeout=20, sleep=utils.delay())';
  assert.ok(original.includes(call));
  const variants: Array<[string, string[]]> = [
    [
      '            html = HTML.ElementFromURL(searchQuery,\n                                       timeout=20, sleep=utils.delay())',
      ['            html = requestWithBackoff(HTML.ElementFromURL, searchQuery,', '                                       timeout=60, sleep=utils.delay())'],
    ],
    [
      '            html = HTML.ElementFromURL(\n                searchQuery,\n                sleep=utils.delay(),\n            )',
      ['            html = requestWithBackoff(HTML.ElementFromURL,\n                searchQuery,', '                sleep=utils.delay(),', '            timeout=60)'],
    ],
    [
      "            html = HTML.ElementFromURL(searchQuery,  # the search page\n                                       sleep=utils.delay(), cacheTime=0)",
      ['                                       sleep=utils.delay(), cacheTime=0, timeout=60)'],
    ],
  ];
  for (const [replacement, expected] of variants) {
    const fx = await loadFixture({ [`Kestrel.bundle/${INIT}`]: original.replace(call, replacement) });
    const m = await materialise(fx, ok(await run(fx, { class: 'timeout', agent: 'Kestrel', host: KESTREL, count: 2, message: 'timed out', items: items3 }, 'timeout_delay')));
    assertSound(m, [`Kestrel.bundle/${INIT}`]);
    const after = m.after.get(`Kestrel.bundle/${INIT}`)!;
    for (const line of expected) assert.ok(after.includes(line), `${JSON.stringify(line)} in:\n${after.split('\n').filter((l) => /searchQuery|timeout|sleep=|^\s*\)/.test(l)).join('\n')}`);
  }
});

test('timeout_delay: a host reached through the shared wrapper gets the wrapper\'s timeout bounded below, in every copy', async () => {
  const fx = await loadFixture();
  const m = await materialise(fx, ok(await run(fx, { class: 'timeout', agent: 'Heron', host: HERON, count: 2, message: 'timed out' }, 'timeout_delay')));
  assertSound(m, allCopies(UTILS));
  assert.match(m.after.get(`Wren.bundle/${UTILS}`)!, /return requestWithBackoff\(HTTP\.Request, url, timeout=max\(60, timeout\), sleep=sleep\)\.content/);
});

test('graceful_degradation: a Windows traceback path into the shared utils.py guards the statement in every copy', async () => {
  const fx = await loadFixture();
  const spec: GroupSpec = {
    class: 'iafd_failure',
    agent: 'Heron',
    count: 3,
    phase: 'update',
    exceptionType: 'HTTPError',
    message: 'HTTP Error 403: Forbidden',
    location: { file: 'C:\\Users\\plex\\AppData\\Local\\Plex Media Server\\Plug-ins\\Heron.bundle\\Contents\\Code\\utils.py', line: 39, function: 'getFilmOnIAFD' },
  };
  const m = await materialise(fx, ok(await run(fx, spec, 'graceful_degradation')));
  assertSound(m, allCopies(UTILS));
  assert.ok(
    m.after.get(`Kestrel.bundle/${UTILS}`)!.includes(
      [
        '    try:',
        '        html = HTML.ElementFromString(getHTTPRequest(IAFD_SEARCH_URL.format(String.URLEncode(title))))',
        '    except Exception as error:',
        "        Log.Error('plexmend: a failing step in getFilmOnIAFD was skipped; leaving getFilmOnIAFD early: %r' % (error,))",
        '        return []',
        '    return html.xpath(XPATH_IAFD_RESULTS)',
      ].join('\n'),
    ),
    'html is read as html.xpath(…): the helper returns the empty list its one caller (len(castList)) accepts',
  );
});

test('graceful_degradation: not offered when every way on would move the crash, and the reason names the use', async () => {
  // Kestrel's caller now indexes the helper's result: returning [] would fail there instead.
  const init = (await loadFixture()).textAt(`Kestrel.bundle/${INIT}`).replace("utils.log('UPDATE:: %s cast entries', len(castList))", "metadata.collections.add(castList[0])");
  const fx = await loadFixture({ [`Kestrel.bundle/${INIT}`]: init });
  const spec: GroupSpec = { class: 'iafd_failure', agent: 'Heron', count: 3, phase: 'update', exceptionType: 'HTTPError', message: 'HTTP Error 403: Forbidden', location: { file: 'utils.py', line: 39 } };
  const r = await run(fx, spec, 'graceful_degradation');
  assert.equal(r.ok, false);
  const reason = (r as { reason: string }).reason;
  assert.match(reason, /^no safe degradation: utils\.py:39: html \(set at line 39\) is read as html\.xpath\(XPATH_IAFD_RESULTS\) \(line 40\)/);
  assert.match(reason, /its caller reads the result as castList\[0\] \(line 64\) in Kestrel\.bundle\/Contents\/Code\/__init__\.py/);
});
