/**
 * The aggregate report must not change when reading and aggregation are made faster: the reports of the
 * golden corpus (golden-corpus.ts: generated folders on two platforms, a generated watch archive, every
 * real-log fixture as files and pasted) equal, case by case, those made by the code before the speed
 * work (commit 83f56aa), stored in test/fixtures/logs-golden/reports.json.gz.
 * If a change is MEANT to alter the report, regenerate the goldens and say why in the commit.
 * Regenerated once since (session 4), with the report code unchanged: the generator stopped writing a
 * `>> Failed <<` footer after a file-name error, which real PGMA never writes (it made failed items
 * without a reason).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { aggregate, memoryTemplateStore } from '../../src/logs/index.ts';
import { readLogLines } from '../../src/logs/read.ts';
import { goldenReports } from './golden-corpus.ts';

const GOLDEN = new URL('../fixtures/logs-golden/reports.json.gz', import.meta.url);

test('golden: every report of the corpus equals the one made before the speed work', async () => {
  const want = JSON.parse(gunzipSync(readFileSync(GOLDEN)).toString('utf8')) as Record<string, unknown>;
  const got = await goldenReports({ aggregate, memoryTemplateStore, readLogLines });
  assert.deepEqual(Object.keys(got), Object.keys(want));
  assert.ok(Object.keys(want).length >= 40, 'generated cases and every real-log fixture');
  for (const name of Object.keys(want)) assert.deepEqual(got[name], want[name], `report of ${name}`);
  const folder = want['generated folder (windows, restarts)'] as { items: unknown[]; patterns: unknown[]; counts: { lines: number } };
  assert.ok(folder.items.length > 100 && folder.patterns.length > 50 && folder.counts.lines > 8000, 'the generated case is substantial');
  for (const name of Object.keys(want).filter((n) => n.startsWith('generated'))) {
    const items = (want[name] as { items: Array<{ outcome: string; reasons: unknown[] }> }).items;
    assert.ok(items.every((i) => i.outcome === 'matched' || i.reasons.length > 0), `every failed item of ${name} says why`);
  }
});
