import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startRig, subscribe } from './pms-helpers.ts';

test('every route but /identity needs the token: 401 with a text/html page; header or query parameter both work', async () => {
  const rig = await startRig();
  try {
    for (const path of ['/library/sections', '/library/metadata/101', '/activities', '/:/plugins', '/system/agents', '/status/sessions', '/nope']) {
      const res = await rig.get(path, { token: null });
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await res.text(), /<h1>401 Unauthorized<\/h1>/);
    }
    assert.equal((await rig.get('/library/sections', { token: 'wrong' })).status, 401);
    assert.equal((await rig.get('/library/metadata/101/refresh', { token: null, method: 'PUT' })).status, 401);
    const id = await rig.get('/identity', { token: null });
    assert.equal(id.status, 200);
    assert.match(await id.text(), /<MediaContainer size="0" apiVersion="1.1.1" claimed="1" machineIdentifier="[0-9a-f]+" version="[\d.]+-[0-9a-f]+" \/>/);
    const byQuery = await fetch(`${rig.emu.url}/library/sections?X-Plex-Token=${rig.emu.token}`);
    assert.equal(byQuery.status, 200);
    assert.match(byQuery.headers.get('content-type') ?? '', /text\/xml/);
    assert.equal((await rig.get('/library/metadata/999')).status, 404);
    const head = await rig.get('/identity', { method: 'HEAD', token: null });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await rig.get('/library/sections/7/all')).status, 404);
  } finally {
    await rig.emu.close();
  }
});

test('the websocket refuses a missing token and accepts it as query parameter or header', async () => {
  const rig = await startRig();
  const wsUrl = rig.emu.url.replace('http', 'ws') + '/:/websockets/notifications';
  const open = (url: string, headers?: Record<string, string>) => new Promise<string>((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('unexpected-response', (_req, res) => { resolve(String(res.statusCode)); ws.terminate(); });
    ws.on('error', () => resolve('error'));
  });
  try {
    assert.equal(await open(wsUrl), '401');
    assert.equal(await open(`${wsUrl}?X-Plex-Token=${rig.emu.token}`), 'open');
    assert.equal(await open(wsUrl, { 'X-Plex-Token': rig.emu.token }), 'open');
  } finally {
    await rig.emu.close();
  }
});

test('section listing pages with X-Plex-Container-Start/Size (headers or query) and reports totalSize', async () => {
  const rig = await startRig();
  try {
    const res = await rig.get('/library/sections/1/all', { json: true, headers: { 'X-Plex-Container-Start': '1', 'X-Plex-Container-Size': '2' } });
    assert.equal(res.headers.get('x-plex-container-start'), '1');
    assert.equal(res.headers.get('x-plex-container-total-size'), '5');
    const mc = (await res.json()).MediaContainer;
    assert.equal(mc.size, 2);
    assert.equal(mc.totalSize, 5);
    assert.equal(mc.offset, 1);
    assert.deepEqual(mc.Metadata.map((m: { ratingKey: string }) => m.ratingKey), ['102', '103']);
    const last = (await (await rig.get('/library/sections/1/all?X-Plex-Container-Start=4&X-Plex-Container-Size=100', { json: true })).json()).MediaContainer;
    assert.deepEqual(last.Metadata.map((m: { ratingKey: string }) => m.ratingKey), ['105']);
    const none = (await (await rig.get('/library/sections/1/all?X-Plex-Container-Start=0&X-Plex-Container-Size=0', { json: true })).json()).MediaContainer;
    assert.equal(none.size, 0);
    assert.equal(none.totalSize, 5);
    const unpaged = (await (await rig.get('/library/sections/1/all', { json: true })).json()).MediaContainer;
    assert.equal(unpaged.totalSize, undefined);
    assert.equal(unpaged.size, 5);
  } finally {
    await rig.emu.close();
  }
});

test('listing filters: title (substring, any case), year, type, unmatched', async () => {
  const rig = await startRig();
  const keys = async (q: string) => ((await (await rig.get(`/library/sections/1/all?${q}`, { json: true })).json()).MediaContainer.Metadata ?? [])
    .map((m: { ratingKey: string }) => m.ratingKey);
  try {
    assert.deepEqual(await keys('type=1&title=film'), ['101', '102']);
    assert.deepEqual(await keys('type=1&year=2020'), ['102', '103']);
    assert.deepEqual(await keys('type=2'), []);
    assert.deepEqual(await keys('unmatched=1'), ['101', '102', '103', '104', '105']);
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await rig.emu.state.queue.idle();
    assert.deepEqual(await keys('type=1&unmatched=1'), ['102', '103', '104', '105']);
    assert.deepEqual(await keys('unmatched=0'), ['101']);
    const all = (await (await rig.get('/library/all?title=another', { json: true })).json()).MediaContainer;
    assert.deepEqual(all.Metadata.map((m: { ratingKey: string }) => m.ratingKey), ['103']);
  } finally {
    await rig.emu.close();
  }
});

test('/status/sessions reports whether someone is watching', async () => {
  const rig = await startRig();
  try {
    assert.deepEqual(await (await rig.get('/status/sessions', { json: true })).json(), { MediaContainer: { size: 0 } });
    rig.emu.setSessions([{ user: 'owner', ratingKey: '101', title: 'Alpha Film', state: 'playing' }]);
    const mc = (await (await rig.get('/status/sessions', { json: true })).json()).MediaContainer;
    assert.equal(mc.size, 1);
    assert.equal(mc.Metadata[0].ratingKey, '101');
    assert.deepEqual(mc.Metadata[0].User, { id: '1', title: 'owner' });
    assert.equal(mc.Metadata[0].Player.state, 'playing');
    assert.match(await (await rig.get('/status/sessions')).text(), /<Video ratingKey="101"[^>]*>\n<User id="1" title="owner" \/>/);
  } finally {
    await rig.emu.close();
  }
});

test('SSE /:/eventsource/notifications sends ping, then activity events without the NotificationContainer wrapper', async () => {
  const rig = await startRig();
  try {
    const res = await rig.get('/:/eventsource/notifications', { headers: { Accept: 'text/event-stream' } });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (re: RegExp) => {
      while (!re.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/^event: ping\ndata: \{\}\n\n/);
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await readUntil(/"event":"ended"/);
    const events = text.split('\n\n').filter((b) => b.startsWith('event: activity'));
    const first = JSON.parse(events[0]!.split('\ndata: ')[1]!);
    assert.equal(first.ActivityNotification.event, 'started', 'one object, not an array');
    assert.equal(first.NotificationContainer, undefined);
    assert.ok(!text.includes('event: log'));
    await reader.cancel();
  } finally {
    await rig.emu.close();
  }
});

test('websocket filters: filters=timeline sends only timeline frames', async () => {
  const rig = await startRig();
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}&filters=timeline`);
  try {
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await ws.waitFor((f) => f.type === 'timeline' && f.TimelineEntry[0].state === 5);
    assert.ok(ws.frames.length >= 2);
    assert.ok(ws.frames.every((f) => f.type === 'timeline'));
  } finally {
    ws.close();
    await rig.emu.close();
  }
});
