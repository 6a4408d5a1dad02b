import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plexLocations, type PlatformEnv } from '../../src/config/paths.ts';

const table: Array<{ name: string; p: PlatformEnv; first: { label: string; pluginLogsDir: string; pluginsDir: string } }> = [
  {
    name: 'macOS: logs under ~/Library/Logs, data under Application Support',
    p: { platform: 'darwin', env: {}, homedir: '/Users/jb miles' },
    first: {
      label: 'macOS',
      pluginLogsDir: '/Users/jb miles/Library/Logs/Plex Media Server/PMS Plugin Logs',
      pluginsDir: '/Users/jb miles/Library/Application Support/Plex Media Server/Plug-ins',
    },
  },
  {
    name: 'Windows: %LOCALAPPDATA% with backslashes',
    p: { platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\Jo Smith\\AppData\\Local' }, homedir: 'C:\\Users\\Jo Smith' },
    first: {
      label: 'Windows (%LOCALAPPDATA%)',
      pluginLogsDir: 'C:\\Users\\Jo Smith\\AppData\\Local\\Plex Media Server\\Logs\\PMS Plugin Logs',
      pluginsDir: 'C:\\Users\\Jo Smith\\AppData\\Local\\Plex Media Server\\Plug-ins',
    },
  },
  {
    name: 'Windows: %PLEXLOCALAPPDATA% wins over %LOCALAPPDATA%',
    p: { platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local', PLEXLOCALAPPDATA: 'D:\\Plex Data' }, homedir: 'C:\\Users\\a' },
    first: {
      label: 'Windows (%PLEXLOCALAPPDATA%)',
      pluginLogsDir: 'D:\\Plex Data\\Plex Media Server\\Logs\\PMS Plugin Logs',
      pluginsDir: 'D:\\Plex Data\\Plex Media Server\\Plug-ins',
    },
  },
  {
    name: 'Windows without %LOCALAPPDATA%: the home folder default',
    p: { platform: 'win32', env: {}, homedir: 'C:\\Users\\a' },
    first: {
      label: 'Windows (%LOCALAPPDATA%)',
      pluginLogsDir: 'C:\\Users\\a\\AppData\\Local\\Plex Media Server\\Logs\\PMS Plugin Logs',
      pluginsDir: 'C:\\Users\\a\\AppData\\Local\\Plex Media Server\\Plug-ins',
    },
  },
  {
    name: 'Linux package default',
    p: { platform: 'linux', env: {}, homedir: '/root' },
    first: {
      label: 'Linux package',
      pluginLogsDir: '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Logs/PMS Plugin Logs',
      pluginsDir: '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Plug-ins',
    },
  },
  {
    name: 'Linux: PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR (pms-docker sets /config/...)',
    p: { platform: 'linux', env: { PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: '/config/Library/Application Support' }, homedir: '/root' },
    first: {
      label: 'Linux ($PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR)',
      pluginLogsDir: '/config/Library/Application Support/Plex Media Server/Logs/PMS Plugin Logs',
      pluginsDir: '/config/Library/Application Support/Plex Media Server/Plug-ins',
    },
  },
  {
    name: 'Linux: PLEX_MEDIA_SERVER_LOG_DIR moves only the logs',
    p: { platform: 'linux', env: { PLEX_MEDIA_SERVER_LOG_DIR: '/var/log/plex', PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: '/srv/plex' }, homedir: '/root' },
    first: {
      label: 'Linux ($PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR)',
      pluginLogsDir: '/var/log/plex/PMS Plugin Logs',
      pluginsDir: '/srv/plex/Plex Media Server/Plug-ins',
    },
  },
];

for (const row of table) {
  test(`paths: ${row.name}`, () => {
    const [first] = plexLocations(row.p);
    assert.deepEqual(
      { label: first.label, pluginLogsDir: first.pluginLogsDir, pluginsDir: first.pluginsDir },
      row.first,
    );
  });
}

test('paths: Linux candidates include Docker, Synology DSM 6 and 7 and QNAP layouts', () => {
  const dirs = plexLocations({ platform: 'linux', env: {}, homedir: '/root' }).map((l) => `${l.label}=${l.pluginLogsDir}`);
  for (const expected of [
    'Docker=/config/Library/Application Support/Plex Media Server/Logs/PMS Plugin Logs',
    'Synology DSM 7 (/volume1)=/volume1/PlexMediaServer/AppData/Plex Media Server/Logs/PMS Plugin Logs',
    'Synology DSM 6 (/volume1)=/volume1/Plex/Library/Application Support/Plex Media Server/Logs/PMS Plugin Logs',
    'QNAP (/share/CACHEDEV1_DATA)=/share/CACHEDEV1_DATA/.qpkg/PlexMediaServer/Library/Plex Media Server/Logs/PMS Plugin Logs',
  ]) {
    assert.ok(dirs.includes(expected), `missing ${expected}`);
  }
});

test('paths: an env var equal to a default yields no duplicate candidate', () => {
  const locs = plexLocations({
    platform: 'linux',
    env: { PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: '/config/Library/Application Support' },
    homedir: '/root',
  });
  const logs = locs.map((l) => l.pluginLogsDir);
  assert.equal(new Set(logs).size, logs.length);
  assert.equal(locs[0].label, 'Linux ($PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR)');
});

test('paths: Windows candidates never contain forward slashes', () => {
  for (const l of plexLocations({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, homedir: 'C:\\Users\\a' })) {
    assert.ok(!l.pluginLogsDir.includes('/') && !l.pluginsDir.includes('/'), l.pluginLogsDir);
  }
});
