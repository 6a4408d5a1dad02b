/**
 * The Plex client against the sandbox's PMS emulator (src/sandbox/pms/, engineer D) with its in-memory demo
 * library: the client must not be able to tell it from Plex. Every call, and the error paths.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPmsEmulator, demoSetup, readBundleInfo, MemoryPlugin, DEMO_PRIMARY, DEMO_SITE_A, DEMO_SITE_B, type PmsEmulator } from '../../src/sandbox/pms/index.ts';
import { PlexClient, TokenRejectedError } from '../../src/plex/index.ts';
import { survey } from '../../src/plex/survey.ts';
import { sseSocketFactory } from '../../src/plex/sse.ts';

let emu: PmsEmulator;
let plex: PlexClient;
const fast = { pollIntervalMs: 50, quietMs: 400, timeoutMs: 5000, connectTimeoutMs: 2000, backoffMs: 20 };

before(async () => {
  const demo = demoSetup();
  emu = await startPmsEmulator({ library: demo.library, plugins: demo.plugins, plistPollMs: false, stepDelayMs: 5 });
  plex = new PlexClient({ url: emu.url, token: emu.token, clientIdentifier: 'plexmend-emulator-test', retries: 1, backoffMs: 20 });
});
after(async () => emu?.close());

test('identity, sections and paged items, item with file, title and file search', async () => {
  const id = await plex.identity();
  assert.ok(id.version.length > 0);
  const sections = await plex.sections();
  assert.deepEqual(sections.map((s) => [s.key, s.agent, s.type]), [['1', DEMO_PRIMARY, 'movie']]);
  assert.deepEqual(sections[0]!.locations, ['/data/Films']);
  const items = await plex.sectionItems('1', { pageSize: 2 });
  assert.deepEqual(items.map((i) => i.ratingKey).sort(), ['101', '102', '103', '104', '105']);
  const item = await plex.item('101');
  assert.deepEqual(item.files, ['/data/Films/(Studio A) - Alpha Film (2019).mp4']);
  const byTitle = await plex.searchByTitle('Beta', { year: 2020 });
  assert.deepEqual(byTitle.map((i) => i.ratingKey), ['102']);
  const byFile = await plex.searchByFile('/data/Films/(Studio A) - Another One (2020).mp4');
  assert.deepEqual(byFile.map((i) => i.ratingKey), ['103']);
});

test('refresh and wait: ended, metadata filled by the contributing agents; the survey sees the change', async () => {
  const before = await survey(plex, { target: 't' });
  const out = await plex.refreshAndWait('101', { ...fast, snapshot: true });
  assert.equal(out.result, 'ended');
  assert.ok(out.decidedBy === 'activity' || out.decidedBy === 'timeline', out.decidedBy);
  assert.equal(out.after!.summary, 'summary from A for A-101');
  assert.ok(out.after!.cast.length > 0);
  assert.ok(out.after!.thumb);
  assert.notEqual(out.after!.guid, `local://101`);
  assert.ok((out.after!.updatedAt ?? 0) >= (out.before!.updatedAt ?? 0));
  const after = await survey(plex, { target: 't' });
  assert.equal(after.totals.lacking.summary, before.totals.lacking.summary - 1);
});

test('refresh of an item whose file is gone: file_missing', async () => {
  const out = await plex.refreshAndWait('105', fast);
  assert.equal(out.result, 'file_missing');
});

test('one watcher, several refreshes at once (the emulator runs two at a time)', async () => {
  const w = plex.watcher(fast);
  try {
    await w.start();
    const outs = await Promise.all(['102', '103', '104'].map((k) => w.refresh(k)));
    assert.deepEqual(outs.map((o) => o.result), ['ended', 'ended', 'ended']);
    assert.equal(new Set(outs.flatMap((o) => o.activityUuids)).size, 3);
  } finally {
    w.close();
  }
  assert.equal((await plex.item('104')).guid, 'local://104', 'the primary agent found no match for a "nomatch" file');
  const unmatched = await plex.unmatched();
  assert.ok(unmatched.some((u) => u.item.ratingKey === '104'));
  assert.ok(!unmatched.some((u) => u.item.ratingKey === '102'));
});

test('a refresh that never ends: timed_out', async () => {
  emu.faults.stallRefreshes(['102']);
  try {
    const out = await plex.refreshAndWait('102', { ...fast, timeoutMs: 800 });
    assert.equal(out.result, 'timed_out');
  } finally {
    emu.faults.unstallRefreshes();
  }
});

test('websocket dropped mid-refresh: still the right answer', async () => {
  emu.faults.dropWebsocketsOnRefresh(1);
  const out = await plex.refreshAndWait('103', { ...fast, quietMs: 600 });
  assert.equal(out.result, 'ended');
  assert.equal(out.streamGap, true);
});

test('the server restarts mid-refresh: the wait survives, reconnects, and says the server was unreachable', async () => {
  emu.faults.stallRefreshes(['101']);
  const waiting = plex.refreshAndWait('101', { ...fast, quietMs: 300, timeoutMs: 4000 });
  await new Promise((r) => setTimeout(r, 150));
  emu.faults.unstallRefreshes();
  await emu.restart(300);
  const out = await waiting;
  assert.equal(out.streamGap, true);
  assert.equal(out.serverUnreachable, true);
  assert.ok(out.pollErrors >= 1);
  assert.ok(out.result === 'ended' || out.result === 'timed_out');
  assert.ok((await plex.identity()).version, 'the server answers again');
});

test('agents, plug-ins, restart, sessions', async () => {
  const agents = (await plex.agents()).map((a) => a.identifier);
  for (const id of [DEMO_PRIMARY, DEMO_SITE_A, DEMO_SITE_B]) assert.ok(agents.includes(id), id);
  const plugins = (await plex.plugins()).map((p) => p.identifier);
  assert.ok(plugins.includes(DEMO_SITE_A));
  await plex.restartPlugin(DEMO_SITE_A);
  assert.equal(await plex.sessions(), 0);
  emu.setSessions([{ ratingKey: '101', title: 'Alpha Film', user: 'ann', player: 'TV', state: 'playing' }]);
  assert.equal(await plex.sessions(), 1);
  const list = await plex.sessionList();
  assert.equal(list.sessions[0]!.ratingKey, '101');
  assert.equal(list.sessions[0]!.user, 'ann');
  emu.setSessions([]);
});

test('wrong token: TokenRejectedError without the token', async () => {
  const bad = new PlexClient({ url: emu.url, token: 'definitely-wrong-token', clientIdentifier: 'plexmend-emulator-test' });
  const err = await bad.sections().catch((e: unknown) => e);
  assert.ok(err instanceof TokenRejectedError);
  assert.ok(!`${err.message}${err.hint}`.includes('definitely-wrong-token'));
});

test('the same wait over Server-Sent Events (/:/eventsource/notifications) instead of the websocket', async () => {
  const out = await plex.refreshAndWait('102', { ...fast, socketFactory: sseSocketFactory });
  assert.equal(out.streamAtTrigger, true);
  assert.equal(out.result, 'ended');
  assert.ok(out.decidedBy === 'activity' || out.decidedBy === 'timeline', out.decidedBy);
  assert.ok(out.frames >= 2);
});

test('plug-in preferences: read (DefaultPrefs.json) and set through Plex, saved in Plug-in Support', async () => {
  const root = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  const id = 'com.plexapp.agents.PrefsSite';
  const bundle = join(root, 'Plug-ins', 'PrefsSite.bundle');
  await mkdir(join(bundle, 'Contents', 'Code'), { recursive: true });
  await writeFile(join(bundle, 'Contents', 'Info.plist'), `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>\n<key>CFBundleIdentifier</key>\n<string>${id}</string>\n<key>PlexPluginClass</key>\n<string>Agent</string>\n</dict></plist>\n`);
  await writeFile(join(bundle, 'Contents', 'DefaultPrefs.json'), JSON.stringify([
    { id: 'debug', label: 'Debug logging', type: 'bool', default: 'false' },
    { id: 'searchtype', label: 'Search type', type: 'enum', values: ['Simple', 'Advanced'], default: 'Simple' },
  ]));
  await writeFile(join(bundle, 'Contents', 'Code', '__init__.py'), "class PrefsSite(Agent.Movies):\n    name = 'PrefsSite'\n    primary_provider = False\n");
  const support = join(root, 'Plug-in Support');
  const e2 = await startPmsEmulator({ plugins: [{ plugin: new MemoryPlugin(id), info: await readBundleInfo(bundle), bundleDir: bundle }], supportDir: support, plistPollMs: false });
  try {
    const client = new PlexClient({ url: e2.url, token: e2.token, clientIdentifier: 'plexmend-emulator-test' });
    const prefs = await client.pluginPrefs(id);
    assert.deepEqual(prefs.map((p) => [p.id, p.value ?? p.default]), [['debug', 'false'], ['searchtype', 'Simple']]);
    assert.deepEqual(prefs.find((p) => p.id === 'searchtype')!.values, ['Simple', 'Advanced']);
    await client.setPluginPrefs(id, { debug: true, searchtype: 'Advanced' });
    const after = await client.pluginPrefs(id);
    assert.deepEqual(after.map((p) => [p.id, p.value]), [['debug', 'true'], ['searchtype', 'Advanced']]);
    const saved = await readFile(join(support, 'Preferences', `${id}.xml`), 'utf8');
    assert.match(saved, /<searchtype>Advanced<\/searchtype>/);
  } finally {
    await e2.close();
    await rm(root, { recursive: true, force: true });
  }
});
