import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { PlexConnection } from '../../src/plex/request.ts';
import { RefreshWatcher, waitForRefresh } from '../../src/plex/refresh-wait.ts';
import { NotificationStream, type SocketFactory } from '../../src/plex/events.ts';
import type { Notification } from '../../src/plex/notifications.ts';
import type { Transport } from '../../src/plex/transport.ts';
import { startFakePlex, type FakePlex, type FakePlexOptions } from './fake-server.ts';

const servers: FakePlex[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function setup(o: FakePlexOptions = {}) {
  const s = await startFakePlex(o);
  servers.push(s);
  const conn = new PlexConnection({ url: s.url, token: s.token, clientIdentifier: 'plexmend-test-wait' });
  return { s, conn };
}
const fast = { pollIntervalMs: 40, quietMs: 300, timeoutMs: 3000, connectTimeoutMs: 1000, backoffMs: 20 };

test('normal refresh: decided by the activity ended frame, correlated by uuid after the keyless started frame', async () => {
  const { s, conn } = await setup();
  const out = await waitForRefresh(conn, '55', fast);
  assert.equal(out.result, 'ended');
  assert.equal(out.decidedBy, 'activity');
  assert.equal(out.activityUuids.length, 1);
  assert.equal(out.context?.exists, true);
  assert.equal(out.streamAtTrigger, true);
  assert.ok(out.frames >= 4, `frames ${out.frames}`);
  assert.ok(out.durationMs < 1500);
  // Subscribed BEFORE triggering: the websocket upgrade happened before the PUT.
  const put = s.requests.findIndex((r) => r.path === '/library/metadata/55/refresh');
  const upgrade = s.requests.findIndex((r) => r.method === 'UPGRADE');
  assert.ok(upgrade >= 0 && put > upgrade, `upgrade #${upgrade}, PUT #${put}`);
  assert.equal(s.wsUpgrades, 1);
  const wsReq = s.requests[upgrade]!;
  assert.equal(wsReq.query.get('X-Plex-Token'), s.token, 'websocket carries the token as query parameter');
});

test('missing file: the ended frame with exists:false gives file_missing', async () => {
  const { conn } = await setup({ refresh: 'missing-file' });
  const out = await waitForRefresh(conn, '56', fast);
  assert.equal(out.result, 'file_missing');
  assert.equal(out.decidedBy, 'activity');
  assert.equal(out.context?.accessible, false);
});

test('refresh that never ends: timed_out at the overall timeout, with polls made', async () => {
  const { conn } = await setup({ refresh: 'never' });
  const t0 = Date.now();
  const out = await waitForRefresh(conn, '57', { ...fast, timeoutMs: 700 });
  assert.equal(out.result, 'timed_out');
  assert.equal(out.decidedBy, 'timeout');
  assert.ok(Date.now() - t0 >= 650);
  assert.ok(out.polls >= 3, `polls ${out.polls}`);
  assert.equal(out.activityUuids.length, 1, 'the started/updated frames were still correlated');
});

test('a refresh Plex never starts (no frame, no activity) is timed_out, not "ended", while the stream is healthy', async () => {
  const { conn } = await setup({ refresh: 'silent' });
  const out = await waitForRefresh(conn, '57', { ...fast, timeoutMs: 800 });
  assert.equal(out.result, 'timed_out');
});

test('websocket dropped mid-refresh: reconnects, and the lost ended frame is covered by /activities polling', async () => {
  const { s, conn } = await setup({ refresh: 'drop-socket', wsDownMs: 150 });
  const errors: Error[] = [];
  const out = await waitForRefresh(conn, '108', { ...fast, quietMs: 600, onStreamError: (e) => errors.push(e) });
  assert.equal(out.result, 'ended');
  assert.equal(out.decidedBy, 'polling');
  assert.equal(out.streamGap, true);
  assert.equal(out.activityUuids.length, 1);
  assert.ok(out.reconnects >= 1, `reconnects ${out.reconnects}`);
  assert.ok(s.wsUpgrades >= 2);
  assert.ok(errors.every((e) => !e.message.includes(s.token)), 'stream errors carry no token');
});

test('timeline state 5 decides when no activity frame is seen', async () => {
  const { conn } = await setup({ refresh: 'timeline-only' });
  const out = await waitForRefresh(conn, '55', fast);
  assert.equal(out.result, 'ended');
  assert.equal(out.decidedBy, 'timeline');
});

test('no websocket at all: polling alone decides after the quiet period', async () => {
  const { conn } = await setup();
  const deadSocket: SocketFactory = () => {
    throw new Error('websockets blocked by a proxy');
  };
  const out = await waitForRefresh(conn, '55', { ...fast, connectTimeoutMs: 100, socketFactory: deadSocket });
  assert.equal(out.streamAtTrigger, false);
  assert.equal(out.result, 'ended');
  assert.equal(out.decidedBy, 'polling');
});

test('one watcher serves concurrent refreshes; snapshot reads the item before and after', async () => {
  const { s, conn } = await setup({ frameDelayMs: 15 });
  const w = new RefreshWatcher(conn, { ...fast, snapshot: true });
  try {
    assert.equal(await w.start(), true);
    const [a, b] = await Promise.all([w.refresh('55'), w.refresh('56')]);
    assert.equal(a.result, 'ended');
    assert.equal(b.result, 'ended');
    assert.notDeepEqual(a.activityUuids, b.activityUuids);
    assert.equal(a.before?.ratingKey, '55');
    assert.equal(b.after?.title, 'Elephants Dream');
    assert.equal(s.wsUpgrades, 1);
  } finally {
    w.close();
  }
});

test('notification stream: wrong token stops reconnecting and reports TokenRejectedError without the token', async () => {
  const { s } = await setup();
  const conn = new PlexConnection({ url: s.url, token: 'bad-token-xyz-123456', clientIdentifier: 'plexmend-test-wait' });
  const errors: Error[] = [];
  const seen: Notification[] = [];
  const stream = new NotificationStream(conn, { onNotification: (n) => seen.push(n), onError: (e) => errors.push(e), backoffMs: 10 });
  assert.equal(await stream.ready(500), false);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(stream.state, 'closed');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.name, 'TokenRejectedError');
  assert.ok(!errors[0]!.message.includes('bad-token-xyz-123456'));
  stream.close();
});

test('notification stream: a throwing callback is reported and the stream lives on', async () => {
  const { s, conn } = await setup();
  const errors: Error[] = [];
  let calls = 0;
  const stream = new NotificationStream(conn, {
    onNotification: () => {
      calls++;
      throw new Error('callback bug');
    },
    onError: (e) => errors.push(e),
  });
  try {
    assert.equal(await stream.ready(1000), true);
    const put = new PlexConnection({ url: s.url, token: s.token, clientIdentifier: 'x-test-0001' });
    await put.request({ method: 'PUT', path: '/library/metadata/55/refresh', format: 'none' });
    await new Promise((r) => setTimeout(r, 250));
    assert.ok(calls >= 5);
    assert.ok(errors.length >= 5 && errors.every((e) => e.message === 'callback bug'));
    assert.equal(stream.state, 'open');
  } finally {
    stream.close();
  }
});

test('virtual clock, polling only: the quiet period and the timeout are measured on the injected clock', async () => {
  let now = 1_000_000;
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  const key = '/library/metadata/77';
  let triggered = 0;
  const activityUntil = { value: 0 };
  const transport: Transport = async (req) => {
    const path = new URL(req.url).pathname;
    let body = '';
    if (req.method === 'PUT' && path === '/library/metadata/77/refresh') triggered = now;
    if (path === '/activities') {
      const running = now < activityUntil.value;
      body = JSON.stringify({ MediaContainer: running ? { size: 1, Activity: [{ uuid: 'u-1', type: 'library.refresh.items', title: 'Refreshing', Context: { key } }] } : { size: 0 } });
    }
    return { status: 200, header: () => undefined, text: async () => body };
  };
  const conn = new PlexConnection({ url: 'http://plex.invalid:32400', token: 'tok-virtual-1', clientIdentifier: 'plexmend-virtual', transport });
  const noSocket: SocketFactory = () => {
    throw new Error('no websocket here');
  };
  activityUntil.value = now + 4000; // the activity is listed for the first 4 s
  const out = await waitForRefresh(conn, '77', { clock, socketFactory: noSocket, connectTimeoutMs: 10, backoffMs: 60_000, pollIntervalMs: 1500, quietMs: 4000, timeoutMs: 120_000 });
  assert.equal(triggered, out.triggeredAt);
  assert.equal(out.result, 'ended');
  assert.equal(out.decidedBy, 'polling');
  // Seen at 1.5 s and 3 s, gone at 4.5 s; quiet 4 s after the last sighting (3 s) → decided at the 7.5 s poll.
  assert.equal(out.durationMs, 7500);
  assert.deepEqual(out.activityUuids, ['u-1']);
  activityUntil.value = Number.POSITIVE_INFINITY; // never ends
  const stuck = await waitForRefresh(conn, '77', { clock, socketFactory: noSocket, connectTimeoutMs: 10, backoffMs: 60_000, pollIntervalMs: 1500, quietMs: 4000, timeoutMs: 120_000 });
  assert.equal(stuck.result, 'timed_out');
  assert.equal(stuck.durationMs, 120_000);
});

test('notification stream heartbeat: a connection that stops answering pings is torn down and reopened', async () => {
  const { EventEmitter } = await import('node:events');
  const sockets: Array<InstanceType<typeof EventEmitter> & { terminated: boolean }> = [];
  const factory: SocketFactory = () => {
    const s = Object.assign(new EventEmitter(), {
      terminated: false,
      close() {
        s.emit('close');
      },
      terminate() {
        s.terminated = true;
        s.emit('close');
      },
      ping() {
        /* a dead peer: no pong ever */
      },
    });
    sockets.push(s);
    setImmediate(() => s.emit('open'));
    return s as never;
  };
  const conn = new PlexConnection({ url: 'http://plex.invalid:32400', token: 'tok-heartbeat-1', clientIdentifier: 'plexmend-heartbeat' });
  const states: string[] = [];
  const stream = new NotificationStream(conn, { onNotification: () => {}, socketFactory: factory, pingIntervalMs: 30, backoffMs: 5, onState: (s) => states.push(s) });
  try {
    assert.equal(await stream.ready(500), true);
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(sockets[0]!.terminated, 'the silent socket was terminated');
    assert.ok(sockets.length >= 2, 'and a new one opened');
    assert.ok(stream.reconnects >= 1);
    assert.ok(states.includes('open') && states.includes('connecting'));
  } finally {
    stream.close();
  }
});
