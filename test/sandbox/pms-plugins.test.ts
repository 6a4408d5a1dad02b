import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MemoryPlugin, readBundleInfo, startPmsEmulator, type PmsEmulator } from '../../src/sandbox/pms/index.ts';
import { tempDir, writeBundle } from './pms-helpers.ts';

const SITE = 'com.plexapp.agents.SiteA';
const PREFS = [
  { id: 'debug', label: 'Debug logging', type: 'bool', default: 'false' },
  { id: 'searchtype', label: 'Search type', type: 'enum', values: ['Simple', 'Advanced'], default: 'Simple' },
  { id: 'plextoken', label: 'Plex token', type: 'text', default: '' },
];

async function rigWithBundle(plistPollMs: number | false = false): Promise<{ emu: PmsEmulator; plugin: MemoryPlugin; bundle: string; support: string; root: string }> {
  const root = await tempDir();
  const plugins = join(root, 'Plug-ins');
  const support = join(root, 'Plug-in Support');
  const bundle = await writeBundle(plugins, 'SiteA', SITE, PREFS);
  const plugin = new MemoryPlugin(SITE);
  const emu = await startPmsEmulator({
    library: { sections: [], items: [] },
    plugins: [{ plugin, info: await readBundleInfo(bundle), bundleDir: bundle }],
    supportDir: support,
    plistPollMs,
    token: 'plugintoken123456789',
  });
  return { emu, plugin, bundle, support, root };
}

const get = (emu: PmsEmulator, path: string, method = 'GET') => fetch(emu.url + path, { method, headers: { 'X-Plex-Token': emu.token } });

test('agent facts come from the bundle: Info.plist identifier, the agent class name and flags', async () => {
  const root = await tempDir();
  try {
    const info = await readBundleInfo(await writeBundle(join(root, 'Plug-ins'), 'SiteA', SITE, PREFS));
    assert.deepEqual(info, { identifier: SITE, name: 'SiteA (IAFD)', primary: false, hasPrefs: true, contributesTo: ['com.plexapp.agents.Umbrella'], languages: ['en'] });
  } finally {
    await rm(dirname(root), { recursive: true, force: true });
  }
});

test('touching a bundle Info.plist restarts that plug-in (polled mtime), and only that one', async () => {
  const { emu, plugin, bundle, root } = await rigWithBundle(25);
  try {
    assert.deepEqual(plugin.starts, [true]);
    const plist = join(bundle, 'Contents', 'Info.plist');
    const later = new Date(Date.now() + 5000);
    await utimes(plist, later, later);
    const deadline = Date.now() + 3000;
    while (plugin.starts.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(plugin.starts, [true, true]);
    assert.deepEqual(emu.state.plugins.get(SITE)!.starts.map((s) => s.reason), ['start', 'plist']);
    // No further change, no further restart.
    assert.deepEqual(await emu.state.plugins.pollOnce(), []);
  } finally {
    await emu.close();
    await rm(dirname(root), { recursive: true, force: true });
  }
});

test('GET /:/plugins/<id>/restart restarts the plug-in; a failed start shows in /:/plugins and refreshes get nothing from it', async () => {
  const { emu, plugin, root } = await rigWithBundle();
  try {
    assert.equal((await get(emu, `/:/plugins/${SITE}/restart`)).status, 200);
    assert.deepEqual(plugin.starts, [true, true]);
    assert.equal((await get(emu, '/:/plugins/com.plexapp.agents.Nope/restart')).status, 404);
    assert.equal((await get(emu, '/:/plugins/com.plexapp.system/restart')).status, 200);
    assert.match(await (await get(emu, '/:/plugins')).text(), /<MediaContainer size="2">\n<Plugin identifier="com.plexapp.system" name="System" state="0" \/>/);
    assert.match(await (await get(emu, '/:/plugins')).text(), new RegExp(`<Plugin identifier="${SITE}" name="SiteA \\(IAFD\\)" state="0" />`));
    plugin.failNextStart = "Plug-in refused: name '_private' starts with an underscore";
    await get(emu, `/:/plugins/${SITE}/restart`);
    assert.match(await (await get(emu, '/:/plugins')).text(), /state="2"/);
    assert.equal(emu.state.plugins.get(SITE)!.lastError, "Plug-in refused: name '_private' starts with an underscore");
    await assert.rejects(plugin.search({ id: '1', name: 'x', filename: '/x.mp4' }, 'en', false), /not running/);
  } finally {
    await emu.close();
    await rm(dirname(root), { recursive: true, force: true });
  }
});

test('preferences: DefaultPrefs.json values, set via prefs/set and PUT prefs, saved to Plug-in Support/Preferences/<id>.xml, saved wins', async () => {
  const { emu, plugin, support, root } = await rigWithBundle();
  try {
    let xml = await (await get(emu, `/:/plugins/${SITE}/prefs`)).text();
    assert.match(xml, /<Setting id="debug" label="Debug logging" type="bool" default="false" value="false" secure="0" hidden="0" \/>/);
    assert.match(xml, /<Setting id="searchtype"[^>]* value="Simple"[^>]* values="Simple\|Advanced" \/>/);
    assert.equal((await get(emu, `/:/plugins/${SITE}/prefs/set?debug=true`)).status, 200);
    assert.equal((await get(emu, `/:/plugins/${SITE}/prefs?searchtype=1`, 'PUT')).status, 200);
    const saved = await readFile(join(support, 'Preferences', `${SITE}.xml`), 'utf8');
    assert.match(saved, /<PluginPreferences>\n {2}<debug>true<\/debug>\n {2}<searchtype>Advanced<\/searchtype>\n<\/PluginPreferences>/);
    xml = await (await get(emu, `/:/plugins/${SITE}/prefs`)).text();
    assert.match(xml, /id="debug"[^>]* default="false" value="true"/);
    assert.match(xml, /id="searchtype"[^>]* value="Advanced"/);
    // A MemoryPlugin cannot reload preferences in place, so each change restarted it.
    assert.deepEqual(emu.state.plugins.get(SITE)!.starts.map((s) => s.reason), ['start', 'prefs', 'prefs']);
    assert.equal(plugin.starts.length, 3);
    // Setting the same value again changes nothing and restarts nothing.
    await get(emu, `/:/plugins/${SITE}/prefs/set?debug=1`);
    assert.equal(plugin.starts.length, 3);
    assert.equal((await get(emu, `/:/plugins/${SITE}/prefs/set?nosuchpref=1`)).status, 400);
  } finally {
    await emu.close();
    await rm(dirname(root), { recursive: true, force: true });
  }
});

test('a saved preferences file written before start wins over DefaultPrefs.json', async () => {
  const root = await tempDir();
  const bundle = await writeBundle(join(root, 'Plug-ins'), 'SiteA', SITE, PREFS);
  const support = join(root, 'Plug-in Support');
  await mkdir(join(support, 'Preferences'), { recursive: true });
  await writeFile(join(support, 'Preferences', `${SITE}.xml`), "<?xml version='1.0' encoding='utf-8'?>\n<PluginPreferences>\n  <plextoken>abc &amp; def</plextoken>\n</PluginPreferences>\n");
  const emu = await startPmsEmulator({
    library: { sections: [], items: [] },
    plugins: [{ plugin: new MemoryPlugin(SITE), info: await readBundleInfo(bundle), bundleDir: bundle }],
    supportDir: support, plistPollMs: false,
  });
  try {
    assert.match(await (await get(emu, `/:/plugins/${SITE}/prefs`)).text(), /id="plextoken"[^>]* value="abc &amp; def"/);
  } finally {
    await emu.close();
    await rm(dirname(root), { recursive: true, force: true });
  }
});

test('/system/agents lists the agents (XML like the System plug-in) and, by media type, with the dummy none agent', async () => {
  const { emu, root } = await rigWithBundle();
  try {
    const all = await (await get(emu, '/system/agents')).text();
    assert.match(all, new RegExp(`<Agent identifier="${SITE}" hasPrefs="1" hasAttribution="0" primary="0">\\n<MediaType mediaType="1" name="Movies">\\n<Language code="en" />`));
    const movies = await (await get(emu, '/system/agents?mediaType=1')).text();
    assert.match(movies, new RegExp(`<Agent identifier="${SITE}" name="SiteA \\(IAFD\\)" hasPrefs="1">`));
    assert.match(movies, /<Agent identifier="com.plexapp.agents.none"/);
    assert.match(await (await get(emu, '/system/agents?mediaType=8')).text(), /<MediaContainer size="0" identifier="com.plexapp.system" \/>/);
  } finally {
    await emu.close();
    await rm(dirname(root), { recursive: true, force: true });
  }
});
