import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activityFrame, PRIMARY, SITE_A, SITE_B, startRig, subscribe } from './pms-helpers.ts';

test('a refresh sends started → updated → ended for one uuid, with Context.key and a timeline state 5', async () => {
  const rig = await startRig();
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
  try {
    const res = await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    const started = await ws.waitFor(activityFrame('started'));
    const uuid = started.ActivityNotification[0].uuid as string;
    assert.equal(started.ActivityNotification[0].Activity.type, 'library.refresh.items');
    assert.equal(started.ActivityNotification[0].Activity.Context, undefined, 'started carries no Context, as captured');
    const ended = await ws.waitFor(activityFrame('ended', uuid));
    const act = ended.ActivityNotification[0].Activity;
    assert.equal(act.uuid, uuid);
    assert.equal(act.progress, 100);
    assert.deepEqual(Object.keys(act.Context), ['accessible', 'analyzed', 'exists', 'key', 'refreshed']);
    assert.equal(act.Context.key, '/library/metadata/101');
    assert.equal(act.Context.exists, true);
    const ours = ws.frames.filter((f) => f.type === 'activity' && f.ActivityNotification[0].uuid === uuid);
    assert.deepEqual(ours.map((f) => f.ActivityNotification[0].event), ['started', 'updated', 'updated', 'updated', 'ended']);
    assert.deepEqual(ours.map((f) => f.ActivityNotification[0].Activity.progress), [0, 0, 33, 66, 100]);
    const t5 = await ws.waitFor((f) => f.type === 'timeline' && f.TimelineEntry[0].itemID === '101' && f.TimelineEntry[0].state === 5);
    assert.equal(t5.TimelineEntry[0].identifier, 'com.plexapp.plugins.library');
    assert.equal(t5.TimelineEntry[0].sectionID, '1');
  } finally {
    ws.close();
    await rig.emu.close();
  }
});

test('a refresh runs the primary then the contributors in order and merges their fields; updatedAt moves', async () => {
  const rig = await startRig();
  try {
    const before = (await (await rig.get('/library/metadata/101', { json: true })).json()).MediaContainer.Metadata[0];
    assert.equal(before.guid, 'local://101');
    assert.equal(before.summary, '');
    assert.equal(before.thumb, undefined);
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await rig.emu.state.queue.idle();
    const after = (await (await rig.get('/library/metadata/101', { json: true })).json()).MediaContainer.Metadata[0];
    assert.equal(after.guid, `${PRIMARY}://101?lang=en`);
    assert.equal(after.studio, 'Studio A');
    assert.equal(after.summary, 'summary from A for A-101', 'SiteA comes before SiteB, so its summary wins');
    assert.equal(after.originallyAvailableAt, '2019-05-01', 'SiteB still fills what SiteA left empty');
    assert.deepEqual(after.Role.map((r: { tag: string }) => r.tag), ['Actor One']);
    assert.deepEqual(after.Genre.map((g: { tag: string }) => g.tag), ['Drama']);
    assert.ok(after.updatedAt > before.updatedAt);
    assert.equal(after.thumb, `/library/metadata/101/thumb/${after.updatedAt}`);
    // Order of calls: primary search, primary update, A search, A update, B search, B update.
    assert.deepEqual(rig.primary.calls.map((c) => c.op), ['search', 'update']);
    assert.deepEqual(rig.siteA.calls.map((c) => c.op), ['search', 'update']);
    assert.equal(rig.siteA.calls[0]!.guid, `${PRIMARY}://101?lang=en`, 'contributors get the primary guid');
    assert.deepEqual(rig.siteB.calls.map((c) => c.op), ['search', 'update']);
    const record = rig.emu.state.queue.done.at(-1)!;
    assert.deepEqual(record.run!.steps.filter((s) => s.ok).map((s) => `${s.agent}:${s.phase}`),
      [`${PRIMARY}:search`, `${SITE_A}:search`, `${SITE_A}:update`, `${SITE_B}:search`, `${SITE_B}:update`]);
  } finally {
    await rig.emu.close();
  }
});

test('an item the primary cannot match stays local:// and no contributor runs; a site that finds nothing contributes nothing', async () => {
  const rig = await startRig();
  try {
    await rig.get('/library/metadata/104/refresh', { method: 'PUT' });
    await rig.get('/library/metadata/102/refresh', { method: 'PUT' });
    await rig.emu.state.queue.idle();
    const items = (await (await rig.get('/library/metadata/104,102', { json: true })).json()).MediaContainer.Metadata;
    const byKey = Object.fromEntries(items.map((i: { ratingKey: string }) => [i.ratingKey, i]));
    assert.equal(byKey['104'].guid, 'local://104');
    assert.equal(rig.siteA.calls.filter((c) => c.mediaId === '104').length, 0);
    assert.equal(byKey['102'].guid, `${PRIMARY}://102?lang=en`);
    assert.equal(byKey['102'].studio, undefined, 'SiteA found nothing for Beta Film');
    assert.equal(byKey['102'].summary, 'summary from B');
  } finally {
    await rig.emu.close();
  }
});

test('a missing file ends with exists:false and runs no agent', async () => {
  const rig = await startRig();
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
  try {
    await rig.get('/library/metadata/105/refresh', { method: 'PUT' });
    const ended = await ws.waitFor(activityFrame('ended'));
    assert.deepEqual(ended.ActivityNotification[0].Activity.Context,
      { accessible: false, analyzed: false, exists: false, key: '/library/metadata/105', refreshed: false });
    assert.equal(rig.primary.calls.length, 0);
  } finally {
    ws.close();
    await rig.emu.close();
  }
});

test('/activities lists a running refresh with its Context.key, and is empty once it ended', async () => {
  const rig = await startRig({ stepDelayMs: 300 });
  try {
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    const xml = await (await rig.get('/activities')).text();
    assert.match(xml, /<Activity uuid="[0-9a-f-]{36}" type="library\.refresh\.items" cancellable="0" userID="1" title="Refreshing"/);
    const json = (await (await rig.get('/activities', { json: true })).json()).MediaContainer;
    assert.equal(json.size, 1);
    assert.equal(json.Activity[0].Context.key, '/library/metadata/101');
    assert.equal(json.Activity[0].cancellable, false);
    await rig.emu.state.queue.idle();
    assert.deepEqual((await (await rig.get('/activities', { json: true })).json()), { MediaContainer: { size: 0 } });
  } finally {
    await rig.emu.close();
  }
});

test('refreshes run with bounded concurrency and a queued duplicate is merged', async () => {
  const rig = await startRig({ refreshConcurrency: 1, stepDelayMs: 20 });
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
  try {
    await rig.get('/library/metadata/101,102,103/refresh', { method: 'PUT' });
    await rig.get('/library/metadata/103/refresh', { method: 'PUT' });
    await rig.emu.state.queue.idle();
    await ws.waitFor(() => ws.frames.filter(activityFrame('ended')).length === 3);
    const events = ws.frames.filter((f) => f.type === 'activity').map((f) => f.ActivityNotification[0]);
    assert.equal(events.filter((e) => e.event === 'started').length, 3, 'the second PUT for 103 joined the queued one');
    // With one at a time, each "Checking files" comes after the previous activity ended.
    const order = events.filter((e) => e.event === 'ended' || e.Activity.subtitle === 'Checking files').map((e) => e.event);
    assert.deepEqual(order, ['updated', 'ended', 'updated', 'ended', 'updated', 'ended']);
  } finally {
    ws.close();
    await rig.emu.close();
  }
});

test('matches, match and unmatch follow Plex: SearchResult list, guid set then refreshed, back to local://', async () => {
  const rig = await startRig();
  try {
    const xml = await (await rig.get('/library/metadata/102/matches?manual=1&title=Beta%20Film%20Renamed&year=2020')).text();
    assert.match(xml, new RegExp(`<SearchResult type="movie" guid="${PRIMARY.replace(/\./g, '\\.')}://102\\?lang=en" name="Beta Film Renamed" score="86" />`));
    assert.equal(rig.primary.calls.at(-1)!.manual, true);
    const put = await rig.get(`/library/metadata/102/match?guid=${encodeURIComponent(`${PRIMARY}://999?lang=en`)}&name=Beta`, { method: 'PUT' });
    assert.equal(put.status, 200);
    await rig.emu.state.queue.idle();
    let item = (await (await rig.get('/library/metadata/102', { json: true })).json()).MediaContainer.Metadata[0];
    assert.equal(item.guid, `${PRIMARY}://999?lang=en`);
    assert.equal(rig.primary.calls.at(-1)!.id, '999', 'the primary updates with the chosen match');
    assert.equal(item.summary, 'summary from B');
    await rig.get('/library/metadata/102/unmatch', { method: 'PUT' });
    item = (await (await rig.get('/library/metadata/102', { json: true })).json()).MediaContainer.Metadata[0];
    assert.equal(item.guid, 'local://102');
    assert.equal(item.summary, '');
    assert.equal((await rig.get('/library/metadata/102/match', { method: 'PUT' })).status, 400, 'match without guid');
  } finally {
    await rig.emu.close();
  }
});

test('section refresh with force=1 queues every item; a plain scan is a library.update.section activity', async () => {
  const rig = await startRig();
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
  try {
    assert.equal((await rig.get('/library/sections/1/refresh')).status, 200);
    const scan = await ws.waitFor(activityFrame('ended'));
    assert.equal(scan.ActivityNotification[0].Activity.type, 'library.update.section');
    assert.deepEqual(scan.ActivityNotification[0].Activity.Context, { librarySectionID: 1 });
    assert.equal(rig.primary.calls.length, 0);
    await rig.get('/library/sections/1/refresh?force=1');
    await rig.emu.state.queue.idle();
    assert.deepEqual(rig.emu.state.queue.done.map((d) => d.ratingKey).sort(), ['101', '102', '103', '104', '105']);
    assert.equal((await rig.get('/library/sections/9/refresh')).status, 404);
  } finally {
    ws.close();
    await rig.emu.close();
  }
});

test('the agent order set with PUT /system/agents/<primary>/config/1?order= decides whose fields win', async () => {
  const rig = await startRig();
  try {
    const order = `${PRIMARY},${SITE_B},${SITE_A}`;
    assert.equal((await rig.get(`/system/agents/${PRIMARY}/config/1?order=${encodeURIComponent(order)}`, { method: 'PUT' })).status, 200);
    assert.match(await (await rig.get(`/system/agents/${PRIMARY}/config/1`)).text(),
      new RegExp(`<Agent identifier="${SITE_B.replace(/\./g, '\\.')}" enabled="1" />\\n<Agent identifier="${SITE_A.replace(/\./g, '\\.')}"`));
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await rig.emu.state.queue.idle();
    const item = (await (await rig.get('/library/metadata/101', { json: true })).json()).MediaContainer.Metadata[0];
    assert.equal(item.summary, 'summary from B', 'SiteB now comes first');
    assert.equal(item.studio, 'Studio A', 'SiteA still fills what SiteB leaves empty');
    assert.ok(rig.siteB.calls.length > 0 && rig.siteA.calls.length > 0);
  } finally {
    await rig.emu.close();
  }
});
