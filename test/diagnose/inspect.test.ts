import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePlugins, type GeneratedPlugins } from '../fixtures/bundles/generate.ts';
import { fileForPath, fileOf, fsBundleReader, inspectPlugins, locate, raisesWithMessage, type BundleInspection, type FileInspection } from '../../src/diagnose/inspect/index.ts';

let root = '';
let gen: GeneratedPlugins;
let ins: BundleInspection;
let firstRunMs = 0;
const initText: Record<string, string> = {};

/** 1-based line of the first line containing `needle`. */
const lineWith = (text: string, needle: string) => {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `fixture has no line with ${needle}`);
  return i + 1;
};
const init = (agent: string): FileInspection => fileOf(ins, `${agent}.bundle`, '__init__.py')!.inspection;
const utils = (): FileInspection => fileOf(ins, 'Alpha.bundle', 'utils.py')!.inspection;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  gen = await generatePlugins(root);
  for (const a of ['Alpha', 'Beta', 'Gamma']) {
    initText[a] = await readFile(join(gen.pluginsDir, `${a}.bundle`, 'Contents', 'Code', '__init__.py'), 'utf8');
  }
  const t0 = performance.now();
  ins = await inspectPlugins(gen.pluginsDir, { reader: fsBundleReader });
  firstRunMs = performance.now() - t0;
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('the shared utils.py is one logical file with every copy and its hash; JSON round-trips', () => {
  assert.deepEqual(ins.bundles.map((b) => b.bundle), ['Alpha.bundle', 'Beta.bundle', 'Delta.bundle', 'Epsilon.bundle', 'Gamma.bundle']);
  const shared = ins.files.filter((f) => f.name === 'utils.py');
  assert.equal(shared.length, 1);
  assert.equal(shared[0]!.copies.length, 5);
  assert.match(shared[0]!.sha256, /^[0-9a-f]{64}$/);
  assert.ok(ins.bundles.every((b) => b.files.find((f) => f.path === 'Contents/Code/utils.py')?.sha256 === shared[0]!.sha256));
  assert.ok(shared[0]!.inspection.lines > 8000);
  assert.deepEqual(shared[0]!.inspection.syntaxErrors, []);
  assert.deepEqual(JSON.parse(JSON.stringify(ins)), ins);
  assert.equal(ins.bundles[0]!.identifier, 'com.plexapp.agents.Alpha');
});

test('the key functions are found at the lines the generator put them', () => {
  const fns = utils().functions;
  for (const [name, line] of Object.entries(gen.utils.defLines)) {
    assert.ok(fns.some((f) => f.name === name && f.line === line), `${name} at ${line}`);
  }
  assert.ok(fns.length > 300, `${fns.length} functions`);
});

test('wrappers: getHTTPRequest requests its parameter (depth 1), getURLElement passes its own on (depth 2)', () => {
  const w = ins.bundles[0]!.wrappers;
  assert.deepEqual(
    w.map((x) => [x.name, x.urlParam, x.paramIndex, x.depth, x.line]),
    [
      ['getHTTPRequest', 'url', 0, 1, gen.utils.defLines.getHTTPRequest],
      ['getURLElement', 'myURL', 0, 2, gen.utils.defLines.getURLElement],
    ],
  );
});

test('request sites: framework calls, cfscrape session, wrapper calls, with hosts and keywords', () => {
  const alpha = init('Alpha').requests;
  const search = alpha.find((r) => r.line === lineWith(initText.Alpha!, 'html = HTML.ElementFromURL(searchQuery'))!;
  assert.equal(search.callee, 'HTML.ElementFromURL');
  assert.equal(search.func, 'Alpha.search');
  assert.deepEqual(search.hosts, ['www.alpha-films.example']);
  assert.deepEqual(search.keywords, { timeout: '20', sleep: 'utils.delay()' });
  assert.equal(search.urls[0], 'https://www.alpha-films.example/search?queryType=Free+Form&q={?}');

  const beta = init('Beta').requests;
  assert.equal(beta.length, 1);
  assert.deepEqual([beta[0]!.kind, beta[0]!.callee, beta[0]!.wrapper, beta[0]!.hosts], ['wrapper', 'utils.getHTTPRequest', { name: 'getHTTPRequest', depth: 1 }, ['beta-blog.example']]);
  assert.deepEqual(beta[0]!.keywords, { timeout: '30' });

  const gamma = init('Gamma').requests;
  assert.deepEqual([gamma[0]!.callee, gamma[0]!.hosts], ['JSON.ObjectFromURL', ['api.gamma-index.example']]);

  const delta = init('Delta').requests;
  assert.ok(delta.every((r) => r.hosts.includes('delta-video.example')));

  const u = utils().requests;
  const scraper = u.find((r) => r.kind === 'scraper')!;
  assert.equal(scraper.callee, 'scraper.get');
  assert.equal(scraper.insideWrapper, 'getHTTPRequest');
  const iafd = u.find((r) => r.func === 'getFilmOnIAFD')!;
  assert.deepEqual([iafd.kind, iafd.wrapper?.name, iafd.wrapper?.depth, iafd.hosts], ['wrapper', 'getURLElement', 2, ['www.iafd.com']]);
  assert.ok(u.filter((r) => r.func === 'getHTTPRequest').every((r) => r.insideWrapper === 'getHTTPRequest' && r.hosts.length === 0));
});

test('URL constants resolve concatenations and templates to hosts', () => {
  assert.deepEqual(
    init('Alpha').urlConstants.map((c) => [c.name, c.value, c.hosts]),
    [
      ['BASE_URL', 'https://www.alpha-films.example', ['www.alpha-films.example']],
      ['BASE_SEARCH_URL', 'https://www.alpha-films.example/search?queryType=Free+Form&q={0}', ['www.alpha-films.example']],
    ],
  );
  assert.ok(utils().urlConstants.some((c) => c.name === 'IAFD_SEARCH_URL' && c.hosts[0] === 'www.iafd.com'));
});

test('XPaths: literals and constants, with line, function and the variable read', () => {
  const xp = init('Alpha').xpaths;
  assert.deepEqual(
    xp.map((x) => [x.line, x.expression, x.receiver]),
    [
      [lineWith(initText.Alpha!, 'filmsList = html.xpath'), '//div[@class="film-item"][@id]', 'html'],
      [lineWith(initText.Alpha!, 'filmTitle = film.xpath'), './a[contains(@href,"/movies/")]//img/@title', 'film'],
      [lineWith(initText.Alpha!, 'filmURL = BASE_URL + film.xpath'), './a/@href', 'film'],
      [lineWith(initText.Alpha!, 'studios = fhtml.xpath'), '//div[@class="studio-name"]/a/text()', 'fhtml'],
    ],
  );
  assert.equal(xp[0]!.receiverFrom?.line, lineWith(initText.Alpha!, 'html = HTML.ElementFromURL(searchQuery'));
  assert.equal(init('Gamma').xpaths[0]!.expression, '//table[@id="results"]//tr[td]');
  assert.equal(init('Gamma').xpaths[0]!.expressionText, 'RESULT_XPATH');
  assert.equal(utils().xpaths.filter((x) => x.func === 'getSiteInfoAlpha').length, 2);
});

test('headers and cache time set in Start()', () => {
  assert.deepEqual(init('Gamma').headers.map((h) => [h.func, h.header, h.valueText]), [
    ['Start', 'User-Agent', 'utils.getUserAgent()'],
    ['Start', 'Referer', "BASE_URL + '/new'"],
  ]);
  assert.equal(init('Gamma').headers[1]!.value, 'https://www.gamma-index.example/new');
  assert.equal(init('Gamma').headers[0]!.value, null);
  assert.deepEqual(init('Beta').headers.find((h) => h.header === 'Accept-Language')?.value, 'en-GB,en;q=0.9');
  assert.deepEqual(init('Alpha').cacheTimes.map((c) => [c.func, c.valueText]), [['Start', 'CACHE_1WEEK']]);
});

test('normalisers, the filename regex, raises and preferences', () => {
  const n = utils().normalisers;
  for (const name of ['makeASCII', 'Normalise', 'sortAlphaChars']) {
    assert.ok(n.some((x) => x.name === name && x.line === gen.utils.defLines[name] && x.role === 'title'), name);
  }
  assert.ok(n.find((x) => x.name === 'makeASCII')!.signals.includes('unidecode'));
  assert.ok(n.find((x) => x.name === 'Normalise')!.signals.includes('roman-numerals'));
  assert.equal(n.length, 3, JSON.stringify(n.map((x) => x.name)));
  assert.deepEqual(init('Beta').normalisers.map((x) => [x.qualifiedName, x.role]), [['Beta.CleanSearchString', 'search-string']]);

  const re = utils().regexes.filter((r) => r.filename);
  assert.equal(re.length, 1);
  assert.equal(re[0]!.func, 'matchFilename');
  assert.deepEqual(re[0]!.groups, ['fnSTUDIO', 'fnTITLE', 'fnYEAR', 'fnCAST', 'fnSTACK']);

  assert.deepEqual(init('Alpha').raises.map((r) => [r.line, r.exceptionType, r.message]), [
    [lineWith(initText.Alpha!, "raise Exception('< No Films! >')"), 'Exception', '< No Films! >'],
  ]);
  const um = utils().raises.map((r) => r.message);
  assert.ok(um.includes('< Title Match Failure! >'));
  assert.ok(um.includes('< Failed to read IAFD URL: {?} - Processing Abandoned! >'));

  assert.deepEqual(utils().prefReads.map((p) => p.key), ['matchiafdduration', 'matchsiteduration', 'durationdx', 'plextoken']);
  assert.deepEqual(init('Gamma').prefReads.map((p) => p.key), ['detect']);
  const prefs = ins.bundles[0]!.prefs;
  assert.deepEqual(prefs.map((p) => p.id), ['matchiafdduration', 'matchsiteduration', 'durationdx', 'detect', 'plextoken']);
  assert.deepEqual(prefs[2], { id: 'durationdx', type: 'enum', label: 'Duration tolerance (minutes)', default: '0', values: ['0', '5', '10', '15'] });
});

test('locate(file, line): enclosing function, statement, nearest xpath and request', async () => {
  const text = initText.Alpha!;
  const line = lineWith(text, "raise Exception('< No Films! >')");
  const loc = await locate(text, line, init('Alpha'));
  assert.equal(loc.function?.qualifiedName, 'Alpha.search');
  assert.equal(loc.statement?.text, "raise Exception('< No Films! >')");
  assert.equal(loc.xpath?.expression, '//div[@class="film-item"][@id]');
  assert.equal(loc.request?.callee, 'HTML.ElementFromURL');
  assert.equal(loc.raise?.message, '< No Films! >');
  // an older version of the file, with three lines more at the top, resolves against ITS text
  const older = `# old header\n# line\n# line\n${text}`;
  const oldLoc = await locate(older, line + 3);
  assert.equal(oldLoc.raise?.message, '< No Films! >');
  assert.equal(oldLoc.xpath?.line, loc.xpath!.line + 3);
  const past = await locate(text, 10_000, init('Alpha'));
  assert.equal(past.inRange, false);
  assert.equal(past.statement, null);
});

test('fast on 5 bundles with an 8,000-line shared file, and faster again from the cache', async () => {
  assert.ok(firstRunMs < 15_000, `first run ${firstRunMs.toFixed(0)} ms`);
  const t0 = performance.now();
  const again = await inspectPlugins(gen.pluginsDir, { reader: fsBundleReader });
  const ms = performance.now() - t0;
  assert.ok(ms < 3_000, `second run ${ms.toFixed(0)} ms`);
  assert.deepEqual(again, ins);
});

test('raise sites are found from the message PGMA logs, templates included', () => {
  const films = raisesWithMessage(ins, '< No Films! >', { bundle: 'Alpha.bundle' });
  assert.deepEqual(films.map((f) => [f.bundles, f.item.line]), [[['Alpha.bundle'], lineWith(initText.Alpha!, "raise Exception('< No Films! >')")]]);
  const iafd = raisesWithMessage(ins, '< Failed to read IAFD URL: HTTP Error 403: Forbidden - Processing Abandoned! >');
  assert.equal(iafd.length, 1);
  assert.equal(iafd[0]!.item.func, 'getURLElement');
  assert.equal(iafd[0]!.bundles.length, 5);
  assert.deepEqual(raisesWithMessage(ins, '< Something else >'), []);
});

test('a traceback path (POSIX or Windows) finds the bundle file; framework frames do not', () => {
  const posix = fileForPath(ins, '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Plug-ins/Beta.bundle/Contents/Code/utils.py');
  assert.deepEqual([posix?.bundle, posix?.path, posix?.file.name, posix?.file.copies.length], ['Beta.bundle', 'Contents/Code/utils.py', 'utils.py', 5]);
  const win = fileForPath(ins, 'C:\\Users\\me\\AppData\\Local\\Plex Media Server\\Plug-ins\\Gamma.bundle\\Contents\\Code\\__init__.py');
  assert.equal(win?.file.inspection.raises[0]?.message, '< No Film Titles >');
  assert.equal(fileForPath(ins, '/usr/lib/plexmediaserver/Resources/Python/python27.zip/urllib2.py'), undefined);
  assert.equal(fileForPath(ins, '/x/Plug-ins/Framework.bundle/Contents/Resources/Versions/2/Python/Framework/core.py'), undefined);
});
