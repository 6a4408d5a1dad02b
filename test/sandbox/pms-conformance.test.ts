/**
 * Conformance: the emulator's answers have the structure of the responses recorded from real servers
 * (test/fixtures/plex-api/): every key the emulator sends exists at the same place in the recording with
 * the same JSON type (ratingKey a string, librarySectionID a number, booleans real booleans…), XML element
 * and attribute names likewise, and the keys plexmend reads are present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { activityFrame, fixture, startRig, subscribe } from './pms-helpers.ts';

type Shape = Map<string, string>;

/** Path → JSON type for every value in a document (array elements merged under `[]`). */
function shape(value: unknown, path = '', out: Shape = new Map()): Shape {
  if (Array.isArray(value)) {
    out.set(path, 'array');
    for (const v of value) shape(v, `${path}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    out.set(path, 'object');
    for (const [k, v] of Object.entries(value)) shape(v, `${path}.${k}`, out);
  } else {
    out.set(path, typeof value);
  }
  return out;
}

/** Every path of `ours` exists in `recorded` with the same type; returns the differences. */
function notInRecording(ours: Shape, recorded: Shape, ignore: RegExp[] = []): string[] {
  const bad: string[] = [];
  for (const [p, t] of ours) {
    if (ignore.some((re) => re.test(p))) continue;
    if (!recorded.has(p)) bad.push(`${p} (${t}) not in recording`);
    else if (recorded.get(p) !== t) bad.push(`${p}: ${t}, recording has ${recorded.get(p)}`);
  }
  return bad;
}

function assertPaths(s: Shape, paths: string[]): void {
  for (const p of paths) assert.ok(s.has(p), `missing ${p}`);
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseAttributeValue: false, isArray: (name, _jpath, _leaf, isAttribute) => !isAttribute && name !== 'MediaContainer' });

test('GET /library/sections matches the recorded JSON and XML', async () => {
  const rig = await startRig();
  try {
    const ours = shape(await (await rig.get('/library/sections', { json: true })).json());
    const rec = shape(JSON.parse(fixture('library-sections.json')));
    assert.deepEqual(notInRecording(ours, rec), []);
    assertPaths(ours, ['.MediaContainer.Directory[].key', '.MediaContainer.Directory[].agent', '.MediaContainer.Directory[].Location[].path']);
    const oursXml = shape(xml.parse(await (await rig.get('/library/sections')).text()));
    const recXml = shape(xml.parse(fixture('library-sections.xml')));
    assert.deepEqual(notInRecording(oursXml, recXml, [/^\.\?xml/]), []);
    assertPaths(oursXml, ['.MediaContainer.Directory[].@agent', '.MediaContainer.Directory[].@refreshing']);
    const text = await (await rig.get('/library/sections')).text();
    assert.match(text, /allowSync="1"/, 'XML booleans are 1/0');
    assert.match(text, /refreshing="0"/);
  } finally {
    await rig.emu.close();
  }
});

test('GET /library/sections/1/all matches the recorded listing (JSON), once items carry agent metadata', async () => {
  const rig = await startRig();
  try {
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await rig.emu.state.queue.idle();
    const body = await (await rig.get('/library/sections/1/all?type=1&includeGuids=1', { json: true })).json();
    const ours = shape(body);
    const rec = shape(JSON.parse(fixture('section-all-movies-legacy-imdb.json')));
    assert.deepEqual(notInRecording(ours, rec), []);
    assertPaths(ours, ['.MediaContainer.librarySectionID', '.MediaContainer.Metadata[].ratingKey', '.MediaContainer.Metadata[].guid',
      '.MediaContainer.Metadata[].Media[].Part[].file', '.MediaContainer.Metadata[].updatedAt', '.MediaContainer.Metadata[].Role[].tag']);
    assert.equal(typeof body.MediaContainer.librarySectionID, 'number');
    assert.equal(typeof body.MediaContainer.Metadata[0].ratingKey, 'string');
  } finally {
    await rig.emu.close();
  }
});

test('GET /library/metadata/<id> matches the recorded item (JSON and XML), Media/Part/Stream nested', async () => {
  const rig = await startRig();
  try {
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await rig.emu.state.queue.idle();
    const ours = shape(await (await rig.get('/library/metadata/101', { json: true })).json());
    const rec = shape(JSON.parse(fixture('metadata-item-movie-legacy-imdb.json')));
    assert.deepEqual(notInRecording(ours, rec, [/\.Collection/]), []);
    assertPaths(ours, ['.MediaContainer.Metadata[].librarySectionID', '.MediaContainer.Metadata[].Media[].Part[].Stream[].streamType',
      '.MediaContainer.Metadata[].Role[].role', '.MediaContainer.Metadata[].Role[].id']);
    const oursXml = shape(xml.parse(await (await rig.get('/library/metadata/101')).text()));
    // The XML recording flattens Media/Part/Stream (its caveat); compare the Video element and its tags.
    const recXml = shape(xml.parse(fixture('metadata-item-movie-legacy-imdb.xml')));
    assert.deepEqual(notInRecording(oursXml, recXml, [/^\.\?xml/, /\.Video\[\]\.Media\[\]\./, /\.Collection/]), []);
    assertPaths(oursXml, ['.MediaContainer.Video[].@ratingKey', '.MediaContainer.Video[].@guid', '.MediaContainer.Video[].Media[].Part[].@file']);
  } finally {
    await rig.emu.close();
  }
});

test('an unmatched item has a local://<ratingKey> guid and no Guid list; empty lists are omitted', async () => {
  const rig = await startRig();
  try {
    const item = (await (await rig.get('/library/metadata/104', { json: true })).json()).MediaContainer.Metadata[0];
    assert.equal(item.guid, 'local://104');
    assert.equal(item.Guid, undefined);
    assert.equal(item.Role, undefined);
    assert.equal(item.Genre, undefined);
    assert.equal(item.summary, '');
    const empty = await (await rig.get('/library/sections/1/all?type=2', { json: true })).json();
    assert.deepEqual(empty, { MediaContainer: { ...empty.MediaContainer, size: 0 } });
    assert.equal(empty.MediaContainer.Metadata, undefined);
  } finally {
    await rig.emu.close();
  }
});

test('/activities and the refresh frames match the recorded shapes', async () => {
  const rig = await startRig({ stepDelayMs: 250 });
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
  try {
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await ws.waitFor((f) => f.type === 'activity' && f.ActivityNotification[0].Activity.progress === 33);
    const ours = shape(await (await rig.get('/activities', { json: true })).json());
    // refreshed/analyzed appear in the recorded frames' Context (see below), not in this one sample.
    assert.deepEqual(notInRecording(ours, shape(JSON.parse(fixture('activities.json'))), [/\.Context\.(refreshed|analyzed)$/]), []);
    const oursXml = shape(xml.parse(await (await rig.get('/activities')).text()));
    assert.deepEqual(notInRecording(oursXml, shape(xml.parse(fixture('activities.xml'))), [/^\.\?xml/, /\.Context\[\]\.@(key|accessible|exists|refreshed|analyzed)$/]), []);
    await ws.waitFor(activityFrame('ended'));
    const recorded = fixture('ws-activity-refresh-item.jsonl').trim().split('\n').map((l) => JSON.parse(l).NotificationContainer);
    const recShape = new Map<string, string>();
    for (const f of recorded) for (const [k, v] of shape(f)) recShape.set(k, v);
    for (const f of ws.frames.filter((x) => x.type === 'activity')) assert.deepEqual(notInRecording(shape(f), recShape), []);
    const timelineRec = new Map<string, string>();
    for (const l of fixture('ws-timeline-assembled.jsonl').trim().split('\n')) for (const [k, v] of shape(JSON.parse(l).NotificationContainer)) timelineRec.set(k, v);
    const timelines = ws.frames.filter((x) => x.type === 'timeline');
    assert.ok(timelines.length >= 2);
    for (const f of timelines) assert.deepEqual(notInRecording(shape(f), timelineRec), []);
  } finally {
    ws.close();
    await rig.emu.close();
  }
});

test('matches answer SearchResult elements like the recorded reply; identity, sessions, agents, plug-ins, prefs like the assembled ones', async () => {
  const rig = await startRig();
  try {
    const ours = shape(xml.parse(await (await rig.get('/library/metadata/101/matches?manual=1')).text()));
    assert.deepEqual(notInRecording(ours, shape(xml.parse(fixture('matches-search-results.xml'))), [/^\.\?xml/, /@score$/]), []);
    const identity = await (await rig.get('/identity', { json: true, token: null })).json();
    assert.deepEqual(notInRecording(shape(identity), shape(JSON.parse(fixture('assembled-identity.json')))), []);
    rig.emu.setSessions([{ user: 'owner', ratingKey: '101', title: 'Alpha Film', state: 'playing' }]);
    const sessions = shape(await (await rig.get('/status/sessions', { json: true })).json());
    assert.deepEqual(notInRecording(sessions, shape(JSON.parse(fixture('assembled-status-sessions.json'))),
      [/\.sessionKey$/, /\.librarySectionID$/, /\.Player\.local$/]), []);
    const agents = shape(xml.parse(await (await rig.get('/system/agents')).text()));
    assert.deepEqual(notInRecording(agents, shape(xml.parse(fixture('assembled-system-agents.xml'))), [/^\.\?xml/]), []);
    const plugins = shape(xml.parse(await (await rig.get('/:/plugins')).text()));
    assert.deepEqual(notInRecording(plugins, shape(xml.parse(fixture('assembled-plugins.xml'))), [/^\.\?xml/, /@name$/]), []);
  } finally {
    await rig.emu.close();
  }
});
