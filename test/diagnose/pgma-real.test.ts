/**
 * Opt-in: the recipes over the REAL PGMA agents. Set PGMA_DIR to a Plug-ins-shaped checkout of
 * CodyBerenson/PGMA-Modernized (never committed here). For every site bundle: the header, back-off and
 * timeout recipes; for the shared utils.py: title normalisation. Each diff must apply to every copy, keep
 * shared copies identical, add no name Plex's RestrictedPython refuses, and compile as Python 2.7 (jython
 * when present, else the parser-level check — the test says which).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPatch } from 'diff';
import { inspectPlugins, fsBundleReader } from '../../src/diagnose/inspect/index.ts';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import { toFileChanges, type FileEdits } from '../../src/diagnose/recipes/source.ts';
import { RULES } from '../../src/diagnose/knowledge.ts';
import { checkNamingChange, checkPython27, selectPy27Checker, nodeProcessRunner } from '../../src/diagnose/python/index.ts';
import type { ObservedGroup } from '../../src/diagnose/groups.ts';
import type { RecipeName } from '../../src/diagnose/schema.ts';
import type { LogReport } from '../../src/logs/schema.ts';

const dir = process.env.PGMA_DIR;

test('recipes over the real PGMA bundles', { timeout: 600_000 }, async (t) => {
  if (!dir) {
    t.skip('PGMA_DIR not set: the real-PGMA recipe test is skipped (point it at a PGMA-Modernized checkout)');
    return;
  }
  const inspection = await inspectPlugins(dir, { reader: fsBundleReader });
  const site = inspection.bundles.filter((b) => b.files.some((f) => f.path.endsWith('utils.py')));
  assert.ok(site.length >= 20, `expected the 21 site bundles, found ${site.length}`);
  const texts = new Map<string, string>();
  for (const f of inspection.files) texts.set(f.sha256, await readFile(join(dir, f.copies[0]!.bundle, f.copies[0]!.path), 'utf8'));
  const report = { agents: {}, items: [], patterns: [], totals: { byClass: {} } } as unknown as LogReport;
  const patched: Array<{ path: string; text: string }> = [];
  const counts: Record<string, number> = {};

  const run = async (recipe: RecipeName, bundleName: string, g: Partial<ObservedGroup>) => {
    const bundle = inspection.bundles.find((b) => b.bundle === bundleName)!;
    const group: ObservedGroup = { id: `${recipe}-${bundleName}`, class: 'http_error', agent: bundleName.replace(/\.bundle$/, ''), events: 3, items: [], patterns: [], examples: [], ...g };
    const rule = RULES.find((r) => r.recipes.includes(recipe))!;
    const out = await RECIPE_IMPLS[recipe].run({ group, rule, probe: null, report, inspection, bundle, text: (f) => texts.get(f.sha256)!, http: { get: async () => ({ status: 599, headers: {}, body: '' }) } });
    if (!out.ok) return out.reason;
    const edits: FileEdits[] = [...out.edits].map(([sha, e]) => ({ sha256: sha, text: texts.get(sha)!, copies: [...inspection.files.find((f) => f.sha256 === sha)!.copies], edits: e }));
    const changes = toFileChanges(edits);
    assert.ok(changes.length > 0, `${recipe} on ${bundleName} changes nothing`);
    const results = new Map<string, Set<string>>();
    for (const c of changes) {
      const base = await readFile(join(dir, ...c.path.split('/')), 'utf8');
      const after = applyPatch(base, c.diff);
      assert.notEqual(after, false, `${recipe}: the diff does not apply to ${c.path}`);
      const key = c.sharedGroup ?? c.path;
      const seen = results.has(key);
      results.set(key, (results.get(key) ?? new Set()).add(after as string));
      // Copies are identical: the naming rules are checked once per logical file.
      if (!seen) {
        const violations = await checkNamingChange(base, after as string);
        assert.deepEqual(violations.map((v) => v.plexLog), [], `${recipe} on ${c.path} breaks the naming rules`);
      }
    }
    for (const [k, set] of results) assert.equal(set.size, 1, `${recipe}: shared copies of ${k} differ after patching`);
    for (const [, set] of results) patched.push({ path: `${recipe}-${bundleName}-${patched.length}.py`, text: [...set][0]! });
    counts[recipe] = (counts[recipe] ?? 0) + changes.length;
    return null;
  };

  const skipped: string[] = [];
  for (const b of site) {
    const hosts = [...new Set(inspection.files.filter((f) => b.files.some((x) => x.sha256 === f.sha256)).flatMap((f) => f.inspection.urlConstants.flatMap((u) => u.hosts)))];
    const host = hosts[0];
    for (const [recipe, g] of [
      ['request_headers', { status: 403, host }],
      ['retry_backoff', { status: 429, host }],
      ['timeout_delay', { class: 'timeout', host }],
    ] as const) {
      const why = await run(recipe, b.bundle, g as Partial<ObservedGroup>);
      if (why) skipped.push(`${recipe} ${b.bundle}: ${why}`);
    }
  }
  const why = await run('title_normalisation', site[0]!.bundle, { class: 'title_match_failure' });
  assert.equal(why, null, `title normalisation over the shared utils.py: ${why}`);
  assert.ok((counts.request_headers ?? 0) >= 20, `header fixes for ${counts.request_headers} bundles; skipped: ${skipped.join('; ')}`);
  assert.ok((counts.title_normalisation ?? 0) >= 20, 'the normaliser fix fans out to every utils.py copy');

  const checker = await selectPy27Checker(nodeProcessRunner);
  const py = await checkPython27(patched, checker);
  const bad = py.files.filter((f) => !f.ok).map((f) => `${f.path}: ${f.issues[0]?.message}`);
  t.diagnostic(`Python 2.7 check: ${py.checker.name} ${py.checker.version}; ${patched.length} patched files; changes ${JSON.stringify(counts)}; not applicable: ${skipped.length}`);
  assert.deepEqual(bad, []);
});
