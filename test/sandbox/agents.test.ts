import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadScenario } from '../../src/sandbox/scenario.ts';
import { FILENAME_RE, cleanSearchString, normaliseTitle, stem } from '../../src/sandbox/scenarios/oracle.ts';

const run = promisify(execFile);
const AGENTS = fileURLToPath(new URL('../../src/sandbox/agents/', import.meta.url));
const SITE_AGENTS = ['ReelVault', 'FilmIndex', 'ScreenShelf', 'StarCatalog'];
const ALL = [...SITE_AGENTS, 'SandboxFilms'];

async function pyFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const a of ALL) {
    const dir = join(AGENTS, `${a}.bundle`, 'Contents', 'Code');
    for (const f of await readdir(dir)) if (f.endsWith('.py')) out.push(join(dir, f));
  }
  return out;
}

test('bundles have the real layout: Info.plist, DefaultPrefs.json, Code/__init__.py, and _PGMA beside them', async () => {
  for (const a of ALL) {
    const c = join(AGENTS, `${a}.bundle`, 'Contents');
    const plist = await readFile(join(c, 'Info.plist'), 'utf8');
    assert.match(plist, new RegExp(`<key>CFBundleIdentifier</key>\\s*<string>com\\.plexapp\\.agents\\.${a}</string>`));
    assert.match(plist, /<key>PlexFrameworkVersion<\/key>\s*<string>2<\/string>/);
    assert.match(plist, /<key>PlexPluginClass<\/key>\s*<string>Agent<\/string>/);
    assert.match(plist, /<key>PlexPluginCodePolicy<\/key>\s*<string>Elevated<\/string>/);
    const prefs = JSON.parse(await readFile(join(c, 'DefaultPrefs.json'), 'utf8')) as { id: string; type: string; default: string }[];
    assert.ok(Array.isArray(prefs));
    for (const p of prefs) assert.ok(p.id && p.type && typeof p.default === 'string', `${a} pref ${p.id}`);
    const init = await readFile(join(c, 'Code', '__init__.py'), 'utf8');
    assert.match(init, /^def Start\(\):/m);
    assert.match(init, new RegExp(`^class ${a}\\(Agent\\.Movies\\):`, 'm'));
    assert.match(init, /^ {4}def search\(self, results, media, lang, manual\):/m);
    assert.match(init, /^ {4}def update\(self, metadata, media, lang, force=True\):/m);
  }
  assert.ok((await stat(join(AGENTS, '_PGMA', 'GenreTidy.txt'))).isFile());
});

test('site agents contribute to the umbrella; the umbrella is primary; Start() sets cache time and headers', async () => {
  for (const a of SITE_AGENTS) {
    const init = await readFile(join(AGENTS, `${a}.bundle`, 'Contents', 'Code', '__init__.py'), 'utf8');
    assert.match(init, /primary_provider = False/);
    assert.match(init, /contributes_to = \['com\.plexapp\.agents\.SandboxFilms'\]/);
    assert.match(init, /HTTP\.CacheTime = CACHE_1WEEK/);
    assert.match(init, /HTTP\.Headers\['User-Agent'\] = /);
    assert.doesNotMatch(init, /Accept-Language/, 'no agent sends Accept-Language: the 403 site stays blocked until a header fix');
  }
  const reel = await readFile(join(AGENTS, 'ReelVault.bundle', 'Contents', 'Code', '__init__.py'), 'utf8');
  assert.match(reel, /HTTP\.Headers\['User-Agent'\] = 'ReelVaultAgent\//, 'the 403 site gets a non-browser User-Agent');
  const umbrella = await readFile(join(AGENTS, 'SandboxFilms.bundle', 'Contents', 'Code', '__init__.py'), 'utf8');
  assert.match(umbrella, /primary_provider = True/);
});

test('utils.py is identical in every site bundle (one logical file, as PGMA ships it)', async () => {
  const hashes = await Promise.all(
    SITE_AGENTS.map(async (a) => createHash('sha256').update(await readFile(join(AGENTS, `${a}.bundle`, 'Contents', 'Code', 'utils.py'))).digest('hex')),
  );
  assert.equal(new Set(hashes).size, 1, hashes.join(' '));
  await assert.rejects(stat(join(AGENTS, 'SandboxFilms.bundle', 'Contents', 'Code', 'utils.py')), 'the umbrella has no utils.py');
});

test('no name or attribute starts with "_" (Plex\'s RestrictedPython rules) and no Python-3-only syntax', async () => {
  for (const f of await pyFiles()) {
    const text = await readFile(f, 'utf8');
    const code = text.replace(/'''[\s\S]*?'''/g, '').replace(/#.*$/gm, '').replace(/'[^'\n]*'|"[^"\n]*"/g, "''");
    assert.doesNotMatch(code, /(^|[^\w])_\w/m, `${f}: a name starting with _`);
    assert.doesNotMatch(text, /\bf['"]|\bnonlocal\b|\bprint\(|\basync\b|\bawait\b|->\s*\w+:/, `${f}: Python-3-only syntax`);
  }
});

const COMPILE = `
import py_compile, sys, os
if sys.version_info[0] != 2:
    sys.exit(127)
out = sys.argv[1]
for i, f in enumerate(sys.argv[2:]):
    try:
        py_compile.compile(f, cfile=os.path.join(out, 'c%d.bin' % i), doraise=True)
        sys.stdout.write('OK %s\\n' % f)
    except Exception as e:
        sys.stdout.write('FAIL %s %s\\n' % (f, e))
`;

/** Compiles files with the first Python 2 found (python2.7, python2, pypy, jython); undefined when none. */
async function compilePy2(dir: string, files: string[]): Promise<{ python: string; stdout: string } | undefined> {
  for (const python of ['python2.7', 'python2', 'pypy', 'jython']) {
    try {
      const { stdout } = await run(python, ['-c', COMPILE, dir, ...files], { timeout: 180_000 });
      return { python, stdout };
    } catch {
      /* not installed, or not Python 2: next */
    }
  }
  return undefined;
}

test('every agent file compiles as Python 2.7 (and the check can fail)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  try {
    const files = await pyFiles();
    const py3only = join(dir, 'py3only.py');
    await writeFile(py3only, 'def f(*, key):\n    return f"{key}"\n');
    const res = await compilePy2(dir, [...files, py3only]);
    if (!res) {
      t.skip('no Python 2 interpreter (python2.7, python2, pypy, jython) on this machine; the Python 3 checks still run');
      return;
    }
    for (const f of files) assert.match(res.stdout, new RegExp(`^OK ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), `${res.python}: ${f}`);
    assert.match(res.stdout, /^FAIL .*py3only\.py/m, 'a Python-3-only file is refused by the same interpreter');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('under python3 every file compiles and utils.py agrees with the ground-truth oracle on every title', async () => {
  const files = await pyFiles();
  await run('python3', ['-c', 'import sys\nfor f in sys.argv[1:]:\n    compile(open(f, "rb").read(), f, "exec")', ...files]);
  const titles = new Set<string>();
  const stems = new Set<string>();
  for (const name of ['default', 'flaky', 'cast-blocked']) {
    const s = loadScenario(name);
    for (const site of s.sites) for (const f of site.films) titles.add(f.title);
    for (const i of s.items) stems.add(stem(i.file));
  }
  titles.add('Café Über Straße \u2018quoted\u2019 & more');
  const input = JSON.stringify({ titles: [...titles], stems: [...stems] });
  const script = `
import json, re, sys
sys.path.insert(0, sys.argv[1])
import utils
data = json.loads(sys.stdin.read())
out = {'norm': {}, 'clean': {}, 'file': {}}
for t in data['titles']:
    out['norm'][t] = utils.normaliseTitle(t)
    out['clean'][t] = utils.cleanSearchString(t)
for s in data['stems']:
    m = re.match(utils.FILENAME_REGEX, s)
    out['file'][s] = [m.group('fnSTUDIO'), m.group('fnTITLE'), m.group('fnYEAR')] if m else None
sys.stdout.write(json.dumps(out))
`;
  const child = execFile('python3', ['-c', script, join(AGENTS, 'ReelVault.bundle', 'Contents', 'Code')], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const outP = new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });
  child.stdin!.end(input);
  const got = JSON.parse(await outP) as { norm: Record<string, string>; clean: Record<string, string>; file: Record<string, string[] | null> };
  for (const t of titles) {
    assert.equal(got.norm[t], normaliseTitle(t, true), `normaliseTitle(${t})`);
    assert.equal(got.clean[t], cleanSearchString(t), `cleanSearchString(${t})`);
  }
  for (const s of stems) {
    const m = FILENAME_RE.exec(s);
    assert.deepEqual(got.file[s], m ? [m.groups!.studio, m.groups!.title, m.groups!.year ?? null] : null, s);
  }
});
