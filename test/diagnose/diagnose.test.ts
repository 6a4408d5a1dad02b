/**
 * diagnose() end to end on the fixture Plug-ins folder with fake DiagnoseDeps: inspection of the real
 * fixture files, a fake site (answers per host and per request headers, so the probe's two requests tell
 * a challenge from a header refusal), the parser-level Python 2.7 check. Asserts groups, causes,
 * offered proposals, rules that never fired, and bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch } from 'diff';
import { diagnose, type DiagnoseDeps, type DiagnoseOptions } from '../../src/diagnose/index.ts';
import type { HttpAnswer, HttpGet } from '../../src/diagnose/probe.ts';
import { checkPython27, parserPy27Checker, type PythonSource } from '../../src/diagnose/python/py27.ts';
import { RULES } from '../../src/diagnose/knowledge.ts';
import { diagnosticReportSchema, type DiagnosticReport, type ErrorGroup } from '../../src/diagnose/schema.ts';
import { renderDiagnosisMarkdown } from '../../src/report/diagnosis-md.ts';
import { loadFixture, PLUGINS, type Fixture } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';

const KESTREL = 'www.kestrel-films.example';
const HERON = 'www.heron-videos.example';
const WREN = 'www.wren-studio.example';

const CHALLENGE = '<html><head><title>Just a moment...</title></head><body><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script></body></html>';

/** The sites: Wren challenges everyone; Heron refuses non-browser requests; Kestrel rate-limits. */
function sites(asked: string[]): HttpGet {
  return {
    async get(url, headers): Promise<HttpAnswer> {
      asked.push(url);
      const host = new URL(url).hostname;
      const browser = /^Mozilla\/5\.0/.test(headers['User-Agent'] ?? '') && Boolean(headers['Accept-Language']);
      if (host === WREN) return { status: 403, headers: { server: 'cloudflare' }, body: CHALLENGE };
      if (host === HERON) return browser ? { status: 200, headers: {}, body: '<ul class="films"></ul>' } : { status: 403, headers: {}, body: 'Forbidden' };
      if (host === KESTREL) return { status: 429, headers: { 'retry-after': '5' }, body: 'Too Many Requests' };
      throw new Error(`unexpected host ${host}`);
    },
  };
}

function depsFor(fx: Fixture, asked: string[] = [], checked: PythonSource[][] = []): DiagnoseDeps {
  return {
    inspection: fx.inspection,
    readText: async (rel) => fx.textAt(rel),
    http: sites(asked),
    async py27(files) {
      checked.push([...files]);
      return checkPython27(files, { checker: parserPy27Checker(), tried: [] });
    },
    bundleLibraries: async () => new Set(),
    now: () => new Date('2026-11-24T05:00:00Z'),
  };
}

const OPTIONS: DiagnoseOptions = {
  iteration: 1,
  reportPath: '/srv/plexmend work/iterations/1/aggregate.json',
  pluginsDir: PLUGINS,
  ledger: { schema: 'plexmend.lessons/1', lessons: [] },
  probe: true,
  minItems: 2,
};

const SPECS: GroupSpec[] = [
  {
    class: 'http_error',
    agent: 'Wren',
    host: WREN,
    status: 403,
    count: 14,
    message: 'HTTP Error 403: Forbidden',
    url: `https://${WREN}/search.php?title=night`,
    items: films('Wren', ['Night Shift', 'Harbour Lights', 'Blue Hour', 'Dry Season']),
  },
  {
    class: 'http_error',
    agent: 'Heron',
    host: HERON,
    status: 403,
    count: 9,
    message: 'HTTP Error 403: Forbidden',
    url: `https://${HERON}/find/night`,
    items: films('Heron', ['Night Shift', 'Harbour Lights', 'Blue Hour']),
  },
  {
    class: 'http_error',
    agent: 'Kestrel',
    host: KESTREL,
    status: 429,
    count: 20,
    message: 'HTTP Error 429: Too Many Requests',
    url: `http://${KESTREL}/search?q=night`,
    items: films('Kestrel', ['Night Shift', 'Blue Hour']),
  },
  { class: 'title_match_failure', agent: 'Kestrel', count: 3, message: 'SEARCH:: Error getting Site Title: < Title Match Failure! >', items: films('Kestrel', ['Tom\u2019s Rocky II']) },
];

function group(d: DiagnosticReport, id: string): ErrorGroup {
  return d.groups.find((g) => g.id === id) ?? assert.fail(`no group ${id} in ${d.groups.map((g) => g.id).join(', ')}`);
}

test('diagnose: causes, offered proposals and rules not fired on the fixture', async () => {
  const fx = await loadFixture();
  const asked: string[] = [];
  const checked: PythonSource[][] = [];
  const d = await diagnose(reportOf(SPECS), depsFor(fx, asked, checked), OPTIONS);
  diagnosticReportSchema.parse(d);
  // Ordered by impact (items affected).
  assert.deepEqual(d.groups.map((g) => g.id), ['http-error-wren-www-wren-studio-example-403', 'http-error-heron-www-heron-videos-example-403', 'http-error-kestrel-www-kestrel-films-example-429', 'title-match-failure-kestrel']);

  // The challenge: unfixable, workaround only, headers not proposed.
  const wren = group(d, 'http-error-wren-www-wren-studio-example-403');
  assert.equal(wren.cause.id, 'anti-bot-challenge');
  assert.equal(wren.cause.fixable, false);
  assert.match(wren.cause.summary, /probe: an anti-bot challenge answers even a browser's request/);
  assert.deepEqual(wren.proposals.map((p) => [p.recipe, p.kind, p.offered]), [['workaround', 'workaround', true]]);
  assert.match(wren.proposals[0]!.workaround!, /Disable Wren/);

  // Header refusal: the header recipe, offered, passing every blocking point, patching Heron's Start().
  const heron = group(d, 'http-error-heron-www-heron-videos-example-403');
  assert.equal(heron.cause.id, 'refuses-non-browser-requests');
  assert.equal(heron.cause.fixable, true);
  const headers = heron.proposals[0]!;
  assert.equal(headers.recipe, 'request_headers');
  assert.equal(headers.offered, true, JSON.stringify(headers.checklist.filter((c) => !c.pass)));
  assert.deepEqual(headers.changes.map((c) => c.path), ['Heron.bundle/Contents/Code/__init__.py']);
  assert.deepEqual(headers.bundleIds, ['com.plexapp.agents.Heron']);
  assert.equal(headers.checklist.length, 12);
  assert.equal(headers.expectation.primary.path, `/agents/Heron/http/byHost/${HERON}/403`);
  assert.equal(headers.expectation.primary.baseline, 9);

  // Rate limit: back-off on Kestrel's own request.
  const kestrel = group(d, 'http-error-kestrel-www-kestrel-films-example-429');
  assert.equal(kestrel.cause.id, 'rate-limited');
  const backoff = kestrel.proposals[0]!;
  assert.equal(backoff.recipe, 'retry_backoff');
  assert.equal(backoff.offered, true, JSON.stringify(backoff.checklist.filter((c) => !c.pass)));
  assert.equal(backoff.expectation.judgeBy, 'requests');
  assert.equal(kestrel.proposals.length, 1, 'one passing code fix per group: timeout_delay is not tried after it');

  // Title normalisation: the shared utils.py in all three bundles, identical after the patch.
  const title = group(d, 'title-match-failure-kestrel');
  const norm = title.proposals.find((p) => p.recipe === 'title_normalisation')!;
  assert.equal(norm.offered, true, JSON.stringify(norm.checklist.filter((c) => !c.pass)));
  assert.equal(norm.changes.length, 3);
  const outs = new Set(await Promise.all(norm.changes.map(async (c) => applyPatch(fx.textAt(c.path), c.diff))));
  assert.equal(outs.size, 1, 'the three copies are identical afterwards');
  assert.ok(![...outs].includes(false as never));
  assert.ok(title.proposals.some((p) => p.recipe === 'workaround'), 'the workaround stays listed as the fallback');
  assert.ok(title.cause.evidence.code.some((e) => e.file.endsWith('utils.py') && e.why.includes('title normaliser')));

  // The probe asked each probed site at most twice; title failures are not probed.
  for (const host of [WREN, HERON, KESTREL]) {
    const n = asked.filter((u) => new URL(u).hostname === host).length;
    assert.ok(n >= 1 && n <= 2, `${host} asked ${n} times`);
  }
  // One batched 2.7 check of every changed file of every proposal.
  assert.equal(checked.length, 1);
  assert.equal(d.python27Checker, 'tree-sitter-python tree-sitter-python 0.25');
  assert.ok(d.rulesNotFired.includes('xpath-stopped-matching'));
  assert.ok(!d.rulesNotFired.includes('anti-bot-challenge'));
  assert.equal(d.rulesNotFired.length, RULES.length - 4);
});

test('diagnose: without probing, a 403 is explained by the unprobed rule and no site is asked', async () => {
  const fx = await loadFixture();
  const asked: string[] = [];
  const d = await diagnose(reportOf([SPECS[0]!]), depsFor(fx, asked), { ...OPTIONS, probe: false });
  assert.deepEqual(asked, []);
  assert.equal(d.groups[0]!.cause.id, 'forbidden-unprobed');
  assert.equal(d.groups[0]!.proposals[0]!.recipe, 'request_headers');
});

test('bad input: a report with no errors gives no groups and says so', async () => {
  const fx = await loadFixture();
  const d = await diagnose(reportOf([], [{ agent: 'Kestrel', title: 'Night Shift' }]), depsFor(fx), OPTIONS);
  assert.deepEqual(d.groups, []);
  assert.equal(d.rulesNotFired.length, RULES.length);
  assert.equal(d.python27Checker, 'none (no code change proposed)');
  assert.match(renderDiagnosisMarkdown(d), /No errors in the report: nothing to diagnose\./);
});

test('bad input: an agent without a bundle gets the workaround only, and a note', async () => {
  const fx = await loadFixture();
  const d = await diagnose(
    reportOf([{ class: 'title_match_failure', agent: 'Osprey', count: 2, message: 'Title Match Failure', items: films('Osprey', ['Night Shift']) }]),
    depsFor(fx),
    OPTIONS,
  );
  const g = d.groups[0]!;
  assert.deepEqual(g.proposals.map((p) => [p.recipe, p.kind, p.offered]), [['workaround', 'workaround', true]]);
  assert.equal(g.cause.fixable, false, 'no code fix could be offered');
  assert.ok(d.notes.some((n) => /no bundle for agent Osprey/.test(n)), d.notes.join('\n'));
  assert.equal(g.proposals[0]!.workaround, "Rename the file to the site's title.");

  // A rule whose only remedies are code (a 403 not probed): the workaround says to point plexmend at the bundle.
  const d2 = await diagnose(reportOf([{ class: 'http_error', agent: 'Osprey', host: 'www.osprey.example', status: 403, count: 3, message: 'HTTP Error 403', items: films('Osprey', ['A']) }]), depsFor(fx), OPTIONS);
  const g2 = d2.groups[0]!;
  assert.equal(g2.cause.id, 'forbidden-unprobed');
  assert.deepEqual(g2.proposals.map((p) => [p.recipe, p.offered]), [['workaround', true]], JSON.stringify(g2.proposals.map((p) => p.checklist.filter((c) => !c.pass))));
  assert.match(g2.proposals[0]!.workaround!, /The Osprey bundle is not in .*Plug-ins.*--plugins-dir/);
});

test('bad input: a bundle with a syntax error is named in the notes and gets no offered patch', async () => {
  const original = (await loadFixture()).textAt('Heron.bundle/Contents/Code/__init__.py');
  const cases = [
    // The error hides Start() from inspection: the header recipe has nowhere to go.
    original.replace('def Start():', 'def Start()'),
    // Start() is intact, the error is further down: the patch is made, and the 2.7 point refuses it.
    original.replace("metadata.summary = html.xpath('//p[@class=\"about\"]/text()')[0]", "metadata.summary = html.xpath('//p[@class=\"about\"]/text()')[0"),
  ];
  for (const [n, broken] of cases.entries()) {
    assert.notEqual(broken, original);
    const fx = await loadFixture({ 'Heron.bundle/Contents/Code/__init__.py': broken });
    const d = await diagnose(reportOf([SPECS[1]!]), depsFor(fx), OPTIONS);
    const g = d.groups[0]!;
    assert.equal(g.proposals.filter((p) => p.offered && p.kind === 'patch').length, 0, `case ${n}: ${JSON.stringify(g.proposals.map((p) => [p.recipe, p.offered]))}`);
    assert.ok(d.notes.some((x) => /^Heron\.bundle\/Contents\/Code\/__init__\.py:\d+: syntax error .*fix it first/.test(x)), `case ${n}: ${d.notes.join('\n')}`);
    if (n === 1) {
      const py = g.proposals.find((p) => p.recipe === 'request_headers')!.checklist.find((c) => c.point === 'python27')!;
      assert.equal(py.pass, false);
      assert.match(py.reason, /Heron\.bundle\/Contents\/Code\/__init__\.py:\d+/);
    }
  }
});

test('diagnose: every code recipe reaches an OFFERED proposal on the fixture (all blocking checklist points pass)', async () => {
  const fx = await loadFixture();
  const film = (t: string) => `<html><body><div class="film-header"><h1 class="title-main">${t}</h1></div><div class="synopsis">About ${t}</div></body></html>`;
  const http: HttpGet = {
    async get(url): Promise<HttpAnswer> {
      const u = new URL(url);
      if (u.hostname === KESTREL && u.pathname === '/film/123') return { status: 200, headers: {}, body: film('Night Shift') };
      if (u.hostname === KESTREL && u.protocol === 'https:') return { status: 200, headers: {}, body: '<html></html>' };
      if (u.hostname === KESTREL) return { status: 404, headers: {}, body: 'gone' };
      if (u.hostname === HERON) return { status: 503, headers: {}, body: 'Service Unavailable' };
      throw new Error(`unexpected ${url}`);
    },
  };
  const items = films('Kestrel', ['Night Shift', 'Blue Hour']);
  const specs: GroupSpec[] = [
    { class: 'xpath_failure', agent: 'Kestrel', host: KESTREL, count: 2, phase: 'update', message: 'UPDATE:: Error getting Site Title: list index out of range', url: `http://${KESTREL}/film/123`, location: { file: '__init__.py', line: 59, function: 'update' }, items },
    { class: 'agent_exception', agent: 'Kestrel', count: 2, phase: 'update', exceptionType: 'IndexError', message: 'IndexError: list index out of range', location: { file: 'Kestrel.bundle/Contents/Code/__init__.py', line: 63 }, items },
    { class: 'connection_error', agent: 'Kestrel', host: KESTREL, count: 2, message: 'URLError: connection refused', url: `http://${KESTREL}/search?q=x`, items },
    { class: 'timeout', agent: 'Kestrel', host: KESTREL, count: 2, message: 'timed out', url: `http://${KESTREL}/search?q=y`, items },
    { class: 'duration_match_failure', agent: 'Kestrel', count: 2, message: 'Duration Match Failure', items },
    { class: 'http_error', agent: 'Heron', host: HERON, status: 503, count: 2, message: 'HTTP Error 503: Service Unavailable', url: `https://${HERON}/find/x`, items: films('Heron', ['A', 'B']) },
    { class: 'filename_format_error', agent: 'Wren', count: 1, message: 'File Name not in the expected format', items: [{ title: 'x', filePath: '/media/Wren \u2013 Blue Hour [2020].mp4' }] },
  ];
  const d = await diagnose(reportOf(specs), { ...depsFor(fx), http }, OPTIONS);
  const want: Array<[string, string, string]> = [
    ['xpath_failure', 'xpath_repair', 'patch'],
    ['agent_exception', 'graceful_degradation', 'patch'],
    ['connection_error', 'url_change', 'patch'],
    ['timeout', 'timeout_delay', 'patch'],
    ['duration_match_failure', 'preference_change', 'preference'],
    ['http_error', 'retry_backoff', 'patch'],
    ['filename_format_error', 'workaround', 'workaround'],
  ];
  for (const [cls, recipe, kind] of want) {
    const g = d.groups.find((x) => x.class === cls) ?? assert.fail(`no ${cls} group`);
    const p = g.proposals.find((x) => x.recipe === recipe) ?? assert.fail(`${cls}: no ${recipe} proposal; notes: ${d.notes.join(' | ')}`);
    assert.equal(p.kind, kind, cls);
    assert.equal(p.offered, true, `${cls}/${recipe}: ${JSON.stringify(p.checklist.filter((c) => !c.pass && c.blocking))}`);
    for (const c of p.changes) assert.equal(typeof applyPatch(fx.textAt(c.path), c.diff), 'string', `${c.path} applies`);
  }
  const backoff = d.groups.find((g) => g.class === 'http_error')!.proposals[0]!;
  assert.equal(backoff.changes.length, 3, 'the wrapper in the shared utils.py, every copy');
  assert.match(d.groups.find((g) => g.class === 'filename_format_error')!.proposals[0]!.workaround!, /"\(Wren\) - Blue Hour \(2020\)\.mp4"/);
});

test('bad input: a report of another schema version is refused with a hint', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { readDocument } = await import('../../src/documents.ts');
  const { LogReportDocument } = await import('../../src/logs/schema.ts');
  const { SchemaMismatchError } = await import('../../src/errors.ts');
  const dir = await mkdtemp(join(tmpdir(), 'Application Support '));
  try {
    const path = join(dir, 'aggregate.json');
    await writeFile(path, JSON.stringify({ ...reportOf([]), schema: 'plexmend.aggregate/2' }));
    await assert.rejects(readDocument(LogReportDocument, path), (e: unknown) => e instanceof SchemaMismatchError && /aggregate\/2/.test((e as Error).message) && Boolean((e as { hint?: string }).hint));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('lessons: a compose lesson adds back-off to the header fix; a demote lesson ranks back-off last; both are reported', async () => {
  const fx = await loadFixture();
  const base = { kind: 'DO' as const, phase: 'diagnose' as const, evidence: [{ iteration: 1, fixId: 'fix1', observed: 'x' }], weight: 2, created: '2026-11-20T00:00:00Z', updated: '2026-11-20T00:00:00Z' };
  const ledger = {
    schema: 'plexmend.lessons/1' as const,
    lessons: [
      { ...base, id: 'L1', scope: { agent: 'Heron', host: HERON, recipe: 'request_headers' as const }, text: `headers alone let ${HERON} answer 429 next`, action: { type: 'compose' as const, recipe: 'request_headers' as const, with: 'retry_backoff' as const } },
      { ...base, id: 'L2', kind: 'DONT' as const, scope: { agent: 'Kestrel', class: 'http_error' as const }, text: 'back-off alone did not lower the 429s', action: { type: 'demote' as const, recipe: 'retry_backoff' as const } },
    ],
  };
  const d = await diagnose(reportOf([SPECS[1]!, SPECS[2]!]), depsFor(fx), { ...OPTIONS, ledger });
  assert.equal(d.lessonsLoaded, 2);
  const heron = group(d, 'http-error-heron-www-heron-videos-example-403').proposals[0]!;
  assert.equal(heron.recipe, 'request_headers');
  assert.deepEqual(heron.composed, ['retry_backoff']);
  assert.ok(heron.lessonsApplied.some((l) => l.lessonId === 'L1' && /added retry_backoff/.test(l.effect)));
  assert.deepEqual(heron.changes.map((c) => c.path).sort(), ['Heron.bundle/Contents/Code/__init__.py', 'Heron.bundle/Contents/Code/utils.py', 'Kestrel.bundle/Contents/Code/utils.py', 'Wren.bundle/Contents/Code/utils.py']);
  assert.equal(heron.offered, true, JSON.stringify(heron.checklist.filter((c) => !c.pass)));
  const kestrel = group(d, 'http-error-kestrel-www-kestrel-films-example-429').proposals;
  assert.equal(kestrel[0]!.recipe, 'timeout_delay', 'the demoted recipe goes last');
  assert.equal(kestrel[0]!.offered, true, JSON.stringify(kestrel[0]!.checklist.filter((c) => !c.pass)));
  assert.ok(kestrel[0]!.checklist.find((c) => c.point === 'lessons_honoured')!.pass);
});
