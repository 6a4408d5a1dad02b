/**
 * The sandbox agents run for real on the framework shim (PluginHost) against the fixture sites: every
 * item × agent search of the default scenario yields what the ground truth says, the logs carry PGMA's
 * message layer in the framework's line grammar, and the fixes a maintainer would make cure what they
 * should once the plug-in restarts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, type ScenarioItem } from '../../src/sandbox/scenario.ts';
import { startSites, type SitesHandle } from '../../src/sandbox/sites/index.ts';
import { PluginHost } from '../../src/sandbox/runtime/host.ts';
import { aggregate, memoryTemplateStore } from '../../src/logs/index.ts';
import { readLogLines } from '../../src/logs/read.ts';

const AGENTS = fileURLToPath(new URL('../../src/sandbox/agents/', import.meta.url));
const SITE_AGENTS = ['ReelVault', 'FilmIndex', 'ScreenShelf', 'StarCatalog'] as const;
const LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) \((-?[0-9a-f]+)\) :  (DEBUG|INFO|WARNING|ERROR|CRITICAL) \(([^:()]+):(\d+)\) - (.*)$/;

const s = loadScenario('default');
let root: string;
let plugins: string;
let logs: string;
let sites: SitesHandle;
const hosts: Record<string, PluginHost> = {};

function host(agent: string): PluginHost {
  return new PluginHost({ bundleDir: join(plugins, `${agent}.bundle`), logsDir: logs, supportDir: join(root, 'Plug-in Support'), hostMap: sites.hostMap });
}

function media(item: ScenarioItem) {
  return { id: item.ratingKey, name: item.title, year: item.year, filename: item.file, duration: item.duration };
}

function item(key: string): ScenarioItem {
  return s.items.find((i) => i.ratingKey === key)!;
}

async function log(agent: string): Promise<string> {
  return readFile(join(logs, `com.plexapp.agents.${agent}.log`), 'utf8');
}

before(async () => {
  root = join(await mkdtemp(join(tmpdir(), 'plexmend e2e ')), 'Application Support', 'Plex Media Server');
  plugins = join(root, 'Plug-ins');
  logs = join(root, 'Logs', 'PMS Plugin Logs');
  await cp(AGENTS, plugins, { recursive: true });
  sites = await startSites(s);
  for (const a of [...SITE_AGENTS, 'SandboxFilms']) {
    hosts[a] = host(a);
    const started = await hosts[a]!.start();
    assert.ok(started.ok, `${a} started: ${started.error ?? ''}`);
  }
});

after(async () => {
  await Promise.all(Object.values(hosts).map((h) => h.stop()));
  await sites?.close();
  if (root) await rm(join(root, '..', '..'), { recursive: true, force: true });
});

test('every item × agent search yields what the ground truth says today', async () => {
  const wrong: string[] = [];
  for (const i of s.items) {
    for (const a of SITE_AGENTS) {
      const res = await hosts[a]!.search(media(i), 'en', false);
      const got = res.length > 0 ? 'match' : 'fail';
      if (got !== i.truth[a]!.now) wrong.push(`${i.ratingKey} ${a}: got ${got}, truth ${i.truth[a]!.now}`);
      if (res[0]) {
        assert.equal(res[0].score, 100);
        assert.equal(JSON.parse(res[0].id).Title.length > 0, true, 'the id is the film dictionary as JSON');
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('plexmend aggregate reads the sandbox logs as real ones: outcomes and classes match the ground truth', async () => {
  const report = await aggregate({ kind: 'folder', dir: logs }, { read: readLogLines, templates: memoryTemplateStore() });
  const byFile = new Map(s.items.map((i) => [i.file, i]));
  const searches = report.items.filter((x) => x.phase === 'search');
  assert.equal(searches.length, s.items.length * SITE_AGENTS.length);
  const wrong: string[] = [];
  for (const row of searches) {
    const truth = byFile.get(row.filePath ?? '')?.truth[row.agent];
    if (!truth) {
      wrong.push(`no truth for ${row.agent} ${row.filePath}`);
      continue;
    }
    if ((row.outcome === 'matched') !== (truth.now === 'match')) wrong.push(`${row.agent} ${row.filePath}: ${row.outcome} vs ${truth.now}`);
    if (truth.now === 'fail' && !row.reasons.some((r) => r.class === truth.class)) wrong.push(`${row.agent} ${row.filePath}: reasons ${row.reasons.map((r) => r.class)} lack ${truth.class}`);
  }
  assert.deepEqual(wrong, []);
  assert.equal(report.agents.ReelVault?.http.byStatus['403'], 58);
  assert.equal(report.agents.StarCatalog?.http.byStatus['503'], 58);
});

test('every log line is in the framework grammar; the 403 agent fails with the PGMA error pair and footer', async () => {
  for (const a of [...SITE_AGENTS, 'SandboxFilms']) {
    for (const l of (await log(a)).split('\n').filter(Boolean)) {
      assert.ok(LINE.test(l) || /^( {2}File "|    |\w+(Error|Exception)?: )/.test(l), `${a} grammar: ${l}`);
    }
  }
  const text = await log('ReelVault');
  const lines = text.split('\n').filter(Boolean);
  const idx = lines.findIndex((l) => l.includes('Search Query did not pull any results: HTTP Error 403: Forbidden'));
  assert.ok(idx > 0);
  assert.match(lines[idx]!, / :  ERROR \(utils:\d+\) - ReelVault - SEARCH::    Error: Search Query did not pull any results: HTTP Error 403: Forbidden$/);
  assert.match(lines[idx - 1]!, / :  ERROR \(utils:\d+\) - ReelVault - SEARCH:: \u274c File: __init__\.py, Line: \d+, Function: \w+ -> \w+ -> search$/);
  assert.match(text, /ERROR \(networking:197\) - Error opening URL 'https:\/\/www\.reelvault\.test\/search\?q=harbor\+nights'/);
  assert.match(text, /INFO \(sandbox:19\) - ReelVault  - SEARCH:: \*+ >> Failed << \*+$/m);
  assert.match(text, /ReelVault  - SEARCH:: Search Query {18}https:\/\/www\.reelvault\.test\/search\?q=harbor\+nights$/m);
});

test('the planted failures show their signatures in the other agents\' logs', async () => {
  const fi = await log('FilmIndex');
  assert.match(fi, /FilmIndex - SEARCH::    Error getting Site Title: list index out of range$/m);
  const ss = await log('ScreenShelf');
  assert.match(ss, /ScreenShelf  - UTILS :: ScreenShelf Title {13}Tom\u2019s Summer Job$/m);
  assert.match(ss, /ScreenShelf  - UTILS :: Title Comparison Test {9}Failed$/m);
  assert.match(ss, /ScreenShelf - SEARCH::    Error getting Site Title: < Title Match Failure! >$/m);
  assert.match(ss, /ScreenShelf  - SEARCH:: \*+ >> Successful!! << \*+$/m);
  const sc = await log('StarCatalog');
  assert.match(sc, /StarCatalog - SEARCH::    Error: Search Query did not pull any results: HTTP Error 503: Service Unavailable$/m);
  assert.match(sc, /StarCatalog - SEARCH::    Error: < File Name \[\(Saltmarsh Films\) \u2013 Low Tide \(2020\)\] not in the expected format: \(Studio\) - Title \[\(Year\)\]/);
});

test('update fills the metadata from the film page and the cast site, genres tidied by _PGMA', async () => {
  const i = item('1036');
  const [hit] = await hosts.ScreenShelf!.search(media(i), 'en', false);
  assert.ok(hit);
  const md = await hosts.ScreenShelf!.update(hit.id, media(i), 'en');
  const film = s.sites.find((x) => x.host === 'www.screenshelf.test')!.films.find((f) => f.id === i.truth.ScreenShelf!.film)!;
  assert.ok(md);
  assert.equal(md.title, film.title);
  assert.equal(md.studio, film.studio);
  assert.equal(md.summary, film.synopsis);
  assert.equal(md.originally_available_at, film.date);
  assert.deepEqual(md.roles?.map((r) => r.name), film.cast);
  for (const r of md.roles ?? []) assert.match(r.photo ?? '', /^https:\/\/www\.castbase\.test\/img\/person\/[a-z-]+\.jpg$/);
  assert.deepEqual(md.posters, [`https://www.screenshelf.test/img/${film.id}.jpg`]);
  const tidy: Record<string, string> = { Outdoors: 'Outdoor', Uniforms: 'Uniform', Athletes: 'Sports', Vacation: 'Holiday', Workplace: 'Work' };
  assert.deepEqual(md.genres, film.genres.map((g) => tidy[g] ?? g));
});

test('the umbrella agent always offers the item with score 86', async () => {
  const res = await hosts.SandboxFilms!.search(media(item('1055')), 'en', false);
  assert.equal(res.length, 1);
  assert.equal(res[0]!.score, 86);
  assert.equal(res[0]!.id, '1055');
});

async function patch(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  assert.ok(text.includes(from), `${file} has ${from}`);
  await writeFile(file, text.replace(from, to));
}

test('maintainer fixes cure what they should, only after a plug-in restart', async () => {
  const code = (a: string, f: string) => join(plugins, `${a}.bundle`, 'Contents', 'Code', f);
  // Header fix in Start(): a browser User-Agent and Accept-Language.
  await patch(code('ReelVault', '__init__.py'), "HTTP.Headers['User-Agent'] = 'ReelVaultAgent/{0} (Plex Media Server)'.format(VERSION_NO)",
    "HTTP.Headers['User-Agent'] = utils.getUserAgent()\n    HTTP.Headers['Accept-Language'] = 'en-US,en;q=0.9'");
  // XPath repair near the search loop.
  await patch(code('FilmIndex', '__init__.py'), `XPATH_RESULT_TITLE = './a[@class="film-title"]'`, `XPATH_RESULT_TITLE = './/h3[@class="card-title"]/a'`);
  // Title normaliser in the shared utils.py (every copy).
  for (const a of SITE_AGENTS) {
    await patch(code(a, 'utils.py'), `text = text.replace("'", '')`, `text = text.replace("'", '').replace(u'\\u2019', '').replace(u'\\u2018', '')`);
    await patch(code(a, 'utils.py'), 'ROMAN_NUMERALS.get(word, word)', 'ROMAN_NUMERALS.get(word.upper(), word)');
  }
  const cases: [string, string][] = [['ReelVault', '1001'], ['FilmIndex', '1017'], ['ScreenShelf', '1041'], ['ScreenShelf', '1045']];
  for (const [a, key] of cases) assert.equal((await hosts[a]!.search(media(item(key)), 'en', false)).length, 0, `${a} ${key} still fails before the restart`);
  for (const a of ['ReelVault', 'FilmIndex', 'ScreenShelf']) assert.ok((await hosts[a]!.restart()).ok, `${a} restarted`);
  for (const [a, key] of cases) {
    const [hit] = await hosts[a]!.search(media(item(key)), 'en', false);
    assert.ok(hit, `${a} ${key} matches after the fix`);
    assert.equal(JSON.parse(hit.id).FilmURL.includes(item(key).truth[a]!.film!), true);
  }
  // No fix helps the challenge site or an absent title.
  assert.equal((await hosts.StarCatalog!.search(media(item('1049')), 'en', false)).length, 0);
  assert.equal((await hosts.ReelVault!.search(media(item('1055')), 'en', false)).length, 0);
  assert.match(await log('ReelVault'), /ReelVault - SEARCH::    Error: Search Query did not pull any results: < No Films! >$/m);
});
