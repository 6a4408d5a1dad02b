/**
 * diagnose() with the LLM adviser on, against a fake OpenAI-compatible server on 127.0.0.1, over the
 * fixture Plug-ins folder (three PGMA-shaped bundles, shared utils.py). Each scripted answer gets its
 * documented outcome: a good proposal is offered (same checklist, its diff applies to the fixture file); old
 * text not in the file, a path outside the bundles, non-JSON are discarded with the reason; a Python-3-only
 * edit (f-string) and a new `_name` are built but held back by the checklist; a refused key, a dead or hanging
 * server stop the consultation while the knowledge base's proposals stand. The captured request holds the
 * evidence and the lessons and never the Plex token or the key (which travels only in Authorization).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch } from 'diff';
import { diagnose, type DiagnoseDeps, type DiagnoseOptions } from '../../src/diagnose/index.ts';
import { chatAdviser, type AdviserSettings } from '../../src/diagnose/llm/adviser.ts';
import { nodeChatDeps } from '../../src/diagnose/llm/client.ts';
import { checkPython27, parserPy27Checker } from '../../src/diagnose/python/py27.ts';
import { diagnosticReportSchema, lessonSchema, type DiagnosticReport, type ErrorGroup, type LessonsLedger } from '../../src/diagnose/schema.ts';
import { lesson } from '../builders/documents.ts';
import { renderDiagnosisMarkdown } from '../../src/report/diagnosis-md.ts';
import { fixtureText, loadFixture, noHttp, PLUGINS, type Fixture } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';
import { deadBase, startFakeLlm, type CapturedRequest, type FakeReply } from './llm-fake-server.ts';

const KEY = 'sk-live-ADVISERKEY-7f3a9c21e0';
const PLEX_TOKEN = 'PlexTok3nQwErTy12345';
const KESTREL = 'www.kestrel-films.example';
const INIT = 'Kestrel.bundle/Contents/Code/__init__.py';

/** No results (no recipe applies: the knowledge base offers only the workaround), a rate limit it fixes (back-off), a misnamed file (workaround only). */
const SPECS: GroupSpec[] = [
  {
    class: 'no_results',
    agent: 'Kestrel',
    host: KESTREL,
    count: 6,
    message: `SEARCH:: Error: Search Query did not pull any results: < No Films! > for /home/alice/Films Library/(Kestrel) - Night Shift (2021).mp4 token ${PLEX_TOKEN}`,
    url: `http://${KESTREL}/search?q=Night%20Shift&X-Plex-Token=${PLEX_TOKEN}`,
    items: films('Kestrel', ['Night Shift', 'Blue Hour', 'Dry Season']),
  },
  {
    class: 'http_error',
    agent: 'Kestrel',
    host: KESTREL,
    status: 429,
    count: 4,
    message: 'HTTP Error 429: Too Many Requests',
    url: `http://${KESTREL}/search?q=Harbour`,
    items: films('Kestrel', ['Harbour Lights', 'Tom Rocky II']),
  },
  { class: 'filename_format_error', agent: 'Kestrel', count: 2, message: 'SEARCH:: Error: < File Name [x.mp4] not in the expected format: (Studio) - Title (Year) >', items: films('Kestrel', ['x']) },
];

const LESSON = lessonSchema.parse(
  lesson({
    scope: { agent: 'Kestrel', class: 'no_results' },
    text: 'DON\'T expect search_string_length to help Kestrel: it changed nothing in iteration 2',
    action: { type: 'demote', recipe: 'search_string_length' },
    evidence: [{ iteration: 2, fixId: 'fix3', observed: 'no change' }],
    weight: 3,
  }),
);
const LEDGER: LessonsLedger = { schema: 'plexmend.lessons/1', lessons: [LESSON] };

function depsFor(fx: Fixture): DiagnoseDeps {
  return {
    inspection: fx.inspection,
    readText: async (rel) => fx.textAt(rel),
    http: noHttp,
    py27: (files) => checkPython27(files, { checker: parserPy27Checker(), tried: [] }),
    bundleLibraries: async () => new Set(),
    now: () => new Date('2026-11-24T06:00:00Z'),
  };
}

const OPTIONS: DiagnoseOptions = { iteration: 1, reportPath: '/srv/plexmend work/1/aggregate.json', pluginsDir: PLUGINS, ledger: LEDGER, probe: false, minItems: 2 };

interface Run {
  d: DiagnosticReport;
  requests: CapturedRequest[];
}

async function runWith(replies: FakeReply[] | string, s: Partial<AdviserSettings> = {}, specs: GroupSpec[] = SPECS): Promise<Run> {
  const fx = await loadFixture();
  const fake = typeof replies === 'string' ? null : await startFakeLlm(replies);
  try {
    const settings: AdviserSettings = { url: typeof replies === 'string' ? replies : fake!.base, model: 'fake-coder', apiKey: KEY, keyEnv: 'PLEXMEND_LLM_KEY', policy: 'unfixed', timeoutMs: 5000, maxGroups: 10, ...s };
    const adviser = chatAdviser(settings, [PLEX_TOKEN], { fetch: nodeChatDeps.fetch, sleep: async () => {} });
    const d = await diagnose(reportOf(specs), { ...depsFor(fx), adviser }, OPTIONS);
    diagnosticReportSchema.parse(d);
    return { d, requests: fake?.requests ?? [] };
  } finally {
    await fake?.close();
  }
}

const group = (d: DiagnosticReport, id: string): ErrorGroup => d.groups.find((g) => g.id === id) ?? assert.fail(`no group ${id}`);
const answer = (edits: Array<{ file: string; old: string; new: string }>, recipe = 'xpath_repair') =>
  JSON.stringify({ recipe, title: 'Match result blocks whose class contains "result"', rationale: 'The search page lists films in blocks whose class attribute now holds more than one class.', edits, expectedChange: 0.8 });
const GOOD_EDIT = { file: INIT, old: 'filmsList = html.xpath(XPATH_RESULTS)', new: 'filmsList = html.xpath(\'//div[contains(concat(" ", normalize-space(@class), " "), " result ")]\')' };

test('llm: a good proposal is offered with its model, passes every blocking point, and its diff applies to the fixture bundle', async () => {
  const { d, requests } = await runWith([{ content: answer([GOOD_EDIT]), model: 'fake-coder:7b' }]);
  const g = group(d, 'no-results-kestrel');
  const p = g.proposals.find((x) => x.source === 'llm') ?? assert.fail('no llm proposal');
  assert.equal(p.model, 'fake-coder:7b');
  assert.equal(p.recipe, 'xpath_repair');
  assert.equal(p.kind, 'patch');
  assert.equal(p.offered, true, JSON.stringify(p.checklist.filter((c) => !c.pass)));
  assert.deepEqual(p.checklist.filter((c) => c.blocking && !c.pass), []);
  assert.equal(p.checklist.length, 12);
  assert.match(p.rationale, /^LLM adviser \(fake-coder:7b\): .*expects a 80 % fall; plexmend judges the fix against its own threshold/);
  assert.equal(p.expectation.primary.threshold?.value, 0.5, 'plexmend\'s own threshold, not the model\'s claim');
  assert.equal(g.cause.fixable, true);
  assert.deepEqual(p.changes.map((c) => c.path), [INIT]);
  const before = await fixtureText(INIT);
  const after = applyPatch(before, p.changes[0]!.diff);
  assert.ok(after !== false);
  const changed = before.split('\n').map((l, i) => [i + 1, l, (after as string).split('\n')[i]] as const).filter(([, a, b]) => a !== b);
  assert.deepEqual(changed.map(([n]) => n), [37]);
  assert.equal(changed[0]![2], '            filmsList = html.xpath(\'//div[contains(concat(" ", normalize-space(@class), " "), " result ")]\')');
  // The report records the consultation; groups not sent say why.
  assert.deepEqual(d.adviser?.consulted.map((r) => [r.groupId, r.outcome]), [
    ['no-results-kestrel', 'accepted'],
    ['http-error-kestrel-www-kestrel-films-example-429', 'skipped'],
    ['filename-format-error-kestrel', 'skipped'],
  ]);
  assert.equal(d.adviser?.consulted[0]!.proposalId, p.id);
  assert.match(d.adviser!.consulted[1]!.reason, /a fix was offered/);
  assert.match(d.adviser!.consulted[2]!.reason, /no code remedy for filename-format/);
  assert.equal(requests.length, 1);
  const md = renderDiagnosisMarkdown(d);
  assert.match(md, /LLM adviser/);
  assert.match(md, /fake-coder:7b/);
});

test('llm: the prompt holds the evidence, the code context and the lessons, never the Plex token, the key or the home folder; the key is in Authorization', async () => {
  const { requests } = await runWith([{ content: answer([GOOD_EDIT]) }]);
  const req = requests[0]!;
  assert.equal(req.headers.authorization, `Bearer ${KEY}`);
  assert.ok(!req.body.includes(KEY), 'key in the body');
  assert.ok(!req.body.includes(PLEX_TOKEN), 'Plex token in the body');
  assert.ok(!req.body.includes('/home/alice'), 'home folder in the body');
  const user = req.json!.messages!.find((m) => m.role === 'user')!.content;
  assert.match(user, /Search Query did not pull any results: < No Films! >/);
  assert.match(user, /~\/Films Library\/\(Kestrel\) - Night Shift \(2021\)\.mp4/);
  assert.match(user, /X-Plex-Token=<redacted>/);
  assert.match(user, /37\|\s+filmsList = html\.xpath\(XPATH_RESULTS\)/, 'code context with line numbers');
  assert.match(user, /Kestrel\.bundle\/Contents\/Code\/__init__\.py:39 — raises the message the log quotes/);
  assert.match(user, /L7 \[DONT, weight 3\]: DON'T expect search_string_length to help Kestrel/);
  assert.match(user, /xpath_repair not proposed: the evidence names no code line/, 'what the knowledge base tried');
  assert.match(user, /"recipe": "xpath_repair \| search_string_length"/, 'the answer shape with the allowed recipes');
  assert.equal(req.json!.temperature, 0);
});

test('llm: old text that is not in the file is discarded with the reason; the knowledge base\'s workaround stands', async () => {
  const { d } = await runWith([{ content: answer([{ ...GOOD_EDIT, old: 'filmsList = html.xpath(XPATH_RESULT)' }]) }]);
  const g = group(d, 'no-results-kestrel');
  assert.deepEqual(g.proposals.map((p) => [p.source, p.recipe, p.offered]), [['recipe', 'workaround', true]]);
  assert.equal(d.adviser!.consulted[0]!.outcome, 'discarded');
  assert.match(d.adviser!.consulted[0]!.reason, /old text for Kestrel\.bundle\/Contents\/Code\/__init__\.py does not occur in the file/);
});

test('llm: old text occurring twice is discarded', async () => {
  const { d } = await runWith([{ content: answer([{ file: INIT, old: "xpath('./a[@class=\"title\"]", new: "xpath('./a[@class=\"name\"]" }]) }]);
  assert.match(d.adviser!.consulted[0]!.reason, /occurs 2 times/);
});

test('llm: an f-string is built but held back by the Python 2.7 point', async () => {
  const { d } = await runWith([{ content: answer([{ file: INIT, old: 'filmsList = html.xpath(XPATH_RESULTS)', new: "filmsList = html.xpath(f'{XPATH_RESULTS}')" }]) }]);
  const p = group(d, 'no-results-kestrel').proposals.find((x) => x.source === 'llm') ?? assert.fail('no llm proposal');
  assert.equal(p.offered, false);
  assert.deepEqual(p.checklist.filter((c) => !c.pass && c.blocking).map((c) => c.point), ['python27']);
  assert.equal(d.adviser!.consulted[0]!.outcome, 'discarded');
  assert.match(d.adviser!.consulted[0]!.reason, /failed the checklist: python27/);
  assert.match(renderDiagnosisMarkdown(d), /NOT offered/);
});

test('llm: deleting the only statement of a block is built but held back by the Python 2.7 point, which names the empty block', async () => {
  const { d } = await runWith([{ content: answer([{ file: INIT, old: "                raise Exception('< No Films! >')\n", new: '' }]) }]);
  const p = group(d, 'no-results-kestrel').proposals.find((x) => x.source === 'llm') ?? assert.fail(JSON.stringify(d.adviser));
  const diff = p.changes[0]!.diff;
  assert.match(diff, /^-\s+raise Exception\('< No Films! >'\)$/m, 'the line is deleted, not commented out');
  assert.doesNotMatch(diff, /^\+(?!\+\+ )/m, 'no line added');
  assert.equal(p.offered, false);
  const py = p.checklist.find((c) => c.point === 'python27')!;
  assert.equal(py.reason, `${INIT}:39 expected an indented block`, 'the `except` that now follows `if not filmsList:` (line 39 of the patched file)');
  assert.match(d.adviser!.consulted[0]!.reason, /failed the checklist: python27/);
});

test('llm: a new name starting with an underscore is held back by the plug-in sandbox rules', async () => {
  const { d } = await runWith([{ content: answer([{ file: INIT, old: 'filmsList = html.xpath(XPATH_RESULTS)', new: '_results = html.xpath(XPATH_RESULTS)\n            filmsList = _results' }]) }]);
  const p = group(d, 'no-results-kestrel').proposals.find((x) => x.source === 'llm')!;
  assert.equal(p.offered, false);
  assert.ok(p.checklist.some((c) => c.point === 'plugin_sandbox_rules' && !c.pass));
});

test('llm: edits outside the bundles are discarded by the patch scope', async () => {
  for (const file of ['Plug-in Support/Preferences/com.plexapp.agents.Kestrel.xml', '../Kestrel.bundle/Contents/Code/__init__.py', '/etc/hosts']) {
    const { d } = await runWith([{ content: answer([{ file, old: 'x', new: 'y' }]) }]);
    assert.equal(group(d, 'no-results-kestrel').proposals.filter((p) => p.source === 'llm').length, 0);
    assert.equal(d.adviser!.consulted[0]!.outcome, 'discarded');
    assert.match(d.adviser!.consulted[0]!.reason, /outside the bundles and _PGMA \(patch scope, checklist point 8\)/, file);
  }
});

test('llm: an edit of code the prompt did not show is discarded; one shown but away from the evidence fails the code-location point', async () => {
  const unseen = await runWith([{ content: answer([{ file: INIT, old: "metadata.summary = html.xpath('//div[@class=\"synopsis\"]/text()')[0]", new: "metadata.summary = (html.xpath('//div[@class=\"synopsis\"]/text()') or [''])[0]" }]) }]);
  assert.equal(group(unseen.d, 'no-results-kestrel').proposals.filter((p) => p.source === 'llm').length, 0);
  assert.match(unseen.d.adviser!.consulted[0]!.reason, /edit of Kestrel\.bundle\/Contents\/Code\/__init__\.py:63 is outside the code the prompt showed/);
  const { d } = await runWith([{ content: answer([{ file: INIT, old: "''' Search For Media Entry '''", new: "''' Search for a media entry '''" }]) }]);
  const p = group(d, 'no-results-kestrel').proposals.find((x) => x.source === 'llm') ?? assert.fail('no llm proposal');
  assert.equal(p.offered, false);
  assert.deepEqual(p.checklist.filter((c) => !c.pass && c.blocking).map((c) => c.point), ['code_location']);
});

test('llm: a shared utils.py edit reaches every copy, identical afterwards', async () => {
  const specs: GroupSpec[] = [{ class: 'title_match_failure', agent: 'Kestrel', count: 3, message: 'SEARCH:: Error getting Site Title: < Title Match Failure! >', items: films('Kestrel', ['Tom & Jerry', 'Rocky II']) }];
  const edit = {
    file: 'Kestrel.bundle/Contents/Code/utils.py',
    old: '    if NormaliseComparisonString(siteTitle) != NormaliseComparisonString(fileTitle):',
    new: "    if NormaliseComparisonString(siteTitle.replace('&', 'and')) != NormaliseComparisonString(fileTitle.replace('&', 'and')):",
  };
  const { d } = await runWith([{ content: answer([edit], 'title_normalisation') }], { policy: 'all' }, specs);
  const p = d.groups[0]!.proposals.find((x) => x.source === 'llm') ?? assert.fail('no llm proposal');
  assert.equal(p.offered, true, JSON.stringify(p.checklist.filter((c) => !c.pass)));
  assert.deepEqual(p.changes.map((c) => c.path.split('/')[0]).sort(), ['Heron.bundle', 'Kestrel.bundle', 'Wren.bundle']);
  assert.equal(new Set(p.changes.map((c) => c.sharedGroup)).size, 1);
  const results = await Promise.all(p.changes.map(async (c) => applyPatch(await fixtureText(c.path), c.diff)));
  assert.ok(results.every((r) => typeof r === 'string' && r.includes("siteTitle.replace('&', 'and')")));
  assert.equal(new Set(results).size, 1);
  assert.match(d.adviser!.consulted[0]!.reason, /passed the twelve-point checklist/);
});

test('llm: a decline is recorded with the model\'s reason; non-JSON is discarded', async () => {
  const declined = await runWith([{ content: '{"noFix": "the site no longer lists these films"}' }]);
  assert.deepEqual([declined.d.adviser!.consulted[0]!.outcome, declined.d.adviser!.consulted[0]!.reason], ['declined', 'the model sees no code fix: the site no longer lists these films']);
  const prose = await runWith([{ content: 'I think the XPath is wrong, try a broader one.' }]);
  assert.equal(prose.d.adviser!.consulted[0]!.outcome, 'discarded');
  assert.match(prose.d.adviser!.consulted[0]!.reason, /holds no JSON object/);
  const fenced = await runWith([{ content: 'Sure!\n```json\n' + answer([GOOD_EDIT]) + '\n```' }]);
  assert.equal(fenced.d.adviser!.consulted[0]!.outcome, 'accepted', 'the JSON inside prose and a fence is found');
  const wrong = await runWith([{ content: JSON.stringify({ recipe: 'rewrite_everything', title: 't', rationale: 'r', edits: [] }) }]);
  assert.match(wrong.d.adviser!.consulted[0]!.reason, /not a proposal in the required shape: recipe/);
});

test('llm: a 500 then success is retried and accepted', async () => {
  const { d, requests } = await runWith([{ status: 500, body: 'busy' }, { content: answer([GOOD_EDIT]) }]);
  assert.equal(requests.length, 2);
  assert.equal(d.adviser!.consulted[0]!.outcome, 'accepted');
});

test('llm: a refused key stops the consultation; the diagnosis completes with the knowledge base\'s proposals', async () => {
  const { d, requests } = await runWith([{ status: 401, body: '{"error":{"message":"invalid api key"}}' }], { policy: 'all' });
  assert.equal(requests.length, 1, 'the other groups are not sent after the key was refused');
  assert.equal(d.adviser!.error?.message, 'the LLM endpoint refused the API key (HTTP 401)');
  assert.match(d.adviser!.error!.hint!, /PLEXMEND_LLM_KEY/);
  assert.deepEqual(d.adviser!.consulted.map((r) => r.outcome), ['failed', 'skipped', 'skipped']);
  assert.match(d.adviser!.consulted[1]!.reason, /adviser is unavailable/);
  assert.equal(group(d, 'http-error-kestrel-www-kestrel-films-example-429').proposals.filter((p) => p.offered && p.source === 'recipe').length, 1);
  assert.ok(!JSON.stringify(d).includes(KEY));
});

test('llm: an unreachable endpoint and a hanging one are recorded, not thrown', async () => {
  const dead = await runWith(await deadBase());
  assert.match(dead.d.adviser!.error!.message, /cannot reach the LLM endpoint at http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\)/);
  const t0 = Date.now();
  const hung = await runWith([{ hang: true }], { timeoutMs: 300, policy: 'all' });
  assert.match(hung.d.adviser!.error!.message, /did not answer within 0\.3 s/);
  assert.equal(hung.requests.length, 1, 'one timeout stops the run: no second group waits');
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(group(hung.d, 'no-results-kestrel').proposals.length, 1);
});

test('llm: without an adviser the report has no adviser part and every proposal is a recipe\'s', async () => {
  const fx = await loadFixture();
  const d = await diagnose(reportOf(SPECS), depsFor(fx), OPTIONS);
  assert.equal('adviser' in d, false);
  assert.ok(d.groups.flatMap((g) => g.proposals).every((p) => p.source === 'recipe' && p.model === undefined));
  assert.doesNotMatch(renderDiagnosisMarkdown(d), /adviser/i);
});

test('llm: at most maxGroups groups are sent', async () => {
  const { d, requests } = await runWith([{ content: '{"noFix":"n"}' }], { policy: 'all', maxGroups: 1 });
  assert.equal(requests.length, 1);
  assert.match(d.adviser!.consulted.find((r) => r.outcome === 'skipped' && /at most 1 groups/.test(r.reason))?.reason ?? '', /at most 1/);
});

test('llm: a compose lesson adds plexmend\'s own recipe to the adviser\'s change, as it does to a recipe\'s', async () => {
  const compose = lessonSchema.parse({
    ...LESSON,
    id: 'L9',
    kind: 'DO',
    text: 'DO add back-off to Kestrel\'s search fixes: the site rate-limits after a fix',
    action: { type: 'compose', recipe: 'xpath_repair', with: 'retry_backoff' },
  });
  const fx = await loadFixture();
  const fake = await startFakeLlm([{ content: answer([GOOD_EDIT]) }]);
  try {
    const adviser = chatAdviser({ url: fake.base, model: 'fake-coder', policy: 'unfixed', timeoutMs: 5000, maxGroups: 10 }, [], { fetch: nodeChatDeps.fetch, sleep: async () => {} });
    const d = await diagnose(reportOf(SPECS), { ...depsFor(fx), adviser }, { ...OPTIONS, ledger: { schema: 'plexmend.lessons/1', lessons: [compose] } });
    const p = group(d, 'no-results-kestrel').proposals.find((x) => x.source === 'llm') ?? assert.fail('no llm proposal');
    assert.deepEqual(p.composed, ['retry_backoff']);
    assert.deepEqual(p.lessonsApplied.map((l) => l.lessonId), ['L9']);
    assert.match(p.title, / \+ /);
    const init = p.changes.find((c) => c.path === INIT) ?? assert.fail('no change of __init__.py');
    assert.ok(init.diff.includes('+            html = requestWithBackoff(HTML.ElementFromURL, searchQuery'), 'plexmend\'s back-off, composed');
    assert.ok(init.diff.includes('normalize-space(@class)'), 'the adviser\'s edit');
    const point12 = p.checklist.find((c) => c.point === 'lessons_honoured')!;
    assert.equal(point12.pass, true, point12.reason);
  } finally {
    await fake.close();
  }
});

test('llm: the real Python 2.7 compiler, where installed, judges the adviser\'s files like a recipe\'s (a bad dedent is held back)', async (t) => {
  const { selectPy27Checker } = await import('../../src/diagnose/python/py27.ts');
  const { nodeProcessRunner } = await import('../../src/diagnose/python/process.ts');
  const selected = await selectPy27Checker(nodeProcessRunner, {});
  if (selected.checker.info.kind !== 'interpreter') return t.skip('no Python 2.7 interpreter on this machine');
  const fx = await loadFixture();
  const fake = await startFakeLlm([{ content: answer([{ ...GOOD_EDIT, new: 'filmsList = html.xpath(XPATH_RESULTS)\n          filmsList = filmsList or []' }]) }]);
  try {
    const adviser = chatAdviser({ url: fake.base, model: 'fake-coder', policy: 'unfixed', timeoutMs: 5000, maxGroups: 10 }, [], { fetch: nodeChatDeps.fetch, sleep: async () => {} });
    const d = await diagnose(reportOf(SPECS), { ...depsFor(fx), py27: (files) => checkPython27(files, selected), adviser }, OPTIONS);
    const p = group(d, 'no-results-kestrel').proposals.find((x) => x.source === 'llm') ?? assert.fail('no llm proposal');
    const py = p.checklist.find((c) => c.point === 'python27')!;
    assert.equal(py.pass, false, py.reason);
    assert.match(py.checker ?? '', /python|jython|pypy/i);
    assert.equal(p.offered, false);
    assert.match(d.adviser!.consulted[0]!.reason, /failed the checklist: python27/);
  } finally {
    await fake.close();
  }
});

test('llm: a further folding step at the end of the title normaliser is tied to the evidence (offered)', async () => {
  const specs: GroupSpec[] = [{ class: 'title_match_failure', agent: 'Kestrel', count: 3, message: 'SEARCH:: Error getting Site Title: < Title Match Failure! >', items: films('Kestrel', ['Tom & Jerry', 'Rocky II']) }];
  const edit = {
    file: 'Kestrel.bundle/Contents/Code/utils.py',
    old: "    myString = re.sub(r'[^a-z0-9]', '', myString)",
    new: "    myString = myString.replace('&', 'and')\n    myString = re.sub(r'[^a-z0-9]', '', myString)",
  };
  const { d } = await runWith([{ content: answer([edit], 'title_normalisation') }], { policy: 'all' }, specs);
  const p = d.groups[0]!.proposals.find((x) => x.source === 'llm') ?? assert.fail(JSON.stringify(d.adviser));
  assert.equal(p.offered, true, JSON.stringify(p.checklist.filter((c) => !c.pass)));
  assert.equal(p.changes.length, 3);
});

test('llm: for an HTTP refusal Start() is shown and a header set at its end is offered', async () => {
  const specs: GroupSpec[] = [{ class: 'http_error', agent: 'Kestrel', host: KESTREL, status: 403, count: 7, message: 'HTTP Error 403: Forbidden', url: `http://${KESTREL}/search?q=a`, items: films('Kestrel', ['A', 'B', 'C']) }];
  const edit = { file: INIT, old: '    HTTP.CacheTime = CACHE_1WEEK', new: "    HTTP.CacheTime = CACHE_1WEEK\n    HTTP.Headers['Accept-Language'] = 'en-US,en;q=0.9'" };
  const { d, requests } = await runWith([{ content: answer([edit], 'request_headers') }], { policy: 'all' }, specs);
  assert.match(requests[0]!.json!.messages![1]!.content, /end of Start\(\), where the request defaults are set/);
  const p = d.groups[0]!.proposals.find((x) => x.source === 'llm') ?? assert.fail(JSON.stringify(d.adviser));
  assert.equal(p.offered, true, JSON.stringify(p.checklist.filter((c) => !c.pass)));
});
