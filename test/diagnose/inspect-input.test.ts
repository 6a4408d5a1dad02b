import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';
import {
  fsBundleReader,
  headerSettings,
  inspectBundleSources,
  inspectBundles,
  inspectPlugins,
  memoryBundleReader,
  normalisers,
  parseDefaultPrefs,
  requestsToHost,
} from '../../src/diagnose/inspect/index.ts';

const tmp = () => mkdtemp(join(tmpdir(), 'plexmend Application Support '));

test('a missing Plug-ins folder and a folder that is not a bundle are input errors with a hint', async () => {
  const dir = await tmp();
  try {
    await assert.rejects(inspectPlugins(join(dir, 'nope'), { reader: fsBundleReader }), (e: unknown) => e instanceof InputError && /Plug-ins folder/.test(e.message) && !!e.hint);
    await mkdir(join(dir, 'Empty.bundle'));
    await assert.rejects(inspectBundles([join(dir, 'Empty.bundle')], { reader: fsBundleReader }), (e: unknown) => e instanceof InputError && /not a Plex plug-in bundle/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a bundle with a syntax error, bad DefaultPrefs.json and no Info.plist is inspected, with its problems listed', async () => {
  const dir = await tmp();
  try {
    const code = join(dir, 'Plug-ins', 'Broken.bundle', 'Contents', 'Code');
    await mkdir(code, { recursive: true });
    await writeFile(join(code, '__init__.py'), "BASE_URL = 'https://broken.example'\ndef search(self:\n    html = HTML.ElementFromURL(BASE_URL)\n");
    await writeFile(join(dir, 'Plug-ins', 'Broken.bundle', 'Contents', 'DefaultPrefs.json'), '[{"id": "x",');
    await mkdir(join(dir, 'Plug-ins', '_PGMA'));
    const ins = await inspectPlugins(join(dir, 'Plug-ins'), { reader: fsBundleReader });
    assert.equal(ins.bundles.length, 1, '_PGMA is not a bundle');
    const b = ins.bundles[0]!;
    assert.equal(b.identifier, null);
    assert.ok(b.problems.some((p) => /DefaultPrefs\.json is not valid JSON/.test(p)));
    assert.ok(b.problems.includes('Contents/Info.plist is missing'));
    const f = ins.files[0]!.inspection;
    assert.ok(f.syntaxErrors.length > 0);
    assert.equal(f.syntaxErrors[0]!.line, 2);
    assert.deepEqual(f.urlConstants.map((c) => c.hosts), [['broken.example']]);
    // the inspector wrote nothing into the bundle
    assert.deepEqual(await readdir(code), ['__init__.py']);
    assert.ok((await stat(join(code, '__init__.py'))).isFile());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('DefaultPrefs.json: types, defaults, enum values; not-a-list is a problem', () => {
  const { prefs } = parseDefaultPrefs('[{"id":"a","type":"bool","default":"true","label":"A"},{"id":"b","type":"enum","values":["x","y"],"default":"x"},{"label":"no id"}]');
  assert.deepEqual(prefs, [
    { id: 'a', type: 'bool', label: 'A', default: 'true' },
    { id: 'b', type: 'enum', label: '', default: 'x', values: ['x', 'y'] },
  ]);
  assert.match(parseDefaultPrefs('{"id":"a"}').problem!, /not a list/);
});

test('the in-memory reader and the queries: hosts via a wrapper, normalisers, headers', async () => {
  const utils = [
    "SITE = 'https://www.site.example'",
    'def fetch(link, timeout=20):',
    '    return HTML.ElementFromURL(link, timeout=timeout)',
    'def cleanTitle(t):',
    "    return unidecode(t).replace(u'\\u2019', \"'\").lower()",
  ].join('\n');
  const init = [
    'import utils',
    "SEARCH = utils.SITE + '/find?q=%s'",
    'def Start():',
    "    HTTP.Headers['User-Agent'] = 'Mozilla/5.0'",
    'def search(results, media, lang):',
    '    page = utils.fetch(SEARCH % media.name)',
    '    other = utils.fetch(media.guid)',
  ].join('\n');
  const reader = memoryBundleReader({
    '/p/One.bundle': { bundle: 'One.bundle', infoPlist: '<plist><dict><key>CFBundleIdentifier</key><string>com.example.one</string></dict></plist>', defaultPrefs: null, code: [{ path: 'Contents/Code/__init__.py', text: init }, { path: 'Contents/Code/utils.py', text: utils }] },
    '/p/Two.bundle': { bundle: 'Two.bundle', infoPlist: null, defaultPrefs: '[]', code: [{ path: 'Contents/Code/utils.py', text: utils }] },
  });
  const ins = await inspectPlugins('/p', { reader });
  assert.equal(ins.files.find((f) => f.name === 'utils.py')!.copies.length, 2);
  const sites = requestsToHost(ins, 'WWW.SITE.EXAMPLE', { bundle: 'com.example.one' });
  assert.deepEqual(sites.map((s) => [s.item.func, s.item.kind, s.item.urls[0]]), [['search', 'wrapper', 'https://www.site.example/find?q={?}']]);
  assert.equal(requestsToHost(ins, 'www.site.example', { bundle: 'One', includeLikely: false }).length, 1);
  const unknown = ins.files.find((f) => f.name === '__init__.py')!.inspection.requests.find((r) => r.urlText === 'media.guid')!;
  assert.deepEqual([unknown.hosts, unknown.likelyHosts], [[], ['www.site.example']]);
  assert.equal(requestsToHost(ins, 'www.site.example', { bundle: 'One', includeLikely: true }).length, 2);
  const n = normalisers(ins, { role: 'title' });
  assert.deepEqual([...new Set(n.map((x) => x.item.name))], ['cleanTitle']);
  assert.deepEqual(n[0]!.bundles, ['One.bundle', 'Two.bundle']);
  assert.deepEqual(headerSettings(ins, 'One.bundle').map((h) => h.item.header), ['User-Agent']);
  const again = await inspectBundleSources([await reader.readBundle('/p/Two.bundle')]);
  assert.equal(again.bundles[0]!.problems[0], 'Contents/Info.plist is missing');
});
