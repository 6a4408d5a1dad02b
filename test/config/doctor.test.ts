import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDoctor, renderDoctor, doctorDoc, type DoctorDeps } from '../../src/config/doctor.ts';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { nodeConfigDeps, nodeDoctorFs } from '../../src/config/ports.ts';
import { nodeProcessRunner } from '../../src/diagnose/python/process.ts';
import { PlexClient } from '../../src/plex/index.ts';
import { parseDocument } from '../../src/documents.ts';
import { startFakePlex, type FakePlex } from '../plex/fake-server.ts';

let root: string;
let data: string;
let bin: string;
let s: FakePlex;

const plist = (id: string, version: string) => `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
	<key>CFBundleIdentifier</key>
	<string>${id}</string>
	<key>CFBundleVersion</key>
	<string>${version}</string>
	<key>PlexPluginClass</key>
	<string>Agent</string>
</dict></plist>`;
const code = (cls: string, name: string, primary: boolean, contributes: string[]) => `# -*- coding: utf-8 -*-
VERSION_NO = '2019.12.25.50'
class ${cls}(Agent.Movies):
    name = '${name}'
    languages = [Locale.Language.English]
    primary_provider = ${primary ? 'True' : 'False'}
    contributes_to = [${contributes.map((c) => `'${c}'`).join(', ')}]
`;

async function bundle(pluginsDir: string, folder: string, id: string, cls: string, name: string, primary: boolean, contributes: string[]) {
  await mkdir(join(pluginsDir, folder, 'Contents', 'Code'), { recursive: true });
  await writeFile(join(pluginsDir, folder, 'Contents', 'Info.plist'), plist(id, '2.0'));
  await writeFile(join(pluginsDir, folder, 'Contents', 'Code', '__init__.py'), code(cls, name, primary, contributes));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'plexmend doctor '));
  data = join(root, 'Library', 'Application Support', 'Plex Media Server');
  await bundle(join(data, 'Plug-ins'), 'GEVI.bundle', 'com.plexapp.agents.GEVI', 'GEVI', 'GEVI (IAFD)', false, ['com.plexapp.agents.PGMA']);
  await bundle(join(data, 'Plug-ins'), 'PGMA.bundle', 'com.plexapp.agents.PGMA', 'PGMA', 'Gay Adult', true, []);
  await mkdir(join(data, 'Plug-ins', '_PGMA'), { recursive: true });
  await mkdir(join(data, 'Logs', 'PMS Plugin Logs'), { recursive: true });
  await writeFile(join(data, 'Logs', 'PMS Plugin Logs', 'com.plexapp.agents.GEVI.log'), '');
  await writeFile(join(data, 'Logs', 'PMS Plugin Logs', 'com.plexapp.agents.GEVI.log.1'), '');
  bin = join(root, 'bin dir');
  await mkdir(bin);
  s = await startFakePlex();
});
after(async () => {
  await s?.close();
  await rm(root, { recursive: true, force: true });
});

function config(over: Partial<{ url: string; token: string; logsDir: string; pluginsDir: string }> = {}): Config {
  return configSchema.parse({
    target: { kind: 'server', url: over.url ?? s.url, token: over.token ?? s.token, urlSource: 'flag --url', tokenSource: 'flag --token', reason: 'configured' },
    paths: {
      dataDir: data,
      pluginsDir: over.pluginsDir ?? join(data, 'Plug-ins'),
      logsDir: over.logsDir ?? join(data, 'Logs', 'PMS Plugin Logs'),
      sources: { dataDir: 'flag --data-dir', pluginsDir: 'inside the data dir', logsDir: 'inside the data dir' },
      tried: {},
    },
    userConfigDir: join(root, 'config'),
    sandboxProfilePath: join(root, 'config', 'sandbox.json'),
    platform: 'linux',
  });
}
function deps(c: Config, pathEnv = bin): DoctorDeps {
  return {
    fs: nodeDoctorFs,
    readText: nodeConfigDeps.readText,
    isDirectory: nodeConfigDeps.isDirectory,
    // Interpreters are looked up in the test's own bin folder only.
    runner: { run: (cmd, args, opts) => nodeProcessRunner.run(cmd.includes('/') ? cmd : join(pathEnv, cmd), args, opts) },
    plex: new PlexClient({ url: c.target.url, token: c.target.token, clientIdentifier: 'plexmend-doctor-test', retries: 0 }),
  };
}
const status = (r: Awaited<ReturnType<typeof runDoctor>>) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));

test('a complete setup: every check ok but the Python checker (fallback), usable, bundles read from Info.plist and code', async () => {
  const c = config();
  const r = await runDoctor(c, deps(c));
  assert.deepEqual(status(r), {
    data_dir: 'ok', plugin_logs: 'ok', plugins_dir: 'ok', bundles: 'ok', write_access: 'ok', server_reachable: 'ok', token_valid: 'ok', belong_together: 'ok', python: 'warn',
  });
  assert.equal(r.usable, true);
  const gevi = r.bundles.find((b) => b.identifier === 'com.plexapp.agents.GEVI')!;
  assert.equal(gevi.agentName, 'GEVI (IAFD)');
  assert.equal(gevi.version, '2.0');
  assert.equal(gevi.primary, false);
  assert.deepEqual(gevi.contributesTo, ['com.plexapp.agents.PGMA']);
  assert.equal(gevi.hasLog, true);
  assert.equal(gevi.listedByServer, true);
  assert.equal(r.bundles.length, 2, '_PGMA is not a bundle');
  assert.match(r.checks.find((x) => x.id === 'belong_together')!.detail, /2 of 2 agents loaded by the server, 1 with a log/);
  assert.match(r.checks.find((x) => x.id === 'python')!.detail, /parser-level fallback/);
  // The JSON is a valid versioned document; the text never shows the token.
  parseDocument(doctorDoc, JSON.parse(JSON.stringify(r)), 'doctor');
  const text = renderDoctor(r);
  assert.ok(!text.includes(s.token));
  assert.match(text, /^target: Plex server at /);
  assert.match(text, /plexmend can work with this setup/);
});

test('Python 2.7 on PATH is found; a python2 that is really Python 3 is skipped with the reason', async () => {
  const fake = join(bin, 'python2.7');
  await writeFile(fake, "#!/bin/sh\nprintf '2.7|2.7.18'\n");
  await chmod(fake, 0o755);
  const c = config();
  let r = await runDoctor(c, deps(c));
  assert.equal(r.checks.find((x) => x.id === 'python')!.status, 'ok');
  assert.equal(r.python.version, '2.7.18');
  await rm(fake);
  const liar = join(bin, 'python2');
  await writeFile(liar, "#!/bin/sh\nprintf '3.11|3.11.2'\n");
  await chmod(liar, 0o755);
  r = await runDoctor(c, deps(c));
  assert.equal(r.python.kind, 'parser-level fallback');
  assert.ok(r.python.skipped.includes('python2: is Python 3.11, not 2.7'), r.python.skipped.join('; '));
  await rm(liar);
});

test('server down: unusable, "is Plex running" fix, token not checked', async () => {
  const dead = await startFakePlex();
  const url = dead.url;
  await dead.close();
  const c = config({ url });
  const r = await runDoctor(c, deps(c));
  assert.equal(r.usable, false);
  const sr = r.checks.find((x) => x.id === 'server_reachable')!;
  assert.equal(sr.status, 'missing');
  assert.match(sr.fix!, /is Plex running at/);
  assert.equal(r.checks.find((x) => x.id === 'token_valid')!.status, 'missing');
  assert.match(renderDoctor(r), /cannot work with this setup yet/);
});

test('wrong token: token_valid missing with where to find the right one; the wrong token is not printed', async () => {
  const c = config({ token: 'not-the-token-424242' });
  const r = await runDoctor(c, deps(c));
  const tv = r.checks.find((x) => x.id === 'token_valid')!;
  assert.equal(tv.status, 'missing');
  assert.match(tv.fix!, /PlexOnlineToken/);
  assert.equal(r.usable, false);
  assert.ok(!JSON.stringify(r).includes('not-the-token-424242'));
});

test('bundles of another install: the server lists none of them → belong_together missing with the fix', async () => {
  const other = join(root, 'Other Plug-ins');
  await bundle(other, 'Foo.bundle', 'com.example.agents.Foo', 'Foo', 'Foo', true, []);
  const c = config({ pluginsDir: other });
  const r = await runDoctor(c, deps(c));
  const bt = r.checks.find((x) => x.id === 'belong_together')!;
  assert.equal(bt.status, 'missing');
  assert.match(bt.detail, /lists none of the 1 agents/);
  assert.equal(r.usable, false);
});

test('missing log folder: plugin_logs missing with --logs, unusable', async () => {
  const c = config({ logsDir: join(root, 'no such logs') });
  const r = await runDoctor(c, deps(c));
  const pl = r.checks.find((x) => x.id === 'plugin_logs')!;
  assert.equal(pl.status, 'missing');
  assert.match(pl.fix!, /--logs-dir DIR/);
  assert.equal(r.usable, false);
});

test("a data folder whose Preferences.xml names another machine: belong_together warns with both ids", async () => {
  const prefs = join(data, 'Preferences.xml');
  await writeFile(prefs, '<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="0000aaaa-1111-2222-3333-444455556666" ProcessedMachineIdentifier="1111bbbb" PlexOnlineToken="x"/>');
  try {
    const c = config();
    const r = await runDoctor(c, deps(c));
    const bt = r.checks.find((x) => x.id === 'belong_together')!;
    assert.equal(bt.status, 'warn');
    assert.match(bt.detail, /names machine 1111bbbb,/, 'the id /identity reports is ProcessedMachineIdentifier');
    assert.match(bt.detail, new RegExp(r.server!.machineIdentifier));
    // The server's own id as ProcessedMachineIdentifier is fine, whatever the (different) MachineIdentifier UUID says.
    await writeFile(prefs, `<Preferences MachineIdentifier="0000aaaa-1111-2222-3333-444455556666" ProcessedMachineIdentifier="${r.server!.machineIdentifier}"/>`);
    const ok = await runDoctor(c, deps(c));
    assert.equal(ok.checks.find((x) => x.id === 'belong_together')!.status, 'ok');
    // A file with only the UUID says nothing about which server it belongs to: no warning on a guess.
    await writeFile(prefs, '<Preferences MachineIdentifier="0000aaaa-1111-2222-3333-444455556666"/>');
    const unsure = await runDoctor(c, deps(c));
    assert.equal(unsure.checks.find((x) => x.id === 'belong_together')!.status, 'ok');
  } finally {
    await rm(prefs, { force: true });
  }
});
