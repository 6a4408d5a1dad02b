/**
 * startSandbox end to end with real plug-in processes (the runtime's Python shim) running two tiny
 * agents written here: an umbrella primary and one contributing site agent, under the default scenario's
 * identifiers. Proves the layout, the profile, real agents driven by a refresh, Info.plist-touch restarts
 * of a real plug-in, and a clean stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startSandbox } from '../../src/sandbox/index.ts';
import { readSandboxProfile, sandboxProfilePath, userConfigDir } from '../../src/sandbox/profile.ts';
import { activityFrame, subscribe, tempDir } from './pms-helpers.ts';

const PLIST = (id: string) => `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
\t<key>CFBundleIdentifier</key>
\t<string>${id}</string>
\t<key>PlexFrameworkVersion</key>
\t<string>2</string>
\t<key>PlexPluginClass</key>
\t<string>Agent</string>
</dict>
</plist>
`;

const PRIMARY_CODE = `# -*- coding: utf-8 -*-
def Start():
    HTTP.CacheTime = 0


class SandboxFilms(Agent.Movies):
    name = 'Sandbox Films'
    languages = [Locale.Language.English]
    primary_provider = True

    def search(self, results, media, lang, manual):
        results.Append(MetadataSearchResult(id=media.id, name=media.name, score=86, lang=lang))

    def update(self, metadata, media, lang):
        metadata.title = media.title
`;

const SITE_CODE = `# -*- coding: utf-8 -*-
VERSION = 'v1'


def Start():
    HTTP.CacheTime = 0


class ReelVault(Agent.Movies):
    name = 'ReelVault (IAFD)'
    languages = [Locale.Language.English]
    primary_provider = False
    contributes_to = ['com.plexapp.agents.SandboxFilms']

    def search(self, results, media, lang, manual):
        Log.Info('SEARCH:: %s %s' % (VERSION, media.filename))
        results.Append(MetadataSearchResult(id='rv-' + media.id, name=media.name, score=100, lang=lang))

    def update(self, metadata, media, lang):
        metadata.studio = 'Vault Studio'
        metadata.summary = 'Summary ' + VERSION + ' for ' + metadata.id + (Prefs['suffix'] or '')
`;

async function writeAgents(root: string): Promise<string> {
  const agents = join(root, 'agents src');
  for (const [name, id, code] of [['SandboxFilms', 'com.plexapp.agents.SandboxFilms', PRIMARY_CODE], ['ReelVault', 'com.plexapp.agents.ReelVault', SITE_CODE]] as const) {
    const dir = join(agents, `${name}.bundle`, 'Contents');
    await mkdir(join(dir, 'Code'), { recursive: true });
    await writeFile(join(dir, 'Info.plist'), PLIST(id));
    await writeFile(join(dir, 'DefaultPrefs.json'), JSON.stringify(name === 'ReelVault' ? [{ id: 'suffix', label: 'Suffix', type: 'text', default: '' }] : []));
    await writeFile(join(dir, 'Code', '__init__.py'), code);
  }
  await mkdir(join(agents, '_PGMA'), { recursive: true });
  await writeFile(join(agents, '_PGMA', 'Thumbor.txt'), 'http://thumbor.invalid\n');
  return agents;
}

async function waitFor(check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

test('startSandbox: data layout with a space, profile, real plug-ins driven by refresh, Info.plist restart, clean stop', async () => {
  const root = await tempDir();
  const agents = await writeAgents(root);
  const dir = join(root, 'sandbox one');
  const profile = join(root, 'config', 'sandbox.json');
  const sb = await startSandbox({ dir, agentsDir: agents, profilePath: profile, plistPollMs: 50 });
  try {
    assert.equal(sb.dataDir, join(dir, 'Library', 'Application Support', 'Plex Media Server'));
    assert.deepEqual((await readdir(sb.pluginsDir)).sort(), ['ReelVault.bundle', 'SandboxFilms.bundle', '_PGMA']);
    assert.match(await readFile(join(sb.dataDir, 'Preferences.xml'), 'utf8'), new RegExp(`PlexOnlineToken="${sb.token}"`));
    const p = await readSandboxProfile(profile);
    assert.equal(p.url, sb.url);
    assert.equal(p.token, sb.token);
    assert.equal(p.pid, process.pid);
    assert.equal(p.scenario, 'default');
    assert.equal(p.logsDir, join(sb.dataDir, 'Logs', 'PMS Plugin Logs'));
    assert.ok(sb.warnings.some((w) => w.includes('com.plexapp.agents.FilmIndex')), 'agents without a bundle are reported');
    assert.ok(!sb.warnings.some((w) => w.includes('did not start')), sb.warnings.join('\n'));

    const item = sb.scenario.items[0]!;
    const ws = await subscribe(sb.url, `?X-Plex-Token=${sb.token}`);
    try {
      const res = await fetch(`${sb.url}/library/metadata/${item.ratingKey}/refresh?X-Plex-Token=${sb.token}`, { method: 'PUT' });
      assert.equal(res.status, 200);
      await ws.waitFor(activityFrame('ended'), 20_000);
    } finally {
      ws.close();
    }
    const md = (await (await fetch(`${sb.url}/library/metadata/${item.ratingKey}`, { headers: { 'X-Plex-Token': sb.token, Accept: 'application/json' } })).json()).MediaContainer.Metadata[0];
    assert.equal(md.guid, `com.plexapp.agents.SandboxFilms://${item.ratingKey}?lang=en`);
    assert.equal(md.studio, 'Vault Studio');
    assert.equal(md.summary, `Summary v1 for rv-${item.ratingKey}`);
    const log = join(sb.logsDir, 'com.plexapp.agents.ReelVault.log');
    assert.match(await readFile(log, 'utf8'), /Starting framework core/);
    assert.match(await readFile(log, 'utf8'), /SEARCH:: v1 /);

    // Patch the agent, touch Info.plist: the plug-in restarts (log rolled over) and the next refresh runs the new code.
    const code = join(sb.pluginsDir, 'ReelVault.bundle', 'Contents', 'Code', '__init__.py');
    await writeFile(code, (await readFile(code, 'utf8')).replace("VERSION = 'v1'", "VERSION = 'v2'"));
    const later = new Date(Date.now() + 10_000);
    await utimes(join(sb.pluginsDir, 'ReelVault.bundle', 'Contents', 'Info.plist'), later, later);
    await waitFor(async () => sb.emulator.state.plugins.get('com.plexapp.agents.ReelVault')!.starts.length === 2);
    assert.equal(sb.emulator.state.plugins.get('com.plexapp.agents.ReelVault')!.state, 'running');
    await access(`${log}.1`);
    await fetch(`${sb.url}/library/metadata/${item.ratingKey}/refresh?X-Plex-Token=${sb.token}`, { method: 'PUT' });
    await sb.emulator.state.queue.idle();
    const md2 = (await (await fetch(`${sb.url}/library/metadata/${item.ratingKey}`, { headers: { 'X-Plex-Token': sb.token, Accept: 'application/json' } })).json()).MediaContainer.Metadata[0];
    assert.equal(md2.summary, `Summary v2 for rv-${item.ratingKey}`);
    assert.ok(md2.updatedAt > md.updatedAt);

    // A preference set through Plex is saved and applied by the running plug-in (no restart).
    const set = await fetch(`${sb.url}/:/plugins/com.plexapp.agents.ReelVault/prefs/set?suffix=%20(pref)&X-Plex-Token=${sb.token}`);
    assert.equal(set.status, 200);
    assert.match(await readFile(join(sb.supportDir, 'Preferences', 'com.plexapp.agents.ReelVault.xml'), 'utf8'), /<suffix> \(pref\)<\/suffix>/);
    assert.equal(sb.emulator.state.plugins.get('com.plexapp.agents.ReelVault')!.starts.length, 2);
    await fetch(`${sb.url}/library/metadata/${item.ratingKey}/refresh?X-Plex-Token=${sb.token}`, { method: 'PUT' });
    await sb.emulator.state.queue.idle();
    const md3 = (await (await fetch(`${sb.url}/library/metadata/${item.ratingKey}`, { headers: { 'X-Plex-Token': sb.token, Accept: 'application/json' } })).json()).MediaContainer.Metadata[0];
    assert.equal(md3.summary, `Summary v2 for rv-${item.ratingKey} (pref)`);
  } finally {
    await sb.close();
  }
  await assert.rejects(fetch(`${sb.url}/identity`), 'the emulator is stopped');
  assert.equal((await readSandboxProfile(profile)).pid, null);

  // A second start on the same folder keeps the patched bundle and the token.
  const again = await startSandbox({ dir, agentsDir: agents, profilePath: null, plistPollMs: 50 });
  try {
    assert.equal(again.token, sb.token);
    const kept = (await (await fetch(`${again.url}/library/metadata/${sb.scenario.items[0]!.ratingKey}`, { headers: { 'X-Plex-Token': again.token, Accept: 'application/json' } })).json()).MediaContainer.Metadata[0];
    assert.equal(kept.summary, `Summary v2 for rv-${sb.scenario.items[0]!.ratingKey} (pref)`, 'the library database was kept');
    assert.match(await readFile(join(again.pluginsDir, 'ReelVault.bundle', 'Contents', 'Code', '__init__.py'), 'utf8'), /VERSION = 'v2'/);
  } finally {
    await again.close();
    await rm(dirname(root), { recursive: true, force: true });
  }
});

test('userConfigDir and sandboxProfilePath follow each platform', () => {
  assert.equal(userConfigDir({ PLEXMEND_CONFIG_DIR: '/c' }, 'linux', '/h'), '/c');
  assert.equal(userConfigDir({}, 'linux', '/h'), '/h/.config/plexmend');
  assert.equal(userConfigDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/h'), '/x/plexmend');
  assert.equal(userConfigDir({}, 'darwin', '/Users/a'), '/Users/a/Library/Application Support/plexmend');
  assert.match(userConfigDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a'), /plexmend$/);
  assert.equal(sandboxProfilePath('/c'), '/c/sandbox.json');
});
