import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectSource } from '../../src/diagnose/inspect/index.ts';

const SRC = [
  'import requests, cloudscraper, cfscrape, urllib2',
  "API = 'https://api.example.org/v2'",
  "IMG = 'http://img.example.org'",
  "TITLE_XPATH = '//h1[@class=\"{0}\"]/text()'",
  'def viaRequests(q):',
  "    r = requests.get(API + '/search', params={'q': q}, timeout=15, headers={'Referer': API})",
  "    p = requests.post('https://post.example.org/form', data={'q': q})",
  "    s = requests.request('GET', IMG + '/poster.jpg')",
  '    return r, p, s',
  'def viaSessions(q):',
  '    session = requests.Session()',
  "    one = session.get(API + '/a?q=%s' % q)",
  '    scraper = cloudscraper.create_scraper(browser={"browser": "chrome"})',
  "    two = scraper.get('https://cf.example.org/?s=' + q, timeout=30)",
  "    three = cfscrape.create_scraper(delay=10).get('https://cf2.example.org/' + q)",
  "    four = urllib2.urlopen(urllib2.Request('https://old.example.org/x'))",
  '    return one, two, three, four',
  'def xpaths(html, cls):',
  '    a = html.xpath(TITLE_XPATH.format("title"))',
  "    local = '//div[@id=\"cast\"]//a/text()'",
  '    b = html.xpath(local)',
  '    c = html.xpath(cls)',
  "    d = HTML.ElementFromURL(IMG + '/page').xpath('//img/@src')",
  '    return a, b, c, d',
].join('\n');

test('requests, sessions (requests, cloudscraper, cfscrape), urllib2: kinds, hosts, keywords', async () => {
  const ins = await inspectSource(SRC, 'Contents/Code/__init__.py');
  const sites = ins.requests.map((r) => [r.func, r.callee, r.kind, r.hosts.join(',')]);
  assert.deepEqual(sites, [
    ['viaRequests', 'requests.get', 'requests', 'api.example.org'],
    ['viaRequests', 'requests.post', 'requests', 'post.example.org'],
    ['viaRequests', 'requests.request', 'requests', 'img.example.org'],
    ['viaSessions', 'session.get', 'requests', 'api.example.org'],
    ['viaSessions', 'scraper.get', 'scraper', 'cf.example.org'],
    ['viaSessions', 'cfscrape.create_scraper(delay=10).get', 'scraper', 'cf2.example.org'],
    ['viaSessions', 'urllib2.urlopen', 'urllib', ''],
    ['viaSessions', 'urllib2.Request', 'urllib', 'old.example.org'],
    ['xpaths', 'HTML.ElementFromURL', 'framework', 'img.example.org'],
  ]);
  const get = ins.requests[0]!;
  assert.equal(get.keywords.timeout, '15');
  assert.equal(get.keywords.headers, "{'Referer': API}");
  assert.deepEqual(get.urls, ['https://api.example.org/v2/search']);
  assert.deepEqual(ins.requests[3]!.urls, ['https://api.example.org/v2/a?q={?}']);
  // the urlopen of a Request object: URL unknown statically; the constants the function reads are the guess
  assert.deepEqual(ins.requests[6]!.likelyHosts, ['api.example.org']);
  // no wrapper: a parameter appended to a known site (a search term) does not make a URL wrapper
  assert.equal(ins.requests.filter((r) => r.insideWrapper).length, 0);
});

test('XPaths from a formatted constant, a local name, an unknown parameter and a chained call', async () => {
  const ins = await inspectSource(SRC, 'Contents/Code/__init__.py');
  assert.deepEqual(
    ins.xpaths.map((x) => [x.expression, x.expressionText, x.receiver]),
    [
      ['//h1[@class="title"]/text()', 'TITLE_XPATH.format("title")', 'html'],
      ['//div[@id="cast"]//a/text()', 'local', 'html'],
      [null, 'cls', 'html'],
      ['//img/@src', "'//img/@src'", "HTML.ElementFromURL(IMG+'/page')"],
    ],
  );
});

test('a method wrapper is not mistaken for a module wrapper; a nested wrapper chain stops at depth 2', async () => {
  const src = [
    'def fetch(u):',
    '    return HTTP.Request(u).content',
    'def fetchPage(link):',
    '    return fetch(link)',
    'def fetchThird(x):',
    '    return fetchPage(x)',
    'class A(object):',
    '    def get(self, url):',
    '        return HTML.ElementFromURL(url)',
    "fetchThird('https://three.example.org/')",
    "fetchPage('https://two.example.org/')",
  ].join('\n');
  const ins = await inspectSource(src);
  const hosts = ins.requests.map((r) => [r.callee, r.kind, r.wrapper?.depth ?? 0, r.hosts.join(',')]);
  assert.deepEqual(hosts, [
    ['HTTP.Request', 'framework', 0, ''],
    ['fetch', 'wrapper', 1, ''],
    ['fetchPage', 'wrapper', 2, ''],
    ['HTML.ElementFromURL', 'framework', 0, ''],
    ['fetchPage', 'wrapper', 2, 'two.example.org'],
  ]);
});

test('names resolve where they were assigned: self-reference, other modules, module order; computed URLs are not wrappers', async () => {
  const { inspectBundleSources } = await import('../../src/diagnose/inspect/index.ts');
  const utils = [
    "BASE = 'https://lib.example.org'",
    "SEARCH = BASE + '/s?q={0}'",
    'def get(url):',
    '    return HTML.ElementFromURL(url)',
    'def update(metadata):',
    '    FILMDICT = json.loads(metadata.id)',
    "    return HTML.ElementFromURL(FILMDICT['FilmURL'])",
  ].join('\n');
  const init = [
    'import utils',
    "BASE_URL = 'https://www.site.example'",
    'def search(film, title):',
    "    filmURL = film.xpath('./a/@href')[0]",
    "    if not filmURL.startswith('http'):",
    '        filmURL = BASE_URL + filmURL',
    '    page = utils.get(filmURL)',
    '    lib = utils.get(utils.SEARCH.format(title))',
    '    return page, lib',
  ].join('\n');
  const ins = await inspectBundleSources([
    { bundle: 'S.bundle', infoPlist: null, defaultPrefs: null, code: [{ path: 'Contents/Code/__init__.py', text: init }, { path: 'Contents/Code/utils.py', text: utils }] },
  ]);
  assert.deepEqual(ins.bundles[0]!.wrappers.map((w) => w.name), ['get']);
  const req = ins.files.find((f) => f.name === '__init__.py')!.inspection.requests;
  // the bare `{?}` (the href as read, when it is absolute) is not listed: it says nothing
  assert.deepEqual(req.map((r) => r.urls), [
    ['https://www.site.example{?}'],
    ['https://lib.example.org/s?q={?}'],
  ]);
  assert.deepEqual(req.map((r) => r.hosts), [['www.site.example'], ['lib.example.org']]);
});

test('from utils import … : wrappers and constants imported by name or with *', async () => {
  const { inspectBundleSources } = await import('../../src/diagnose/inspect/index.ts');
  const utils = ["SITE = 'https://deep.example.net'", 'def getHTTPRequest(url, timeout=20):', '    return HTML.ElementFromURL(url, timeout=timeout)'].join('\n');
  const named = ['from utils import getHTTPRequest as fetch, SITE', 'def search(q):', "    return fetch(SITE + '/s/' + q, timeout=5)"].join('\n');
  const star = ['from utils import *', 'def search(q):', "    return getHTTPRequest(SITE + '/find/' + q)"].join('\n');
  const ins = await inspectBundleSources([
    { bundle: 'N.bundle', infoPlist: null, defaultPrefs: null, code: [{ path: 'Contents/Code/__init__.py', text: named }, { path: 'Contents/Code/utils.py', text: utils }] },
    { bundle: 'S.bundle', infoPlist: null, defaultPrefs: null, code: [{ path: 'Contents/Code/__init__.py', text: star }, { path: 'Contents/Code/utils.py', text: utils }] },
  ]);
  const inits = ins.files.filter((f) => f.name === '__init__.py').map((f) => f.inspection.requests.map((r) => [r.callee, r.kind, r.wrapper?.name, r.urls[0], r.keywords]));
  assert.deepEqual(inits, [
    [['fetch', 'wrapper', 'getHTTPRequest', 'https://deep.example.net/s/{?}', { timeout: '5' }]],
    [['getHTTPRequest', 'wrapper', 'getHTTPRequest', 'https://deep.example.net/find/{?}', {}]],
  ]);
});
