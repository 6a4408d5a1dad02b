import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PluginHost, type SearchMedia } from '../../src/sandbox/runtime/host.ts';
import { checkGrammar, makeDataDir, startSite, type DataDir, type Site } from './runtime-helpers.ts';

/** The Probe bundle treats media.name as a command and answers with what it saw (result name). */
function probe(host: PluginHost, command: string): Promise<string> {
  const media: SearchMedia = { id: '1', name: command, filename: '/media/probe.mp4' };
  return host.search(media, 'en', false).then((r) => {
    assert.equal(r.length, 1, `probe "${command}" answered`);
    return r[0]!.name;
  });
}

describe('HTTP, HTML, JSON, Prefs and Log kits (Probe bundle)', () => {
  let site: Site;
  let dir: DataDir;
  let host: PluginHost;
  const site1 = 'https://www.site-one.test';

  before(async () => {
    site = await startSite();
    dir = await makeDataDir();
    host = new PluginHost({
      bundleDir: join(dir.plugins, 'Probe.bundle'),
      logsDir: dir.logs,
      supportDir: dir.support,
      hostMap: { 'www.site-one.test': `127.0.0.1:${site.port}` },
    });
    assert.deepEqual(await host.start(), { ok: true });
  });
  after(async () => {
    await host.stop();
    await site.close();
    await dir.cleanup();
  });

  const log = () => readFile(join(dir.logs, 'com.plexapp.agents.Probe.log'), 'utf8');

  it('sends HTTP.Headers and per-request headers, with the original Host, over the host map', async () => {
    const body = await probe(host, `get ${site1}/counter?x=1`);
    assert.match(body, /^count \d+$/);
    const req = site.requests.at(-1)!;
    assert.equal(req.url, '/counter?x=1');
    assert.equal(req.headers.host, 'www.site-one.test');
    assert.equal(req.headers['user-agent'], 'ProbeAgent/1.0');
    assert.equal(req.headers['accept-language'], 'en-US,en;q=0.9');
    await probe(host, `headers ${site1}/counter`);
    assert.equal(site.requests.at(-1)!.headers['x-extra'], 'yes');
    assert.ok((await log()).includes(`DEBUG (networking:144) - Requesting '${site1}/counter?x=1'\n`));
  });

  it('raises urllib HTTPError text on non-2xx and logs "Error opening URL" as the framework does', async () => {
    assert.equal(await probe(host, `fail ${site1}/forbidden`), 'HTTP Error 403: Forbidden');
    assert.equal(await probe(host, `fail ${site1}/nowhere`), 'HTTP Error 404: Not Found');
    assert.equal(await probe(host, 'fail https://unmapped.example.test/x'), '<urlopen error [Errno -2] Name or service not known>');
    const text = await log();
    assert.ok(text.includes(`ERROR (networking:197) - Error opening URL '${site1}/forbidden'\n`));
    assert.equal(site.requests.filter((r) => r.headers.host === 'unmapped.example.test').length, 0);
  });

  it('times out a slow site with the socket error and logs it like any failed request', async () => {
    assert.match(await probe(host, `timeout ${site1}/slow`), /^(timeout|TimeoutError)\('timed out'\)$/);
    assert.ok((await log()).includes(`ERROR (networking:197) - Error opening URL '${site1}/slow'\n`));
  });

  it('caches GET responses on disk for cacheTime, and HTTP.ClearCache() empties the cache', async () => {
    const first = await probe(host, `cached ${site1}/counter`);
    const second = await probe(host, `cached ${site1}/counter`);
    assert.equal(second, first, 'served from the cache');
    const files = await readdir(join(dir.support, 'Caches', 'com.plexapp.agents.Probe', 'HTTP'));
    assert.ok(files.some((f) => f.endsWith('.body')));
    assert.ok((await log()).includes(`Fetching '${site1}/counter' from the HTTP cache`));
    assert.equal(await probe(host, 'clearcache'), 'cleared');
    const third = await probe(host, `cached ${site1}/counter`);
    assert.notEqual(third, first, 'fetched again after ClearCache');
    const plain = await probe(host, `get ${site1}/counter`);
    assert.notEqual(plain, third, 'no cacheTime, no cache (HTTP.CacheTime defaults to 0)');
  });

  it('keeps cookies a site sets and sends them back to that site', async () => {
    assert.equal(await probe(host, `get ${site1}/echo-cookie`), 'cookie=');
    assert.equal(await probe(host, `get ${site1}/set-cookie`), 'cookie set');
    assert.equal(await probe(host, `get ${site1}/echo-cookie`), 'cookie=cf_clearance=ok42');
  });

  it('follows redirects, parses HTML and JSON', async () => {
    assert.match(await probe(host, `get ${site1}/redirect`), /^count \d+$/);
    assert.deepEqual(JSON.parse(await probe(host, `xpath ${site1}/film/42`)), [' 2019', ' 2019-03-14', 'Alex Stone', 'Ben Über']);
    assert.deepEqual(JSON.parse(await probe(host, `json ${site1}/data.json`)), { a: [1, 2], b: 'ü' });
  });

  it('reads DefaultPrefs.json (bool/text), and a saved preference set after reloadPrefs()', async () => {
    assert.deepEqual(JSON.parse(await probe(host, 'prefs')), [true, 'default-word', 'Local - No']);
    await mkdir(join(dir.support, 'Preferences'), { recursive: true });
    await writeFile(
      join(dir.support, 'Preferences', 'com.plexapp.agents.Probe.xml'),
      '<?xml version="1.0" encoding="utf-8"?>\n<PluginPreferences><flag>false</flag><word>saved</word><mode>2</mode></PluginPreferences>\n',
    );
    assert.deepEqual(JSON.parse(await probe(host, 'prefs')), [true, 'default-word', 'Local - No'], 'not re-read by itself');
    await host.reloadPrefs();
    assert.deepEqual(JSON.parse(await probe(host, 'prefs')), [false, 'saved', 'Remote'], 'an enum is saved by its index');
  });

  it('gives case-insensitive response headers and a Dict kept across restarts', async () => {
    assert.equal(await probe(host, `header ${site1}/data.json`), 'application/json');
    assert.equal(await probe(host, 'dict'), '1');
    assert.equal(await probe(host, 'dict'), '2');
    assert.deepEqual(await host.restart(), { ok: true });
    assert.equal(await probe(host, 'dict'), '3');
  });

  it('keeps agent prints off the protocol stream, attributes Log.Error to the calling line', async () => {
    assert.equal(await probe(host, 'print'), 'printed-ok');
    assert.equal(await probe(host, 'error'), 'logged');
    assert.match(await log(), /\) : {2}ERROR \(__init__:\d+\) - Probe - an error line\n/);
  });

  it('logs an exception escaping update with the guid, and answers null', async () => {
    const md = await host.update('probe', { id: '293', name: 'x', filename: '/m/x.mp4', guid: 'com.plexapp.agents.GayAdultFilms://293?lang=en' }, 'en');
    assert.equal(md, null);
    const text = await log();
    assert.ok(
      text.includes(
        "CRITICAL (agentkit:1067) - Exception in the update function of agent named 'Probe', called with guid 'com.plexapp.agents.GayAdultFilms://293?lang=en' (most recent call last):\n",
      ),
    );
    assert.ok(text.includes("\nKeyError: 'update-boom'\n"));
  });

  it('serves overlapping calls on different threads', async () => {
    const before = (await log()).length;
    const started = Date.now();
    await Promise.all([1, 2, 3].map(() => probe(host, 'sleep 0.5')));
    assert.ok(Date.now() - started < 1400, 'the three calls overlapped');
    const { records, stray } = checkGrammar((await log()).slice(before));
    assert.deepEqual(stray, []);
    const threads = new Set(records.filter((m) => m[6]!.startsWith('Searching for matches')).map((m) => m[2]));
    assert.equal(threads.size, 3, 'one thread per concurrent call');
  });
});

describe('Windows-style plug-in logs', () => {
  it('attributes agent lines to logkit and writes short thread ids, as Windows logs show', async () => {
    const dir = await makeDataDir();
    const host = new PluginHost({ bundleDir: join(dir.plugins, 'Probe.bundle'), logsDir: dir.logs, supportDir: dir.support, hostMap: {}, logStyle: 'windows' });
    try {
      assert.deepEqual(await host.start(), { ok: true });
      assert.equal(await probe(host, 'error'), 'logged');
      const text = await readFile(join(dir.logs, 'com.plexapp.agents.Probe.log'), 'utf8');
      const { records, stray } = checkGrammar(text);
      assert.deepEqual(stray, []);
      assert.ok(records.every((m) => /^[0-9a-f]{3,4}$/.test(m[2]!)), 'short hex thread ids');
      assert.ok(records.some((m) => m[3] === 'ERROR' && m[4] === 'logkit' && m[5] === '22' && m[6] === 'Probe - an error line'));
      assert.equal(records[0]![6], 'Starting framework core - Version: 2.6.3, Build: 4608319 (Thu Jul 03 02:40:00 UTC 2025)');
    } finally {
      await host.stop();
      await dir.cleanup();
    }
  });
});

describe('plug-in log rotation', () => {
  it('rolls over at every plug-in start, keeps 5 backups, and at 1 MiB', async () => {
    const dir = await makeDataDir();
    const host = new PluginHost({ bundleDir: join(dir.plugins, 'Probe.bundle'), logsDir: dir.logs, supportDir: dir.support, hostMap: {} });
    try {
      for (let i = 0; i < 7; i++) {
        assert.deepEqual(await host.restart(), { ok: true });
      }
      let names = (await readdir(dir.logs)).sort();
      assert.deepEqual(names, ['com.plexapp.agents.Probe.log', ...[1, 2, 3, 4, 5].map((n) => `com.plexapp.agents.Probe.log.${n}`)]);
      for (const n of names) {
        assert.match(await readFile(join(dir.logs, n), 'utf8'), /^\S+ \S+ \([0-9a-f]+\) : {2}INFO \(core:349\) - Starting framework core/);
      }
      // ~1.5 MiB of agent lines: the current file rolls over at 1 MiB, every file stays under it.
      assert.equal(await probe(host, 'spam 6500'), 'spammed');
      names = (await readdir(dir.logs)).sort();
      assert.equal(names.length, 6);
      for (const n of names) assert.ok((await stat(join(dir.logs, n))).size <= 1_048_576, `${n} <= 1 MiB`);
      const rolled = await readFile(join(dir.logs, 'com.plexapp.agents.Probe.log.1'), 'utf8');
      assert.ok((await stat(join(dir.logs, 'com.plexapp.agents.Probe.log.1'))).size > 1_000_000, 'the rolled file was filled to ~1 MiB');
      assert.match(rolled, /INFO \(sandbox:19\) - spam line 0 x+\n/);
      const current = await readFile(join(dir.logs, 'com.plexapp.agents.Probe.log'), 'utf8');
      assert.match(current, /^\S+ \S+ \([0-9a-f]+\) : {2}INFO \(sandbox:19\) - spam line \d+ x+\n/, 'the new file starts at a record boundary');
    } finally {
      await host.stop();
      await dir.cleanup();
    }
  });
});
