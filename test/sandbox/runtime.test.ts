import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PluginHost, PluginCallError } from '../../src/sandbox/runtime/host.ts';
import { checkGrammar, FIXTURES, LINE, makeDataDir, startSite, type DataDir, type Site } from './runtime-helpers.ts';

const MEDIA = { id: '42', name: 'Cafe Nights & Days', year: 2019, filename: '/media/films/(Blue Harbour) - Cafe Nights & Days (2019).mp4' };

describe('PluginHost end to end (TestSite bundle)', () => {
  let site: Site;
  let dir: DataDir;
  let host: PluginHost;

  before(async () => {
    site = await startSite();
    dir = await makeDataDir();
    // The saved preference (Plug-in Support/Preferences/<id>.xml) wins over DefaultPrefs.json.
    await mkdir(join(dir.support, 'Preferences'), { recursive: true });
    await writeFile(
      join(dir.support, 'Preferences', 'com.plexapp.agents.TestSite.xml'),
      '<?xml version="1.0" encoding="utf-8"?>\n<PluginPreferences><sendreferer>true</sendreferer></PluginPreferences>\n',
    );
    host = new PluginHost({
      bundleDir: join(dir.plugins, 'TestSite.bundle'),
      logsDir: dir.logs,
      supportDir: dir.support,
      hostMap: { 'www.testsite.test': `127.0.0.1:${site.port}` },
    });
    const started = await host.start();
    assert.deepEqual(started, { ok: true });
  });

  after(async () => {
    await host.stop();
    await site.close();
    await dir.cleanup();
  });

  it('reads the bundle id from Info.plist and declares the agent', async () => {
    assert.equal(host.bundleId, 'com.plexapp.agents.TestSite');
    assert.equal(host.logPath, join(dir.logs, 'com.plexapp.agents.TestSite.log'));
    assert.deepEqual(await host.start(), { ok: true }, 'start() on a running plug-in answers without a second process');
    assert.deepEqual(host.agent, {
      name: 'TestSite (IAFD)',
      primary: false,
      contributesTo: ['com.plexapp.agents.GayAdultFilms'],
      languages: ['en'],
    });
  });

  it('searches through the host map with the original Host header, Start() headers and saved prefs', async () => {
    const results = await host.search(MEDIA, 'en', false);
    assert.equal(results.length, 1);
    assert.deepEqual(JSON.parse(results[0]!.id), { url: '/film/42', title: 'Cafe Nights & Days', year: 2019 });
    assert.deepEqual({ ...results[0], id: 'x' }, { id: 'x', name: 'Cafe Nights & Days', score: 100, year: 2019, lang: 'en' });
    const searchReq = site.requests.find((r) => r.url.startsWith('/search'));
    assert.ok(searchReq, 'the site saw the search request');
    assert.equal(searchReq.url, '/search?q=cafe+nights+and+days');
    assert.equal(searchReq.headers.host, 'www.testsite.test');
    assert.equal(searchReq.headers['user-agent'], 'Mozilla/5.0 (TestSite agent)');
    assert.equal(searchReq.headers.referer, 'https://www.testsite.test/');
  });

  it('updates: title, studio, date, summary, roles, genres, posters, rating', async () => {
    const [result] = await host.search(MEDIA, 'en', false);
    const guid = 'com.plexapp.agents.GayAdultFilms://42?lang=en';
    const md = await host.update(result!.id, { ...MEDIA, guid }, 'en');
    // The first update of an item logs the framework's model noise; the model is kept, so the next does not.
    const log1 = await readFile(host.logPath, 'utf8');
    const cannot = log1.match(/ERROR \(model:205\) - Cannot read model from (.*)\n/);
    assert.ok(cannot, 'Cannot read model on the first update');
    assert.ok(cannot[1]!.startsWith(join(dir.root, 'Metadata', 'Movies') + '/'));
    assert.match(cannot[1]!, /\/[0-9a-f]\/[0-9a-f]{39}\.bundle\/Contents\/com\.plexapp\.agents\.TestSite$/);
    assert.ok(log1.includes(`DEBUG (model:229) - Serializing to ${cannot[1]}\n`));
    assert.deepEqual(await host.update(result!.id, { ...MEDIA, guid }, 'en'), md);
    const log2 = await readFile(host.logPath, 'utf8');
    assert.equal(log2.split('Cannot read model').length - 1, 1, 'no second Cannot read model for the same item');
    assert.deepEqual(md, {
      title: 'Cafe Nights & Days',
      summary: 'Two friends open a café.',
      studio: 'Blue Harbour',
      originally_available_at: '2019-03-14',
      year: 2019,
      rating: 7.5,
      roles: [{ name: 'Alex Stone', photo: 'https://www.testsite.test/img/a.jpg' }, { name: 'Ben Über' }],
      posters: ['https://www.testsite.test/img/cover42.jpg'],
      genres: ['Drama', 'Comedy'],
    });
  });

  it('logs an exception escaping search as the framework does, with frames in the bundle', async () => {
    const out = await host.search({ ...MEDIA, id: '17829', name: 'Boom', filename: '/m/raise-me.mp4' }, 'en', false);
    assert.deepEqual(out, []);
    const log = await readFile(join(dir.logs, 'com.plexapp.agents.TestSite.log'), 'utf8');
    const idx = log.indexOf(
      "CRITICAL (agentkit:1018) - Exception in the search function of agent named 'TestSite (IAFD)', called with keyword arguments {'year': 2019, 'id': '17829', 'name': 'Boom'} (most recent call last):\n",
    );
    assert.ok(idx > 0, 'the CRITICAL line is in the log');
    const tail = log.slice(idx).split('\n').slice(1, 6);
    assert.match(tail[0]!, /^ {2}File ".*agentkit\.py", line \d+, in _search$/);
    assert.equal(tail[1], '    agent.search(*f_args, **f_kwargs)');
    assert.match(tail[2]!, /^ {2}File ".*TestSite\.bundle\/Contents\/Code\/__init__\.py", line 29, in search$/);
    assert.equal(tail[3], "    raise ValueError('planted failure for ' + media.name)");
    assert.equal(tail[4], 'ValueError: planted failure for Boom');
  });

  it('writes every line in the framework grammar, starting with the real start sequence', async () => {
    const log = await readFile(join(dir.logs, 'com.plexapp.agents.TestSite.log'), 'utf8');
    const { records, stray } = checkGrammar(log);
    assert.deepEqual(stray, []);
    const first = records.slice(0, 3).map((m) => `${m[3]} (${m[4]}:${m[5]}) - ${m[6]}`);
    assert.deepEqual(first, [
      'INFO (core:349) - Starting framework core - Version: 2.6.3, Build: 4608319 (Thu Jul 03 02:40:00 UTC 2025)',
      'DEBUG (core:361) - Using the elevated policy',
      'DEBUG (core:450) - Starting runtime component.',
    ]);
    const msgs = records.map((m) => `${m[3]} (${m[4]}:${m[5]}) - ${m[6]}`);
    // The first 13 records are those of a real GEVI start (fixtures/real-logs/09, macOS, Framework 2.6.3).
    const real09 = (await readFile(join(FIXTURES, 'real-logs', '09_pgma_gevi_framework_startup_macos_2025-08-04.log'), 'utf8'))
      .split('\n')
      .map((l) => LINE.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[3]} (${m[4]}:${m[5]}) - ${m[6]}`);
    assert.equal(real09.length, 13);
    assert.deepEqual(msgs.slice(0, 13), real09);
    // The resource-hashes traceback has the frames of a real one (fixtures/real-logs/30), path prefixes aside.
    const frames = (text: string) =>
      text
        .split('\n')
        .filter((l) => /^ {2}File "|^ {4}|^HTTPError: /.test(l.replace(/^(>>| {3})(?= {2}File| {4}|HTTPError)/, '')))
        .map((l) => l.replace(/^ {2}File ".*\/(Framework\/|python27\.zip\/)/, '  File "$1'))
        .slice(0, 19);
    const real30 = await readFile(join(FIXTURES, 'real-logs', '30_jbm_resourcehashes_404_traceback_macos_2026-02-06.log'), 'utf8');
    assert.deepEqual(frames(log.slice(log.indexOf('Exception getting hosted resource hashes'))), frames(real30));
    const hashes = msgs.indexOf('CRITICAL (runtime:1299) - Exception getting hosted resource hashes (most recent call last):');
    const started = msgs.indexOf('INFO (core:611) - Started plug-in');
    assert.ok(hashes > 0 && started > hashes, 'resource-hashes noise comes before Started plug-in');
    assert.ok(log.includes('\nHTTPError: HTTP Error 404: Not Found\n'));
    assert.ok(msgs.includes('DEBUG (agentkit:1132) - Creating new agent class called TestSite'));
    assert.ok(msgs.includes("DEBUG (networking:144) - Requesting 'https://www.testsite.test/search?q=cafe+nights+and+days'"));
    assert.ok(msgs.includes('INFO (sandbox:19) - TestSite  - SEARCH:: >> Successful!! <<'));
    // The framework's request route names the AgentKit function and carries the call's arguments,
    // base64 ('/'->'@', '='->'_') of Plex's "cereal" serialisation, as real logs show (real-logs/31).
    const route = msgs.find((m) => m.startsWith('DEBUG (runtime:717) - Handling request GET /:/plugins/com.plexapp.agents.TestSite/messaging/function/'));
    assert.ok(route, 'a routed search request');
    const [fn, args, kwargs] = route.split('/messaging/function/')[1]!.split('/').map((seg) => Buffer.from(seg.replace(/@/g, '/').replace(/_/g, '='), 'base64').toString('utf8'));
    assert.equal(fn, '_AgentKit:Search');
    assert.equal(args, 'cereal1\n1\nlist\n0\nr0\n');
    assert.match(kwargs!, /^cereal1\n1\ndict\n7\n/);
    assert.ok(kwargs!.includes('s18\nCafe Nights & Days' + 's4\nname'), 'value then key, as the framework writes');
    // Timestamps and thread ids are well-formed; requests run on other threads than the start.
    const threads = new Set(records.map((m) => m[2]));
    assert.ok(threads.size >= 2, 'calls run on their own threads');
  });
});

describe('PluginHost failure paths', () => {
  let site: Site;
  let dir: DataDir;

  before(async () => {
    site = await startSite();
    dir = await makeDataDir();
  });
  after(async () => {
    await site.close();
    await dir.cleanup();
  });

  it('refuses a RestrictedPython naming violation in an imported module: no start, CRITICAL logged', async () => {
    const utils = join(dir.plugins, 'TestSite.bundle', 'Contents', 'Code', 'utils.py');
    const original = await readFile(utils, 'utf8');
    await writeFile(utils, original + '\n_add_stubs_to_path = True\n');
    const host = new PluginHost({ bundleDir: join(dir.plugins, 'TestSite.bundle'), logsDir: dir.logs, supportDir: dir.support, hostMap: {} });
    try {
      const started = await host.start();
      assert.equal(started.ok, false);
      assert.equal(started.error, 'SyntaxError: Line 17: "_add_stubs_to_path" is an invalid variable name because it starts with "_"');
      await assert.rejects(host.search(MEDIA, 'en', false), (e: unknown) => e instanceof PluginCallError && e.kind === 'not-running');
      const log = await readFile(join(dir.logs, 'com.plexapp.agents.TestSite.log'), 'utf8');
      assert.match(log, /CRITICAL \(core:615\) - Exception starting plug-in \(most recent call last\):\n/);
      assert.match(log, /\n {2}File ".*Contents\/Code\/__init__\.py", line 6, in <module>\n {4}import utils\n/);
      assert.ok(log.includes('\nSyntaxError: Line 17: "_add_stubs_to_path" is an invalid variable name because it starts with "_"'));
      assert.ok(!log.includes('Started plug-in'));
    } finally {
      await host.stop();
      await writeFile(utils, original);
    }
  });

  it('refuses __file__ in __init__.py at load (core:574 Exception while loading code)', async () => {
    const init = join(dir.plugins, 'TestSite.bundle', 'Contents', 'Code', '__init__.py');
    const original = await readFile(init, 'utf8');
    await writeFile(init, original.replace("VERSION = 'v1'", "VERSION = 'v1'\nHERE = __file__"));
    const host = new PluginHost({ bundleDir: join(dir.plugins, 'TestSite.bundle'), logsDir: dir.logs, supportDir: dir.support, hostMap: {} });
    try {
      const started = await host.start();
      assert.equal(started.ok, false);
      assert.equal(started.error, 'SyntaxError: Line 10: "__file__" is an invalid variable name because it starts with "_"');
      const log = await readFile(join(dir.logs, 'com.plexapp.agents.TestSite.log'), 'utf8');
      assert.match(log, /CRITICAL \(core:574\) - Exception while loading code \(most recent call last\):\n/);
    } finally {
      await host.stop();
      await writeFile(init, original);
    }
  });

  it('fails the start when Start() raises, and never puts a token in the error', async () => {
    const init = join(dir.plugins, 'TestSite.bundle', 'Contents', 'Code', '__init__.py');
    const original = await readFile(init, 'utf8');
    await writeFile(init, original.replace('def Start():\n', "def Start():\n    raise ValueError('GET http://127.0.0.1:32400/library?X-Plex-Token=abcd1234secret failed')\n"));
    const host = new PluginHost({ bundleDir: join(dir.plugins, 'TestSite.bundle'), logsDir: dir.logs, supportDir: dir.support, hostMap: {} });
    try {
      const started = await host.start();
      assert.equal(started.ok, false);
      assert.equal(started.error, 'ValueError: GET http://127.0.0.1:32400/library?X-Plex-Token=<redacted> failed');
      const log = await readFile(join(dir.logs, 'com.plexapp.agents.TestSite.log'), 'utf8');
      assert.match(log, /CRITICAL \(core:615\) - Exception starting plug-in \(most recent call last\):\n(?: {2}File .*\n {4}.*\n)* {2}File ".*__init__\.py", line 13, in Start\n {4}raise ValueError\(/);
    } finally {
      await host.stop();
      await writeFile(init, original);
    }
  });

  it('starts one process for concurrent start() calls', async () => {
    const logs = join(dir.root, 'Logs', 'concurrent start');
    const host = new PluginHost({ bundleDir: join(dir.plugins, 'Probe.bundle'), logsDir: logs, supportDir: dir.support, hostMap: {} });
    try {
      const [a, b] = await Promise.all([host.start(), host.start()]);
      assert.deepEqual([a, b], [{ ok: true }, { ok: true }]);
      // A second process would have rolled the first one's log over to .log.1.
      assert.deepEqual(await readdir(logs), ['com.plexapp.agents.Probe.log']);
    } finally {
      await host.stop();
    }
  });

  it('applies a code change only after restart()', async () => {
    const site2 = site;
    const init = join(dir.plugins, 'TestSite.bundle', 'Contents', 'Code', '__init__.py');
    const original = await readFile(init, 'utf8');
    const host = new PluginHost({
      bundleDir: join(dir.plugins, 'TestSite.bundle'),
      logsDir: dir.logs,
      supportDir: dir.support,
      hostMap: { 'www.testsite.test': `127.0.0.1:${site2.port}` },
    });
    try {
      assert.deepEqual(await host.start(), { ok: true });
      assert.equal((await host.search(MEDIA, 'en', false))[0]?.score, 100);
      await writeFile(init, original.replace('score=100', 'score=55'));
      assert.equal((await host.search(MEDIA, 'en', false))[0]?.score, 100, 'old code still loaded');
      assert.deepEqual(await host.restart(), { ok: true });
      assert.equal((await host.search(MEDIA, 'en', false))[0]?.score, 55, 'new code after restart');
    } finally {
      await host.stop();
      await writeFile(init, original);
    }
  });

  it('reports a crashed plug-in instead of hanging, and times out slow calls', async () => {
    const host = new PluginHost({ bundleDir: join(dir.plugins, 'Probe.bundle'), logsDir: dir.logs, supportDir: dir.support, hostMap: {}, callTimeoutMs: 1500 });
    try {
      assert.deepEqual(await host.start(), { ok: true });
      await assert.rejects(
        host.search({ id: '1', name: 'sleep 5', filename: '/m/a.mp4' }, 'en', false),
        (e: unknown) => e instanceof PluginCallError && e.kind === 'timeout',
      );
      assert.equal((await host.search({ id: '1', name: 'sleep 0', filename: '/m/a.mp4' }, 'en', false))[0]?.name, 'slept', 'still serving after a timeout');
      await assert.rejects(
        host.search({ id: '1', name: 'crash', filename: '/m/a.mp4' }, 'en', false),
        (e: unknown) => e instanceof PluginCallError && e.kind === 'crashed',
      );
      await assert.rejects(host.search({ id: '1', name: 'get x', filename: '/m/a.mp4' }, 'en', false), PluginCallError);
    } finally {
      await host.stop();
    }
  });
});

describe('PluginHost with a legacy agent (search/update without manual/force)', () => {
  it('calls search(results, media, lang) and update(metadata, media, lang) as the framework does', async () => {
    const dir = await makeDataDir();
    const bundle = join(dir.plugins, 'Legacy.bundle');
    await mkdir(join(bundle, 'Contents', 'Code'), { recursive: true });
    await writeFile(
      join(bundle, 'Contents', 'Info.plist'),
      '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>\n<key>CFBundleIdentifier</key><string>com.plexapp.agents.legacy</string>\n</dict></plist>\n',
    );
    await writeFile(
      join(bundle, 'Contents', 'Code', '__init__.py'),
      [
        'def Start():',
        '    Log("legacy start")',
        '',
        'class Legacy(Agent.Movies):',
        "    name = 'Legacy'",
        '    languages = [Locale.Language.NoLanguage]',
        '    def search(self, results, media, lang):',
        "        results.Append(MetadataSearchResult(id=media.id, name=media.name, year=media.year, score=90, lang=lang))",
        '    def update(self, metadata, media, lang):',
        "        metadata.title = 'T ' + metadata.id",
        '        metadata.originally_available_at = Datetime.ParseDate("2001-02-03").date()',
        '',
      ].join('\n'),
    );
    const host = new PluginHost({ bundleDir: bundle, logsDir: dir.logs, supportDir: dir.support, hostMap: {} });
    try {
      assert.deepEqual(await host.start(), { ok: true });
      assert.deepEqual(await host.search({ id: '7', name: 'Seven', year: 1995, filename: '/m/7.mkv' }, 'xn', true), [
        { id: '7', name: 'Seven', score: 90, year: 1995, lang: 'xn' },
      ]);
      assert.deepEqual(await host.update('7', { id: '7', name: 'Seven', filename: '/m/7.mkv' }, 'xn'), {
        title: 'T 7',
        originally_available_at: '2001-02-03',
      });
      const log = await readFile(join(dir.logs, 'com.plexapp.agents.legacy.log'), 'utf8');
      assert.match(log, /DEBUG \(core:361\) - Using the standard policy\n/);
      assert.match(log, /DEBUG \(sandbox:19\) - legacy start\n/);
    } finally {
      await host.stop();
      await dir.cleanup();
    }
  });
});

describe('PluginHost on a machine without lxml (built-in XPath engine)', () => {
  it('searches and updates the same way', async () => {
    const site = await startSite();
    const dir = await makeDataDir();
    const host = new PluginHost({
      bundleDir: join(dir.plugins, 'TestSite.bundle'),
      logsDir: dir.logs,
      supportDir: dir.support,
      hostMap: { 'www.testsite.test': `127.0.0.1:${site.port}` },
      python: 'python3',
      xpathEngine: 'builtin',
    });
    try {
      assert.deepEqual(await host.start(), { ok: true });
      const [result] = await host.search(MEDIA, 'en', false);
      assert.equal(result?.score, 100);
      const md = await host.update(result!.id, MEDIA, 'en');
      assert.equal(md?.studio, 'Blue Harbour');
      assert.equal(md?.summary, 'Two friends open a café.');
      assert.deepEqual(md?.roles, [{ name: 'Alex Stone', photo: 'https://www.testsite.test/img/a.jpg' }, { name: 'Ben Über' }]);
      assert.deepEqual(md?.genres, ['Drama', 'Comedy']);
    } finally {
      await host.stop();
      await site.close();
      await dir.cleanup();
    }
  });
});
