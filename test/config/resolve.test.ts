import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type ConfigEnvironment, type ConfigFlags } from '../../src/config/resolve.ts';
import { describeTarget } from '../../src/config/target.ts';
import type { ConfigDeps, RunResult } from '../../src/config/ports.ts';
import { InputError, UsageError } from '../../src/errors.ts';
import { MACOS_DEFAULTS_ARGS, WINDOWS_REG_ARGS } from '../../src/config/token.ts';

const HOME = '/home/ann';
const LINUX_DATA = '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server';

/** An in-memory machine: files (text or an errno code), folders, commands, live pids. */
function machine(o: { files?: Record<string, string | { code: string }>; dirs?: string[]; run?: (cmd: string, args: string[]) => RunResult; pids?: number[] } = {}) {
  const calls: Array<[string, string[]]> = [];
  const deps: ConfigDeps = {
    async readText(path) {
      const f = o.files?.[path];
      if (f === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      if (typeof f !== 'string') throw Object.assign(new Error(f.code), { code: f.code });
      return f;
    },
    isDirectory: async (p) => (o.dirs ?? []).includes(p),
    async run(cmd, args) {
      calls.push([cmd, args]);
      return o.run ? o.run(cmd, args) : { code: -1, stdout: '', stderr: '' };
    },
    pidAlive: (pid) => (o.pids ?? []).includes(pid),
  };
  return { deps, calls };
}
const linux = (env: Record<string, string> = {}, cwd = '/work/dir'): ConfigEnvironment => ({ env, cwd, platform: 'linux', homedir: HOME });
const resolve = (flags: ConfigFlags, e: ConfigEnvironment, m: ReturnType<typeof machine>) => resolveConfig(flags, e, m.deps);

const PROFILE_PATH = `${HOME}/.config/plexmend/sandbox.json`;
const profile = (pid: number | null) =>
  JSON.stringify({
    schema: 'plexmend.sandbox/1', url: 'http://127.0.0.1:41234', token: 'sandbox-token-1234', dataDir: '/tmp/sb/Plex Media Server',
    pluginsDir: '/tmp/sb/Plex Media Server/Plug-ins', logsDir: '/tmp/sb/Plex Media Server/Logs/PMS Plugin Logs',
    supportDir: '/tmp/sb/Plex Media Server/Plug-in Support', scenario: 'default', seed: 7, pid,
  });

test('nothing configured, nothing found, no sandbox: the default local address, no token, and it says so', async () => {
  const c = await resolve({}, linux(), machine());
  assert.equal(c.target.kind, 'server');
  assert.equal(c.target.url, 'http://127.0.0.1:32400');
  assert.equal(c.target.token, undefined);
  assert.match(c.target.reason, /nothing configured/);
  assert.equal(c.timeoutMs, 15000);
  assert.equal(c.userConfigDir, `${HOME}/.config/plexmend`);
  assert.ok(c.paths.tried.logsDir!.some((d) => d.includes('/config/Library/Application Support/Plex Media Server/Logs/PMS Plugin Logs')));
  assert.match(describeTarget(c), /^target: Plex server at http:\/\/127\.0\.0\.1:32400 \(default address, no token\)/);
});

test('precedence: flags > env PLEX_* > python-plexapi env > config file', async () => {
  const file = `url: http://file:32400\ntoken: file-token-123\n`;
  const m = machine({ files: { '/work/dir/plexmend.yaml': file } });
  let c = await resolve({}, linux(), m);
  assert.equal(c.target.url, 'http://file:32400');
  assert.equal(c.target.tokenSource, 'file /work/dir/plexmend.yaml');
  c = await resolve({}, linux({ PLEXAPI_AUTH_SERVER_BASEURL: 'http://pa:32400', PLEXAPI_AUTH_SERVER_TOKEN: 'pa-token-1234' }), m);
  assert.equal(c.target.url, 'http://pa:32400');
  assert.equal(c.target.token, 'pa-token-1234');
  c = await resolve({}, linux({ PLEX_URL: 'http://env:32400', PLEX_TOKEN: 'env-token-1234', PLEXAPI_AUTH_SERVER_TOKEN: 'pa-token-1234' }), m);
  assert.equal(c.target.url, 'http://env:32400');
  assert.equal(c.target.tokenSource, 'env PLEX_TOKEN');
  c = await resolve({ url: 'http://flag:32400', token: 'flag-token-1234' }, linux({ PLEX_URL: 'http://env:32400', PLEX_TOKEN: 'env-token-1234' }), m);
  assert.equal(c.target.url, 'http://flag:32400');
  assert.equal(c.target.token, 'flag-token-1234');
  const line = describeTarget(c);
  assert.equal(line, 'target: Plex server at http://flag:32400 (address from flag --url, token from flag --token)');
  assert.ok(!line.includes('flag-token-1234'));
});

test('config file: relative folders resolve against the file, path mappings merge with flags and env, bad files fail clearly', async () => {
  const yaml = ['logsDir: ../logs', 'pluginsDir: /abs/Plug-ins', 'pathMappings:', '  - server: /config', '    local: /mnt/plex config', 'timeoutMs: 5000'].join('\n');
  const m = machine({ files: { '/etc/pm/plexmend.yaml': yaml } });
  const c = await resolve({ config: '/etc/pm/plexmend.yaml', pathMap: ['/data=/mnt/data'] }, linux({ PLEXMEND_PATH_MAP: '/volume1=/mnt/nas' }), m);
  assert.equal(c.paths.logsDir, '/etc/logs');
  assert.equal(c.paths.sources.logsDir, 'file /etc/pm/plexmend.yaml');
  assert.equal(c.paths.pluginsDir, '/abs/Plug-ins');
  assert.equal(c.timeoutMs, 5000);
  assert.deepEqual(c.pathMappings, [
    { server: '/config', local: '/mnt/plex config' },
    { server: '/volume1', local: '/mnt/nas' },
    { server: '/data', local: '/mnt/data' },
  ]);
  await assert.rejects(resolve({ config: '/nope.yaml' }, linux(), m), (e: unknown) => e instanceof InputError && /cannot read the config file \/nope\.yaml/.test(e.message));
  const typo = machine({ files: { '/work/dir/plexmend.yaml': 'tokne: abc\n' } });
  await assert.rejects(resolve({}, linux(), typo), (e: unknown) => e instanceof InputError && /tokne/.test(e.message) && /allowed keys/.test(e.hint!));
  const broken = machine({ files: { '/work/dir/plexmend.yaml': 'url: [unclosed\n' } });
  await assert.rejects(resolve({}, linux(), broken), (e: unknown) => e instanceof InputError && /not valid YAML/.test(e.message));
  await assert.rejects(resolve({ pathMap: ['nonsense'] }, linux(), m), UsageError);
});

test('discovery on Linux: folders from the package layout, token from Preferences.xml', async () => {
  const m = machine({
    dirs: [LINUX_DATA, `${LINUX_DATA}/Plug-ins`, `${LINUX_DATA}/Logs/PMS Plugin Logs`, `${LINUX_DATA}/Plug-in Support`],
    files: { [`${LINUX_DATA}/Preferences.xml`]: '<?xml version="1.0"?>\n<Preferences MachineIdentifier="abc" PlexOnlineToken="pref-token-9876" PlexOnlineUsername="ann"/>' },
  });
  const c = await resolve({}, linux(), m);
  assert.equal(c.target.kind, 'server');
  assert.equal(c.target.token, 'pref-token-9876');
  assert.equal(c.target.tokenSource, `Preferences.xml (${LINUX_DATA}/Preferences.xml)`);
  assert.equal(c.target.reason, 'found on this machine');
  assert.equal(c.paths.dataDir, LINUX_DATA);
  assert.equal(c.paths.pluginsDir, `${LINUX_DATA}/Plug-ins`);
  assert.equal(c.paths.logsDir, `${LINUX_DATA}/Logs/PMS Plugin Logs`);
  assert.equal(c.paths.supportDir, `${LINUX_DATA}/Plug-in Support`);
  assert.match(c.paths.sources.dataDir!, /discovered \(Linux package\)/);
  assert.ok(!describeTarget(c).includes('pref-token-9876'));
});

test('discovery: an unreadable Preferences.xml is a note with the way out, not a crash', async () => {
  const m = machine({ dirs: [LINUX_DATA], files: { [`${LINUX_DATA}/Preferences.xml`]: { code: 'EACCES' } } });
  const c = await resolve({}, linux(), m);
  assert.equal(c.target.token, undefined);
  assert.ok(c.notes.some((n) => /may not read it/.test(n) && /--token/.test(n)));
});

test('discovery on macOS asks `defaults`, on Windows `reg query`, with argument arrays', async () => {
  const mac = machine({ run: (cmd) => (cmd === 'defaults' ? { code: 0, stdout: 'mac-token-5555\n', stderr: '' } : { code: -1, stdout: '', stderr: '' }) });
  const c = await resolve({}, { env: {}, cwd: '/Users/ann', platform: 'darwin', homedir: '/Users/ann' }, mac);
  assert.equal(c.target.token, 'mac-token-5555');
  assert.deepEqual(mac.calls[0], ['defaults', MACOS_DEFAULTS_ARGS]);
  assert.equal(c.userConfigDir, '/Users/ann/Library/Application Support/plexmend');
  const regOut = '\r\nHKEY_CURRENT_USER\\Software\\Plex, Inc.\\Plex Media Server\r\n    PlexOnlineToken    REG_SZ    win-token-7777\r\n\r\n';
  const win = machine({ run: (cmd) => (cmd === 'reg' ? { code: 0, stdout: regOut, stderr: '' } : { code: -1, stdout: '', stderr: '' }) });
  const w = await resolve({}, { env: { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local', APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, cwd: 'C:\\work', platform: 'win32', homedir: 'C:\\Users\\ann' }, win);
  assert.equal(w.target.token, 'win-token-7777');
  assert.deepEqual(win.calls[0], ['reg', WINDOWS_REG_ARGS]);
  assert.equal(WINDOWS_REG_ARGS[1], 'HKCU\\Software\\Plex, Inc.\\Plex Media Server');
  assert.equal(w.userConfigDir, 'C:\\Users\\ann\\AppData\\Roaming\\plexmend');
  assert.ok(w.paths.tried.dataDir!.includes('C:\\Users\\ann\\AppData\\Local\\Plex Media Server'));
});

test('sandbox: used when asked, with its folders; refused when not running; never mixed with --url', async () => {
  const live = machine({ files: { [PROFILE_PATH]: profile(4242) }, pids: [4242] });
  const c = await resolve({ sandbox: true }, linux({ PLEX_URL: 'http://real:32400', PLEX_TOKEN: 'real-token-1234' }), live);
  assert.equal(c.target.kind, 'sandbox');
  assert.equal(c.target.url, 'http://127.0.0.1:41234');
  assert.equal(c.target.token, 'sandbox-token-1234');
  assert.equal(c.paths.logsDir, '/tmp/sb/Plex Media Server/Logs/PMS Plugin Logs');
  assert.equal(describeTarget(c), 'target: sandbox at http://127.0.0.1:41234 (scenario default, seed 7) — asked for with --sandbox');
  await assert.rejects(resolve({ sandbox: true }, linux(), machine()), (e: unknown) => e instanceof InputError && /no sandbox is running/.test(e.message) && /plexmend sandbox/.test(e.hint!));
  await assert.rejects(resolve({ sandbox: true, url: 'http://x:32400' }, linux(), live), UsageError);
  assert.ok(c.notes.some((n) => /env PLEX_URL and env PLEX_TOKEN are not used/.test(n)));
  const viaEnv = await resolve({}, linux({ PLEXMEND_SANDBOX: '1' }), live);
  assert.equal(viaEnv.target.kind, 'sandbox');
  assert.match(describeTarget(viaEnv), /asked for with PLEXMEND_SANDBOX$/);
});

test('sandbox: chosen automatically only when no real server is configured or found, and the reason says so', async () => {
  const live = machine({ files: { [PROFILE_PATH]: profile(4242) }, pids: [4242] });
  const auto = await resolve({}, linux(), live);
  assert.equal(auto.target.kind, 'sandbox');
  assert.match(describeTarget(auto), /no Plex server is configured or found on this machine, so the running sandbox is used/);
  const withLogs = await resolve({ logsDir: '/my logs' }, linux(), live);
  assert.equal(withLogs.target.kind, 'sandbox');
  assert.equal(withLogs.paths.logsDir, '/my logs', 'an explicit folder wins over the sandbox profile');
  assert.equal(withLogs.paths.pluginsDir, '/tmp/sb/Plex Media Server/Plug-ins');
  const real = await resolve({}, linux({ PLEX_URL: 'http://real:32400' }), live);
  assert.equal(real.target.kind, 'server');
  assert.equal(real.target.url, 'http://real:32400');
  const stale = machine({ files: { [PROFILE_PATH]: profile(999) }, pids: [] });
  const s = await resolve({}, linux(), stale);
  assert.equal(s.target.kind, 'server');
  assert.ok(s.notes.some((n) => /process that has ended \(pid 999\)/.test(n)));
  const stopped = machine({ files: { [PROFILE_PATH]: profile(null) } });
  const st = await resolve({}, linux(), stopped);
  assert.equal(st.target.kind, 'server');
  assert.ok(st.notes.some((n) => /was stopped/.test(n)));
  const other = machine({ files: { [PROFILE_PATH]: JSON.stringify({ schema: 'plexmend.survey/1' }) } });
  const o = await resolve({}, linux(), other);
  assert.ok(o.notes.some((n) => /plexmend\.survey\/1/.test(n) && /plexmend\.sandbox\/1/.test(n)));
});

test('an explicit data folder keeps its own Plug-ins and logs; another install on the machine is never mixed in', async () => {
  const mine = '/mnt/nas plex/Plex Media Server';
  const m = machine({ dirs: [mine, `${mine}/Logs/PMS Plugin Logs`, LINUX_DATA, `${LINUX_DATA}/Plug-ins`, `${LINUX_DATA}/Logs/PMS Plugin Logs`] });
  const c = await resolve({ dataDir: mine, token: 'tok-123456789' }, linux(), m);
  assert.equal(c.paths.dataDir, mine);
  assert.equal(c.paths.logsDir, `${mine}/Logs/PMS Plugin Logs`);
  assert.equal(c.paths.sources.logsDir, 'inside the data dir');
  assert.equal(c.paths.pluginsDir, undefined, 'no Plug-ins inside the given data folder, and not the other install\'s');
  assert.deepEqual(c.paths.tried.pluginsDir, [`${mine}/Plug-ins`]);
  // Discovered: the three folders come from the same install.
  const d = await resolve({ token: 'tok-123456789' }, linux(), m);
  assert.equal(d.paths.dataDir, LINUX_DATA);
  assert.equal(d.paths.pluginsDir, `${LINUX_DATA}/Plug-ins`);
  assert.equal(d.paths.logsDir, `${LINUX_DATA}/Logs/PMS Plugin Logs`);
});

test('a URL copied with its X-Plex-Token (or user info) gives the token and is never printed with it', async () => {
  const c = await resolve({ url: 'http://192.168.1.5:32400/?X-Plex-Token=SECRET-TOKEN-123' }, linux(), machine());
  assert.equal(c.target.url, 'http://192.168.1.5:32400/');
  assert.equal(c.target.token, 'SECRET-TOKEN-123');
  assert.equal(c.target.tokenSource, 'X-Plex-Token in the flag --url URL');
  assert.doesNotMatch(describeTarget(c), /SECRET/);
  // A token given on its own wins over the URL's; user info is dropped; a plain URL is kept as written.
  const d = await resolve({ url: 'http://ann:SECRET-PW@plex.lan:32400/?x-plex-token=URLTOKEN1&a=1' }, linux({ PLEX_TOKEN: 'env-token-1234' }), machine());
  assert.equal(d.target.url, 'http://plex.lan:32400/?a=1');
  assert.equal(d.target.token, 'env-token-1234');
  assert.doesNotMatch(describeTarget(d), /SECRET|URLTOKEN/);
  const e = await resolve({ url: 'http://plex.lan:32400' }, linux(), machine());
  assert.equal(e.target.url, 'http://plex.lan:32400');
});
