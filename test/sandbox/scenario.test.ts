import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';
import {
  SCENARIOS_DIR,
  listScenarios,
  loadScenario,
  parseScenario,
  scenarioBundles,
  scenarioLibrary,
  seededUnit,
  truthSummary,
} from '../../src/sandbox/scenario.ts';
import { FILENAME_RE, cleanSearchString, normaliseTitle, recomputeTruth, stem } from '../../src/sandbox/scenarios/oracle.ts';

const DEFAULT = loadScenario('default');
const FLAKY = loadScenario('flaky');

test('the bundled scenarios load and are listed with their descriptions', () => {
  const names = listScenarios().map((s) => s.name);
  assert.deepEqual(names, ['cast-blocked', 'default', 'flaky']);
  for (const s of listScenarios()) assert.ok(s.description.length > 40, `${s.name} has a description`);
});

test('default: about 60 items over four agents, fewer than half matching at the start', () => {
  const s = DEFAULT;
  const sum = truthSummary(s);
  assert.equal(sum.items, 60);
  assert.equal(s.sections[0]!.agents.length, 4);
  assert.equal(sum.pairs, 240);
  assert.ok(sum.matchedNow < sum.items / 2, `matched now ${sum.matchedNow} of ${sum.items}`);
  assert.ok(sum.matchedAfterFixes > sum.matchedNow * 2, 'fixes have something to win');
  assert.ok(sum.matchedAfterFixes < sum.items, 'some items stay unfixable');
});

test('default plants the realistic failure mix', () => {
  const s = DEFAULT;
  const all = s.items.flatMap((i) => Object.entries(i.truth).map(([agent, t]) => ({ agent, item: i, t })));
  const has = (pred: (x: (typeof all)[number]) => boolean, what: string) => assert.ok(all.some(pred), what);
  has((x) => x.t.class === 'http_error' && x.t.status === 403 && x.t.defects.includes('browser_headers') && x.t.defects.includes('rate_limit') && x.t.then === 'match',
    '403 to non-browser requests, then 429 once headers are fixed');
  has((x) => x.t.class === 'xpath_failure' && x.t.defects.includes('redesigned_markup') && x.t.fix.includes('xpath_repair'), 'a redesign breaking an XPath');
  has((x) => x.t.class === 'title_match_failure' && x.t.defects.includes('title_normaliser') && /[\u2019]/.test(s.sites.flatMap((y) => y.films).find((f) => f.id === x.t.film)?.title ?? ''),
    'curly apostrophes defeat the title test');
  has((x) => x.t.class === 'title_match_failure' && x.t.defects.includes('title_normaliser') && / [IVX]+$/.test(s.sites.flatMap((y) => y.films).find((f) => f.id === x.t.film)?.title ?? ''),
    'roman numerals defeat the title test');
  has((x) => x.t.defects.includes('absent_title') && Object.values(x.item.truth).every((t) => t.then === 'fail') && !x.t.defects.includes('misnamed_file'),
    'titles genuinely absent from every site');
  has((x) => x.t.class === 'filename_format_error' && !x.t.fixable, 'a misnamed file');
  has((x) => x.t.class === 'http_error' && x.t.status === 503 && x.t.defects.includes('cloudflare_challenge') && !x.t.fixable, 'a Cloudflare-style block no code fixes');
});

test('flaky: transient 5xx, slow answers and a site that is down', () => {
  const s = FLAKY;
  const defects = new Set(s.items.flatMap((i) => Object.values(i.truth).flatMap((t) => t.defects)));
  for (const d of ['transient_5xx', 'slow_site', 'site_down'] as const) assert.ok(defects.has(d), d);
  assert.ok(s.sites.some((x) => x.behaviours.down));
});

test('the stored ground truth agrees with the world (oracle recomputation)', () => {
  for (const [name, s] of [['default', DEFAULT], ['flaky', FLAKY], ['cast-blocked', loadScenario('cast-blocked')]] as const) {
    const again = recomputeTruth(s);
    for (const item of s.items) assert.deepEqual(item.truth, again.get(item.ratingKey), `${name} item ${item.ratingKey}`);
  }
});

test('file names follow (Studio) - Title (Year) except the planted misnamed ones', () => {
  const s = DEFAULT;
  for (const item of s.items) {
    const misnamed = Object.values(item.truth).some((t) => t.defects.includes('misnamed_file'));
    assert.equal(FILENAME_RE.test(stem(item.file)), !misnamed, item.file);
    assert.ok(item.file.startsWith('/data/Films/'));
  }
});

test('the oracle normaliser reproduces the planted defects and their cure', () => {
  assert.equal(normaliseTitle('Tom\u2019s Summer Job', true), 'tom s summer job');
  assert.equal(normaliseTitle("Tom's Summer Job", true), 'toms summer job');
  assert.equal(normaliseTitle('Tom\u2019s Summer Job', false), 'toms summer job');
  assert.equal(normaliseTitle('Heat Wave II', true), 'heat wave ii');
  assert.equal(normaliseTitle('Heat Wave II', false), 'heat wave 2');
  assert.equal(normaliseTitle('Rough & Ready', true), 'rough and ready');
  assert.equal(cleanSearchString('The Coach\u2019s Playbook!'), 'the coachs playbook');
});

test('library projection and bundle list for the PMS emulator', () => {
  const s = DEFAULT;
  const lib = scenarioLibrary(s);
  assert.equal(lib.sections.length, 1);
  assert.equal(lib.sections[0]!.agent, 'com.plexapp.agents.SandboxFilms');
  assert.deepEqual(lib.sections[0]!.locations, ['/data/Films']);
  assert.equal(lib.items.length, 60);
  const first = lib.items[0]!;
  assert.equal(typeof first.ratingKey, 'string');
  assert.equal(first.sectionId, 1);
  assert.ok(first.duration > 60 * 60_000);
  assert.deepEqual(scenarioBundles(s), [
    'com.plexapp.agents.SandboxFilms',
    'com.plexapp.agents.ReelVault',
    'com.plexapp.agents.FilmIndex',
    'com.plexapp.agents.ScreenShelf',
    'com.plexapp.agents.StarCatalog',
  ]);
});

test('seeded randomness: same parts, same number; another attempt, another number', () => {
  const a = seededUnit(7, '/search?q=ironworks', 0);
  assert.equal(a, seededUnit(7, '/search?q=ironworks', 0));
  assert.ok(a >= 0 && a < 1);
  assert.notEqual(a, seededUnit(7, '/search?q=ironworks', 1));
  assert.notEqual(a, seededUnit(8, '/search?q=ironworks', 0));
  const many = Array.from({ length: 2000 }, (_, i) => seededUnit(1, i));
  const mean = many.reduce((x, y) => x + y, 0) / many.length;
  assert.ok(Math.abs(mean - 0.5) < 0.03, `mean ${mean}`);
});

test('bad scenario files are refused with a message and a hint', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  try {
    const good = await readFile(join(SCENARIOS_DIR, 'flaky.yaml'), 'utf8');
    const cases: [string, string, RegExp][] = [
      ['wrong-schema.yaml', good.replace('plexmend.scenario/1', 'plexmend.scenario/9'), /not a valid scenario at schema/],
      ['bad-yaml.yaml', 'name: [unclosed', /not valid YAML/],
      ['no-truth.yaml', good.replace(/\n {6}StarCatalog: \{[^\n]*\}/, ''), /inconsistent: item \d+: no ground truth for agent StarCatalog/],
      ['bad-film.yaml', good.replace(/film: (\w+-\d+)/, 'film: zz-9999'), /film zz-9999 is not on/],
    ];
    for (const [name, text, re] of cases) {
      const path = join(dir, name);
      await writeFile(path, text);
      assert.throws(() => loadScenario(path), (e: unknown) => e instanceof InputError && re.test(e.message) && !!e.hint, name);
    }
    assert.throws(() => loadScenario('no-such-scenario'), (e: unknown) => e instanceof InputError && /default, flaky/.test(e.hint ?? ''));
    assert.throws(() => parseScenario('schema: plexmend.scenario/1\nname: x\n', 'inline'), InputError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
