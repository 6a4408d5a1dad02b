import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml } from '../../src/plex/body.ts';
import { parseSections } from '../../src/plex/library.ts';
import { parseItems, guidAgent, isUnmatchedGuid } from '../../src/plex/metadata.ts';
import { parseActivities } from '../../src/plex/activities.ts';
import { parseMatches } from '../../src/plex/items.ts';
import { parseAgents } from '../../src/plex/agents.ts';
import { parsePlugins, parseSettings } from '../../src/plex/plugins.ts';
import { parseSessions } from '../../src/plex/sessions.ts';
import { parseIdentity } from '../../src/plex/identity.ts';
import { parseNotifications } from '../../src/plex/notifications.ts';
import { parseSse } from '../../src/plex/sse.ts';
import { fixture, fixtureJson } from './fake-server.ts';

test('sections: JSON and XML give the same shape (numbers vs strings, booleans vs "0"/"1")', () => {
  const fromJson = parseSections(fixtureJson('library-sections.json'));
  const fromXml = parseSections(parseXml(fixture('library-sections.xml')));
  assert.equal(fromJson.length, 3);
  assert.equal(fromXml.length, 3);
  assert.deepEqual(fromJson.map((s) => s.key), ['1', '14', '2']);
  assert.deepEqual(fromXml.map((s) => s.key), ['1', '2', '3']);
  assert.equal(fromJson[0]!.agent, 'com.plexapp.agents.imdb');
  assert.equal(fromXml[2]!.agent, 'tv.plex.agents.music');
  assert.deepEqual(fromJson[2]!.locations, ['/Volumes/External/TV Shows']);
  assert.deepEqual(fromXml[0]!.locations, ['/storage/movies']);
  assert.equal(fromXml[0]!.refreshing, false);
  assert.equal(fromJson[0]!.refreshing, false);
  assert.equal(fromXml[0]!.scannedAt, 1605409122);
  assert.equal(fromJson[0]!.scannedAt, 1579536593);
});

test('section listing: legacy guids, Media/Part/@file, cast from Role, missing fields stay undefined', () => {
  const items = parseItems(fixtureJson('section-all-movies-legacy-imdb.json'));
  assert.equal(items.length, 4);
  const bunny = items[0]!;
  assert.equal(bunny.ratingKey, '55');
  assert.equal(bunny.agent, 'com.plexapp.agents.imdb');
  assert.equal(bunny.librarySectionID, '1', 'section id from the container (a number in JSON) as a string');
  assert.deepEqual(bunny.files, ['/data/Movies/Big Buck Bunny (2008).mkv']);
  assert.deepEqual(bunny.cast, []);
  assert.equal(bunny.originallyAvailableAt, '2008-04-10');
  assert.ok(items.some((i) => i.cast.length > 0));
});

test('full item: JSON nested Media/Part and the XML fixture with Part flattened beside Media', () => {
  const j = parseItems(fixtureJson('metadata-item-movie-legacy-imdb.json'))[0]!;
  assert.equal(j.ratingKey, '108');
  assert.equal(j.guid, 'com.plexapp.agents.imdb://tt0165832?lang=en');
  assert.deepEqual(j.files, ['/data/Movies/Interstate 60 (2002).mkv']);
  assert.equal(j.updatedAt, 1663510739);
  const x = parseItems(parseXml(fixture('metadata-item-movie-legacy-imdb.xml')))[0]!;
  assert.equal(x.ratingKey, '1');
  assert.equal(x.year, 2000);
  assert.equal(x.type, 'movie');
  assert.deepEqual(x.files, ['/storage/videos/video.mkv']);
  assert.deepEqual(x.cast, ['Actor 1', 'Actor 2', 'Actor 3']);
  assert.equal(x.librarySectionID, '1');
});

test('children: local:// guids are unmatched; thetvdb episodes carry grandparent guids', () => {
  const tracks = parseItems(fixtureJson('children-tracks-local-guid.json'));
  assert.ok(tracks.length > 0);
  assert.ok(tracks.every((t) => isUnmatchedGuid(t.guid) && t.agent === 'local'));
  assert.equal(tracks[0]!.guid, `local://${tracks[0]!.ratingKey}`);
  const eps = parseItems(fixtureJson('children-episodes-legacy-thetvdb.json'));
  assert.ok(eps.length > 0);
  assert.ok(eps.every((e) => e.agent === 'com.plexapp.agents.thetvdb'));
  assert.equal(guidAgent('plex://movie/5d77'), 'plex');
});

test('activities: XML (scan, Context child element) and JSON (refresh with Context.key)', () => {
  const x = parseActivities(parseXml(fixture('activities.xml')));
  assert.equal(x.length, 1);
  assert.equal(x[0]!.type, 'library.update.section');
  assert.equal(x[0]!.context.librarySectionID, '1');
  assert.equal(x[0]!.cancellable, false);
  assert.equal(x[0]!.progress, 30);
  const j = parseActivities(fixtureJson('activities.json'));
  assert.equal(j[0]!.context.key, '/library/metadata/513');
  assert.equal(j[0]!.context.exists, true);
  assert.deepEqual(parseActivities({ MediaContainer: { size: 0 } }), [], 'idle server omits the list');
});

test('matches: SearchResult attributes (abridged real reply)', () => {
  const r = parseMatches(parseXml(fixture('matches-search-results.xml')));
  assert.equal(r.length, 1);
  assert.equal(r[0]!.guid, 'plex://movie/5d776840999c64001ec317ab');
  assert.equal(r[0]!.name, 'Persuasion');
  assert.equal(r[0]!.year, 1995);
  assert.equal(r[0]!.score, undefined);
  assert.ok(r[0]!.thumb?.includes('&width=225'), 'XML entities decoded');
});

test('system agents, plug-ins, prefs, sessions, identity (assembled in the documented shapes)', () => {
  const agents = parseAgents(parseXml(fixture('assembled-system-agents.xml')));
  assert.equal(agents.length, 5);
  const gevi = agents.find((a) => a.identifier === 'com.plexapp.agents.GEVI')!;
  assert.equal(gevi.primary, false);
  assert.equal(gevi.hasPrefs, true);
  assert.deepEqual(gevi.mediaTypes, [{ mediaType: 1, name: 'Movies', languages: ['en'] }]);
  const none = agents.find((a) => a.identifier === 'com.plexapp.agents.none')!;
  assert.equal(none.mediaTypes.length, 2);
  const plugins = parsePlugins(parseXml(fixture('assembled-plugins.xml')));
  assert.deepEqual(plugins.map((p) => [p.identifier, p.state]), [['com.plexapp.system', '0'], ['com.plexapp.agents.GEVI', '0'], ['com.plexapp.agents.PGMA', '0']]);
  const prefs = parseSettings(parseXml(fixture('assembled-plugin-prefs.xml')));
  assert.deepEqual(prefs.find((s) => s.id === 'searchtype')!.values, ['Simple', 'Advanced']);
  assert.equal(prefs.find((s) => s.id === 'plextoken')!.secure, true);
  assert.equal(prefs.find((s) => s.id === 'debug')!.value, 'true');
  const s = parseSessions(fixtureJson('assembled-status-sessions.json'));
  assert.equal(s.count, 1);
  assert.equal(s.sessions[0]!.player, 'Living Room TV');
  assert.equal(parseSessions({ MediaContainer: { size: 0 } }).count, 0);
  const id = parseIdentity(fixtureJson('assembled-identity.json'));
  assert.equal(id.claimed, true);
  assert.match(id.version, /^1\.40/);
});

test('notifications: the recorded refresh frames, the missing-file ended frame, timeline ids as strings, SSE without wrapper', () => {
  const frames = fixture('ws-activity-refresh-item.jsonl').trim().split('\n').flatMap((l) => parseNotifications(l));
  assert.deepEqual(frames.map((f) => (f.kind === 'activity' ? f.event : f.kind)), ['started', 'updated', 'updated', 'updated', 'ended']);
  const first = frames[0]!;
  assert.ok(first.kind === 'activity' && first.activity.context.key === undefined, 'started carries no Context');
  const last = frames[4]!;
  assert.ok(last.kind === 'activity' && last.activity.context.key === '/library/metadata/513' && last.activity.context.exists === true);
  const missing = parseNotifications(fixture('ws-activity-refresh-ended-missing-file.json'))[0]!;
  assert.ok(missing.kind === 'activity' && missing.activity.context.exists === false && missing.activity.context.accessible === false);
  const tl = fixture('ws-timeline-assembled.jsonl').trim().split('\n').flatMap((l) => parseNotifications(l));
  assert.ok(tl[1]!.kind === 'timeline' && tl[1]!.itemID === '513' && tl[1]!.state === 5);
  const numeric = parseNotifications({ NotificationContainer: { type: 'timeline', TimelineEntry: [{ itemID: 513, state: 5, sectionID: 1 }] } })[0]!;
  assert.ok(numeric.kind === 'timeline' && numeric.itemID === '513' && numeric.sectionID === '1');
  const sseData = fixture('sse-eventsource-notifications.txt').split('\n').filter((l) => l.startsWith('data: {"Activity'));
  const sse = parseNotifications(sseData[0]!.slice(6), 'activity')[0]!;
  assert.ok(sse.kind === 'activity' && sse.activity.context.key === '/library/collections/204922/children');
  const log = parseNotifications(fixture('ws-log-notification.json'))[0]!;
  assert.ok(log.kind === 'other' && log.type === 'log');
});

test('SSE framing: the recorded event stream splits into ping, activity and playing events; partial blocks wait', () => {
  const text = fixture('sse-eventsource-notifications.txt');
  const { events, rest } = parseSse(text);
  assert.deepEqual(events.map((e) => e.event), ['ping', 'activity', 'playing']);
  const act = parseNotifications(events[1]!.data, 'activity')[0]!;
  assert.ok(act.kind === 'activity' && act.event === 'updated');
  assert.equal(rest.trim(), '');
  const half = parseSse('event: activity\r\ndata: {"a"');
  assert.deepEqual(half.events, []);
  assert.equal(parseSse(half.rest + ':1}\n\n').events[0]!.data, '{"a":1}');
});
