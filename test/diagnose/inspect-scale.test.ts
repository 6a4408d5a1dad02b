import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePlugins } from '../fixtures/bundles/generate.ts';
import { fsBundleReader, inspectPlugins, requestsToHost } from '../../src/diagnose/inspect/index.ts';

/** PGMA has 21 site agents sharing one 8,030-line utils.py: the shared content is parsed once. */
test('21 bundles with an identical 8,000-line utils.py: one logical file, inspected in seconds', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  try {
    const names = ['Alpha', 'Beta', 'Gamma', ...Array.from({ length: 18 }, (_, i) => `Site${String.fromCharCode(65 + i)}`)];
    const gen = await generatePlugins(root, names);
    const t0 = performance.now();
    const ins = await inspectPlugins(gen.pluginsDir, { reader: fsBundleReader });
    const ms = performance.now() - t0;
    t.diagnostic(`21 bundles, ${ins.files.length} distinct files, ${(gen.utils.lines * 21).toLocaleString('en')} lines in ${ms.toFixed(0)} ms`);
    assert.equal(ins.bundles.length, 21);
    const utils = ins.files.filter((f) => f.name === 'utils.py');
    assert.equal(utils.length, 1);
    assert.equal(utils[0]!.copies.length, 21);
    assert.equal(ins.files.length, 22);
    assert.equal(requestsToHost(ins, 'www.iafd.com').length, 2); // getURLElement's "more results" page and getFilmOnIAFD, once for all 21 copies
    assert.equal(requestsToHost(ins, 'www.sitek.example', { bundle: 'SiteK.bundle' }).length, 2);
    assert.ok(ms < 20_000, `${ms.toFixed(0)} ms`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
