import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { loadScenario, type Scenario } from '../../src/sandbox/scenario.ts';
import { startSites, siteSearch, looksLikeBrowser, type SitesHandle } from '../../src/sandbox/sites/index.ts';
import { gate, newGateState } from '../../src/sandbox/sites/behaviour.ts';

const BROWSER = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'accept-language': 'en-US,en;q=0.9',
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET through the host map, keeping the site's Host header (as the framework shim does). */
function get(sites: SitesHandle, host: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const [addr, port] = sites.hostMap[host]!.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host: addr, port: Number(port), path, headers: { host, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const DEFAULT = loadScenario('default');
const FLAKY = loadScenario('flaky');
let clock = 1_000_000;
const sites = await startSites(DEFAULT, DEFAULT.seed, { now: () => clock });
after(() => sites.close());

test('every site gets a loopback address', () => {
  for (const s of DEFAULT.sites) assert.match(sites.hostMap[s.host]!, /^127\.0\.0\.1:\d+$/);
});

test('403 unless the request looks like a browser (User-Agent AND Accept-Language)', async () => {
  const h = 'www.reelvault.test';
  const none = await get(sites, h, '/search?q=riptide', { 'user-agent': 'Python-urllib/2.7' });
  assert.equal(none.status, 403);
  assert.match(none.body, /Access denied/);
  const uaOnly = await get(sites, h, '/search?q=riptide', { 'user-agent': BROWSER['user-agent'] });
  assert.equal(uaOnly.status, 403, 'a browser User-Agent alone is not enough');
  const langOnly = await get(sites, h, '/search?q=riptide', { 'accept-language': 'en-US' });
  assert.equal(langOnly.status, 403);
  clock += 60_000;
  const ok = await get(sites, h, '/search?q=riptide', BROWSER);
  assert.equal(ok.status, 200);
  assert.match(ok.body, /<a class="film-title" href="\/film\/[a-z0-9-]+\/riptide">Riptide<\/a>/);
});

test('429 above the request rate, counting only requests that got through; the window reopens', async () => {
  const h = 'www.reelvault.test';
  clock += 60_000;
  for (let i = 0; i < 10; i++) assert.equal((await get(sites, h, `/search?q=x${i}`)).status, 403, 'blocked requests do not fill the window');
  const limit = DEFAULT.sites.find((s) => s.host === h)!.behaviours.rateLimit!;
  for (let i = 0; i < limit.requests; i++) assert.equal((await get(sites, h, `/search?q=open+water+${i}`, BROWSER)).status, 200, `request ${i + 1}`);
  const limited = await get(sites, h, '/search?q=open+water', BROWSER);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], String(limit.retryAfterS));
  assert.match(limited.body, /Too Many Requests/);
  clock += limit.windowMs + 1;
  assert.equal((await get(sites, h, '/search?q=open+water', BROWSER)).status, 200);
});

test('a Cloudflare-style challenge answers 503 whatever the headers', async () => {
  for (const headers of [{}, BROWSER, { ...BROWSER, referer: 'https://www.starcatalog.test/', cookie: 'cf_clearance=abc' }]) {
    const r = await get(sites, 'www.starcatalog.test', '/search?q=fog+city', headers);
    assert.equal(r.status, 503);
    assert.equal(r.headers['cf-mitigated'], 'challenge');
    assert.equal(r.headers.server, 'cloudflare');
    assert.match(r.body, /Just a moment\.\.\./);
    assert.match(r.body, /Ray ID: <code>[0-9a-f]{12}-LHR<\/code>/);
  }
});

test('the redesigned site keeps the data in new markup: the old result XPath target is gone', async () => {
  const redesigned = await get(sites, 'www.filmindex.test', '/search?q=ironworks');
  assert.equal(redesigned.status, 200);
  assert.match(redesigned.body, /<div class="film-card">/);
  assert.match(redesigned.body, /<h3 class="card-title"><a href="\/film\/[a-z0-9-]+\/ironworks">Ironworks<\/a><\/h3>/);
  assert.doesNotMatch(redesigned.body, /class="film-title"/);
  const classic = await get(sites, 'www.screenshelf.test', '/search?q=timberline');
  assert.match(classic.body, /<div class="result-list">\s*<div class="film-card">\s*<a class="film-title" href="\/film\/[a-z0-9-]+\/timberline">Timberline<\/a>/);
});

test('search lists near misses too, newest first; a search with no hit says so', async () => {
  const r = await get(sites, 'www.screenshelf.test', '/search?q=heat+wave+2');
  const titles = [...r.body.matchAll(/class="film-title" href="[^"]+">([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(titles, ['Heat Wave II', 'Heat Wave']);
  const none = await get(sites, 'www.screenshelf.test', '/search?q=winter+retreat');
  assert.equal(none.status, 200);
  assert.match(none.body, /No films match your search/);
  assert.match(none.body, /<div class="result-list"><\/div>/);
});

test('film pages carry title, studio, release date, running time, synopsis, cast links and poster', async () => {
  const film = DEFAULT.sites.find((s) => s.host === 'www.screenshelf.test')!.films.find((f) => f.title === 'Tom\u2019s Summer Job')!;
  const r = await get(sites, 'www.screenshelf.test', `/film/${film.id}/toms-summer-job`);
  assert.equal(r.status, 200);
  assert.match(r.body, /<h1 class="film-title">Tom\u2019s Summer Job<\/h1>/, 'curly apostrophe kept as on real sites');
  assert.match(r.body, /<dt>Studio:<\/dt><dd class="studio"><a href="[^"]+">Velvet Lantern<\/a><\/dd>/);
  assert.match(r.body, /<dt>Released:<\/dt><dd class="released">[A-Z][a-z]+ \d{2}, 2017<\/dd>/);
  assert.match(r.body, new RegExp(`<dt>Running Time:</dt><dd class="runtime">${film.minutes} min</dd>`));
  assert.match(r.body, /<div class="synopsis"><h2>Synopsis<\/h2><p>[^<]+<\/p><\/div>/);
  assert.match(r.body, /<li class="cast-member"><a href="https:\/\/www\.castbase\.test\/person\/[a-z-]+">/);
  assert.match(r.body, new RegExp(`<img class="poster" src="https://www.screenshelf.test/img/${film.id}.jpg"`));
  const missing = await get(sites, 'www.screenshelf.test', '/film/zz-0/none');
  assert.equal(missing.status, 404);
});

test('the IAFD-like cast site serves person pages with a headshot and filmography', async () => {
  const name = DEFAULT.sites.find((s) => s.host === 'www.reelvault.test')!.films[0]!.cast[0]!;
  const slug = name.toLowerCase().replace(/ /g, '-');
  const r = await get(sites, 'www.castbase.test', `/person/${slug}`);
  assert.equal(r.status, 200);
  assert.match(r.body, new RegExp(`<h1 class="person-name">${name}</h1>`));
  assert.match(r.body, new RegExp(`<div class="headshot"><img src="https://www.castbase.test/img/person/${slug}.jpg"`));
  assert.match(r.body, /<td class="title">Harbor Nights<\/td>/);
  const img = await get(sites, 'www.castbase.test', `/img/person/${slug}.jpg`);
  assert.equal(img.headers['content-type'], 'image/jpeg');
});

test('stats count requests per host, status and route', () => {
  const st = sites.stats();
  assert.ok(st['www.reelvault.test']!.byStatus['403']! >= 13);
  assert.ok(st['www.reelvault.test']!.byStatus['429']! >= 1);
  assert.ok(st['www.starcatalog.test']!.byStatus['503']! >= 3);
  assert.ok(st['www.castbase.test']!.byRoute['/person']! >= 1);
});

async function statusRun(s: Scenario, seed: number, paths: string[]): Promise<number[]> {
  const h = await startSites(s, seed);
  try {
    const out: number[] = [];
    for (const p of paths) for (let attempt = 0; attempt < 2; attempt++) out.push((await get(h, 'www.filmindex.test', p)).status);
    return out;
  } finally {
    await h.close();
  }
}

test('seeded 5xx bursts: same seed, item and attempt give the same answer in a new run', async () => {
  const paths = FLAKY.sites.find((s) => s.host === 'www.filmindex.test')!.films.map((f) => `/search?q=${encodeURIComponent(f.title.toLowerCase())}`);
  const a = await statusRun(FLAKY, FLAKY.seed, paths);
  const b = await statusRun(FLAKY, FLAKY.seed, paths);
  assert.deepEqual(a, b);
  assert.ok(a.some((x) => x === 502 || x === 503), 'some requests fail');
  assert.ok(a.some((x) => x === 200), 'most succeed');
  const c = await statusRun(FLAKY, FLAKY.seed + 1, paths);
  assert.notDeepEqual(a, c, 'another seed, another pattern');
});

test('a site that is down refuses connections; close() stops every server', async () => {
  const h = await startSites(FLAKY, FLAKY.seed);
  await assert.rejects(get(h, 'www.starcatalog.test', '/'), /ECONNREFUSED/);
  assert.equal((await get(h, 'www.reelvault.test', '/search?q=riptide')).status, 200);
  await h.close();
  await assert.rejects(get(h, 'www.reelvault.test', '/search?q=riptide'), /ECONNREFUSED/);
});

test('gate: slow answers are seeded and scale x10 with realistic timing', () => {
  const b = { browserOnly: false, challenge: false, redesign: false, down: false, slow: { share: 0.5, ms: 3000 } };
  const delays = (timeScale: number) => {
    const st = newGateState();
    return Array.from({ length: 40 }, (_, i) => gate(b, { url: `/film/${i}`, client: 'c', now: 0 }, st, { host: 'h', seed: 1, timeScale, realisticTiming: timeScale > 1 }).delayMs);
  };
  const fast = delays(1);
  assert.ok(fast.some((d) => d === 3000) && fast.some((d) => d === 0));
  assert.deepEqual(fast, delays(1));
  const real = delays(10);
  fast.forEach((d, i) => assert.ok(d === 0 ? real[i]! < 1000 : real[i]! >= 30_000, `request ${i}: ${d} vs ${real[i]}`));
});

test('browser detection and the site search fold quotes and case', () => {
  assert.equal(looksLikeBrowser(BROWSER['user-agent'], 'en'), true);
  assert.equal(looksLikeBrowser('Python-urllib/2.7', 'en'), false);
  assert.equal(looksLikeBrowser('ReelVaultAgent/2024.08.12.01 (Plex Media Server)', 'en-US'), false);
  assert.equal(looksLikeBrowser(BROWSER['user-agent'], ''), false);
  const films = DEFAULT.sites.find((s) => s.host === 'www.screenshelf.test')!.films;
  assert.deepEqual(siteSearch(films, 'toms summer job').map((f) => f.title), ['Tom\u2019s Summer Job']);
  assert.deepEqual(siteSearch(films, 'rough ready').map((f) => f.title), ['Rough & Ready']);
  assert.deepEqual(siteSearch(films, 'nothing like this'), []);
});
