/**
 * Opt-in: set PGMA_DIR to a local checkout of CodyBerenson/PGMA-Modernized (never committed) to run
 * inspection and the Python checks over the real 21 site agents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsBundleReader, inspectBundles } from '../../src/diagnose/inspect/index.ts';
import { parserPy27Checker } from '../../src/diagnose/python/py27.ts';
import { checkNaming } from '../../src/diagnose/python/naming.ts';

const PGMA_DIR = process.env.PGMA_DIR;

async function bundleDirs(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(root)).sort()) {
    if (!name.endsWith('.bundle')) continue;
    const utils = await stat(join(root, name, 'Contents', 'Code', 'utils.py')).then(() => true, () => false);
    if (utils) out.push(join(root, name));
  }
  return out;
}

test('real PGMA agents: request sites, XPaths and the normaliser in every site bundle', { skip: PGMA_DIR ? false : 'set PGMA_DIR to a PGMA-Modernized checkout to run' }, async (t) => {
  const dirs = await bundleDirs(PGMA_DIR!);
  assert.ok(dirs.length >= 20, `found ${dirs.length} site bundles with utils.py`);
  const t0 = performance.now();
  const ins = await inspectBundles(dirs, { reader: fsBundleReader });
  t.diagnostic(`inspected ${dirs.length} bundles, ${ins.files.length} distinct files in ${(performance.now() - t0).toFixed(0)} ms`);
  for (const b of ins.bundles) {
    const files = b.files.map((f) => ins.files.find((x) => x.sha256 === f.sha256)!);
    const requests = files.flatMap((f) => f.inspection.requests);
    const xpaths = files.flatMap((f) => f.inspection.xpaths);
    const norm = files.flatMap((f) => f.inspection.normalisers).filter((n) => n.role === 'title');
    assert.ok(requests.some((r) => r.hosts.length > 0), `${b.bundle}: a request with a resolved host`);
    assert.ok(xpaths.length > 0, `${b.bundle}: XPaths`);
    assert.ok(norm.length > 0, `${b.bundle}: a title normaliser`);
    assert.deepEqual(b.wrappers.filter((w) => w.name === 'getHTTPRequest').length, 1, `${b.bundle}: getHTTPRequest wrapper`);
  }
  const shared = ins.files.filter((f) => f.name === 'utils.py');
  t.diagnostic(`utils.py variants: ${shared.map((f) => `${f.sha256.slice(0, 8)}×${f.copies.length}`).join(', ')}`);
});

test('real PGMA code passes the parser-level Python 2.7 check; naming findings are reported', { skip: PGMA_DIR ? false : 'set PGMA_DIR to a PGMA-Modernized checkout to run' }, async (t) => {
  const dirs = await bundleDirs(PGMA_DIR!);
  const sources = await Promise.all(dirs.map((d) => fsBundleReader.readBundle(d)));
  const seen = new Set<string>();
  const files = sources.flatMap((s) => s.code.map((c) => ({ path: `${s.bundle}/${c.path}`, text: c.text }))).filter((f) => !seen.has(f.text) && seen.add(f.text));
  const results = await parserPy27Checker().check(files);
  for (const r of results) assert.equal(r.ok, true, `${r.path}: ${JSON.stringify(r.issues.slice(0, 3))}`);
  for (const f of files) {
    const v = await checkNaming(f.text);
    if (v.length) t.diagnostic(`${f.path}: ${v.slice(0, 5).map((x) => `${x.line} ${x.rule} ${x.name}`).join('; ')}${v.length > 5 ? ` (+${v.length - 5})` : ''}`);
  }
});
