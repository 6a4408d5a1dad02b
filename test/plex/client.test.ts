import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlexClient, loadClientIdentifier } from '../../src/plex/index.ts';
import { startFakePlex, type FakePlex } from './fake-server.ts';

let s: FakePlex;
let plex: PlexClient;
after(async () => s?.close());

test('setup', async () => {
  s = await startFakePlex({ extraItems: 6, sessions: 1 });
  plex = new PlexClient({ url: s.url, token: s.token, clientIdentifier: 'plexmend-client-test' });
});

test('identity and sections', async () => {
  const id = await plex.identity();
  assert.equal(id.machineIdentifier.length, 40);
  const sections = await plex.sections();
  assert.deepEqual(sections.map((x) => x.title), ['Movies', 'Stand-ups', 'TV Shows']);
});

test('item by ratingKey with Media/Part/@file; children; 404 for a gone item', async () => {
  const item = await plex.item('108');
  assert.equal(item.title, 'Interstate 60');
  assert.deepEqual(item.files, ['/data/Movies/Interstate 60 (2002).mkv']);
  const tracks = await plex.children('157');
  assert.ok(tracks.length >= 1 && tracks.every((t) => t.guid.startsWith('local://')));
  await assert.rejects(plex.item('999999'), { name: 'PlexNotFoundError' });
});

test('search by title/year uses the section filters; search by file path compares Media/Part/@file', async () => {
  const sections = (await plex.sections()).filter((x) => x.key === '1');
  const hits = await plex.searchByTitle('bunny', { year: 2008, sections });
  assert.deepEqual(hits.map((h) => h.ratingKey), ['55']);
  const req = s.requests.filter((r) => r.path === '/library/sections/1/all').at(-1)!;
  assert.equal(req.query.get('title'), 'bunny');
  assert.equal(req.query.get('year'), '2008');
  assert.deepEqual(await plex.searchByTitle('bunny', { year: 1990, sections }), []);
  // Sections' recorded locations (/Volumes/External/...) do not contain /data/...: no section qualifies by location.
  assert.deepEqual(await plex.searchByFile('/data/Movies/Big Buck Bunny (2008).mkv'), []);
  const index = await plex.fileIndex(sections);
  assert.deepEqual(index.lookup('/data/Movies/Big Buck Bunny (2008).mkv').map((i) => i.ratingKey), ['55']);
  assert.deepEqual(index.lookup('/data/Movies/Generated Film 3.mkv').map((i) => i.ratingKey), ['1003']);
  assert.equal(index.lookup('/nope.mkv').length, 0);
});

test('unmatched: local:// guids of the primary agent, Personal Media sections skipped', async () => {
  const un = await plex.unmatched();
  assert.deepEqual(un.map((u) => u.item.ratingKey).sort(), ['1000', '1003']);
  assert.ok(un.every((u) => u.section.key === '1'));
});

test('refresh, matches, match, unmatch hit the right verbs and paths', async () => {
  await plex.refresh('55');
  const put = s.requests.at(-1)!;
  assert.equal(put.method, 'PUT');
  assert.equal(put.path, '/library/metadata/55/refresh');
  const m = await plex.matches('55', { title: 'Persuasion', year: 1995 });
  assert.equal(m[0]!.name, 'Persuasion');
  const mreq = s.requests.at(-1)!;
  assert.equal(mreq.query.get('manual'), '1');
  assert.equal(mreq.query.get('title'), 'Persuasion');
  await plex.match('55', m[0]!);
  const match = s.requests.at(-1)!;
  assert.equal(match.method, 'PUT');
  assert.equal(match.path, '/library/metadata/55/match');
  assert.equal(match.query.get('guid'), 'plex://movie/5d776840999c64001ec317ab');
  assert.equal(match.query.get('name'), 'Persuasion');
  await plex.unmatch('55');
  assert.equal(s.requests.at(-1)!.path, '/library/metadata/55/unmatch');
  assert.equal(s.requests.at(-1)!.method, 'PUT');
});

test('activities, sessions, agents (XML), plug-ins (XML), restart, prefs get and set', async () => {
  assert.ok(Array.isArray(await plex.activities()));
  assert.equal(await plex.sessions(), 1);
  const agents = await plex.agents();
  assert.ok(agents.some((a) => a.identifier === 'com.plexapp.agents.GEVI'));
  assert.match(String(s.requests.at(-1)!.headers.accept), /xml/);
  const plugins = await plex.plugins();
  assert.equal(plugins.length, 3);
  await plex.restartPlugin('com.plexapp.agents.GEVI');
  assert.equal(s.requests.at(-1)!.path, '/:/plugins/com.plexapp.agents.GEVI/restart');
  assert.equal(s.requests.at(-1)!.method, 'GET');
  const prefs = await plex.pluginPrefs('com.plexapp.agents.GEVI');
  assert.equal(prefs.length, 3);
  await plex.setPluginPrefs('com.plexapp.agents.GEVI', { debug: false, searchtype: 'Advanced' });
  const set = s.requests.at(-1)!;
  assert.equal(set.path, '/:/plugins/com.plexapp.agents.GEVI/prefs/set');
  assert.equal(set.query.get('debug'), 'false');
  assert.equal(set.query.get('searchtype'), 'Advanced');
});

test('client identifier is created once and kept in the user config dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  try {
    const a = await loadClientIdentifier(join(dir, 'plexmend'));
    const b = await loadClientIdentifier(join(dir, 'plexmend'));
    assert.equal(a, b);
    assert.match(a, /^plexmend-[0-9a-f-]{36}$/);
    assert.equal((await readFile(join(dir, 'plexmend', 'client-identifier'), 'utf8')).trim(), a);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
