import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoSetup, startPmsEmulator } from '../../src/sandbox/pms/index.ts';
import { activityFrame, startRig, subscribe } from './pms-helpers.ts';

test('fault: a stalled refresh never ends and stays listed on /activities', async () => {
  const rig = await startRig();
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
  try {
    rig.emu.faults.stallRefreshes(['101']);
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await rig.get('/library/metadata/102/refresh', { method: 'PUT' });
    await ws.waitFor((f) => f.type === 'activity' && f.ActivityNotification[0].event === 'ended');
    await new Promise((r) => setTimeout(r, 150));
    const ended = ws.frames.filter(activityFrame('ended')).map((f) => f.ActivityNotification[0].Activity.Context.key);
    assert.deepEqual(ended, ['/library/metadata/102'], 'only the healthy item ended');
    const acts = (await (await rig.get('/activities', { json: true })).json()).MediaContainer;
    assert.equal(acts.size, 1);
    assert.equal(acts.Activity[0].Context.key, '/library/metadata/101');
    assert.equal(acts.Activity[0].subtitle, 'Checking files');
    assert.equal(rig.primary.calls.filter((c) => c.mediaId === '101').length, 0);
  } finally {
    ws.close();
    await rig.emu.close();
  }
});

test('fault: the websocket drops mid-refresh; the refresh still ends, a new subscriber and /activities see it', async () => {
  const rig = await startRig({ stepDelayMs: 60 });
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
  try {
    rig.emu.faults.dropWebsocketsOnRefresh();
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await ws.closed;
    assert.ok(ws.frames.some(activityFrame('started')), 'the started frame came before the drop');
    assert.ok(!ws.frames.some(activityFrame('ended')));
    const again = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
    try {
      const ended = await again.waitFor(activityFrame('ended'));
      assert.equal(ended.ActivityNotification[0].Activity.Context.key, '/library/metadata/101');
    } finally {
      again.close();
    }
  } finally {
    ws.close();
    await rig.emu.close();
  }
});

test('fault: planned 500s answer the next matching requests, then the route works again', async () => {
  const rig = await startRig();
  try {
    rig.emu.faults.failRequests('/library/sections', { count: 2 });
    rig.emu.faults.failRequests(/\/refresh$/, { status: 503, method: 'PUT' });
    assert.equal((await rig.get('/library/sections')).status, 500);
    assert.equal((await rig.get('/library/sections/1/all')).status, 500);
    assert.equal((await rig.get('/library/sections')).status, 200);
    assert.equal((await rig.get('/library/metadata/101/refresh', { method: 'PUT' })).status, 503);
    assert.equal(rig.emu.state.queue.pending, 0, 'a refused refresh queues nothing');
    assert.equal((await rig.get('/library/metadata/101/refresh', { method: 'PUT' })).status, 200);
  } finally {
    await rig.emu.close();
  }
});

test('fault: a server restart mid-refresh cuts connections and loses the refresh; the server comes back on the same URL', async () => {
  const rig = await startRig({ stepDelayMs: 80 });
  const ws = await subscribe(rig.emu.url, `?X-Plex-Token=${rig.emu.token}`);
  const url = rig.emu.url;
  try {
    await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
    await ws.waitFor(activityFrame('started'));
    const restarting = rig.emu.restart(1500);
    await ws.closed;
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(fetch(`${url}/identity`), 'the server is down during the restart');
    await restarting;
    assert.equal(rig.emu.url, url);
    assert.equal((await fetch(`${url}/identity`)).status, 200);
    assert.deepEqual(await (await rig.get('/activities', { json: true })).json(), { MediaContainer: { size: 0 } });
    assert.ok(!ws.frames.some(activityFrame('ended')));
    await new Promise((r) => setTimeout(r, 400));
    const item = (await (await rig.get('/library/metadata/101', { json: true })).json()).MediaContainer.Metadata[0];
    assert.equal(item.guid, 'local://101', 'the lost refresh changed nothing');
    // A refresh after the restart works end to end.
    const again = await subscribe(url, `?X-Plex-Token=${rig.emu.token}`);
    try {
      await rig.get('/library/metadata/101/refresh', { method: 'PUT' });
      await again.waitFor(activityFrame('ended'));
    } finally {
      again.close();
    }
  } finally {
    ws.close();
    await rig.emu.close();
  }
});

test('fault: slow answers', async () => {
  const rig = await startRig();
  try {
    rig.emu.faults.latencyMs = 600;
    const t0 = Date.now();
    assert.equal((await rig.get('/identity', { token: null })).status, 200);
    assert.ok(Date.now() - t0 >= 590);
    rig.emu.faults.reset();
    const t1 = Date.now();
    await rig.get('/identity', { token: null });
    assert.ok(Date.now() - t1 < 590);
  } finally {
    await rig.emu.close();
  }
});

test('a port already in use fails the start and leaves no plug-in running', async () => {
  const rig = await startRig();
  const port = Number(new URL(rig.emu.url).port);
  const demo = demoSetup();
  try {
    await assert.rejects(startPmsEmulator({ ...demo, port, plistPollMs: 10 }), /EADDRINUSE/);
    assert.equal(demo.primary.running, false);
    assert.equal(demo.siteA.running, false);
  } finally {
    await rig.emu.close();
  }
});
