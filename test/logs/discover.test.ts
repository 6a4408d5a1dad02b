import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plexLocations } from '../../src/config/paths.ts';
import { discoverPluginLogs, discoverPluginsDir, type DirProbe } from '../../src/logs/discover.ts';
import { InputError } from '../../src/errors.ts';

const probe = (existing: string[]): DirProbe => ({ isDirectory: async (p) => existing.includes(p) });

test('discover: picks the first existing candidate (Docker on Linux) and lists what it tried', async () => {
  const candidates = plexLocations({ platform: 'linux', env: {}, homedir: '/root' });
  const docker = '/config/Library/Application Support/Plex Media Server/Logs/PMS Plugin Logs';
  const found = await discoverPluginLogs(candidates, probe([docker]));
  assert.equal(found.dir, docker);
  assert.equal(found.location.label, 'Docker');
  assert.deepEqual(found.tried, [
    '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Logs/PMS Plugin Logs',
    docker,
  ]);
});

test('discover: Windows backslash paths', async () => {
  const candidates = plexLocations({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\Jo\\AppData\\Local' }, homedir: 'C:\\Users\\Jo' });
  const plugins = 'C:\\Users\\Jo\\AppData\\Local\\Plex Media Server\\Plug-ins';
  const found = await discoverPluginsDir(candidates, probe([plugins]));
  assert.equal(found.dir, plugins);
});

test('discover: nothing found → InputError naming every folder tried and --logs DIR', async () => {
  const candidates = plexLocations({ platform: 'darwin', env: {}, homedir: '/Users/x' });
  await assert.rejects(discoverPluginLogs(candidates, probe([])), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.match(err.message, /^no plug-in log folder found; tried "\/Users\/x\/Library\/Logs\/Plex Media Server\/PMS Plugin Logs"$/);
    assert.match(err.hint ?? '', /--logs DIR/);
    return true;
  });
});

test('discover: the real file system probe, with "Application Support" in the path', async () => {
  const home = await mkdtemp(join(tmpdir(), 'plexmend discover '));
  try {
    const logs = join(home, 'Library', 'Logs', 'Plex Media Server', 'PMS Plugin Logs');
    await mkdir(logs, { recursive: true });
    await mkdir(join(home, 'Library', 'Application Support', 'Plex Media Server', 'Plug-ins'), { recursive: true });
    const candidates = plexLocations({ platform: 'darwin', env: {}, homedir: home });
    assert.equal((await discoverPluginLogs(candidates)).dir, logs);
    assert.equal((await discoverPluginsDir(candidates)).dir, join(home, 'Library', 'Application Support', 'Plex Media Server', 'Plug-ins'));
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('listLogFiles: explicit files are grouped into rotation sets, oldest first; a file named twice is read once', async () => {
  const { listLogFiles } = await import('../../src/logs/discover.ts');
  const sets = listLogFiles(['/x/a.log', '/x/a.log.2', '/y/excerpt.txt', '/x/a.log', '/x/./a.log.1']);
  assert.deepEqual(
    sets.map((s) => [s.key, s.bundleId, s.files.map((f) => f.name)]),
    [
      ['/x/a', undefined, ['a.log.2', 'a.log.1', 'a.log']],
      ['/y/excerpt.txt', undefined, ['excerpt.txt']],
    ],
  );
  assert.equal(listLogFiles(['/l/com.plexapp.agents.GEVI.log.3'])[0].bundleId, 'com.plexapp.agents.GEVI');
});
