import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newState, runLoop } from '../../src/loop/coordinator.ts';
import { expectedChange, renderFinalMarkdown, renderHtml, writeFinalReports } from '../../src/report/final.ts';
import { writeDocument } from '../../src/documents.ts';
import { LessonsLedgerDocument, type LessonsLedger } from '../../src/diagnose/schema.ts';
import { paths, workspaceAt } from '../../src/workspace.ts';
import { World, worldPorts } from '../loop/world.ts';

async function finished() {
  const w = new World({
    defects: [
      { groupId: 'gA', agent: 'SiteA', items: 6, behaviour: 'cures' },
      { groupId: 'gC', agent: 'SiteC', items: 2, behaviour: 'harmful' },
      { groupId: 'gD', agent: 'SiteD', items: 2, behaviour: 'flaky' },
    ],
    healthy: 10,
  });
  const s = await runLoop(newState({ goal: 0.95, maxIterations: 5, seed: 3, target: 'http://10.0.0.2:32400/?X-Plex-Token=abcdef123456' }, new Date('2026-11-24T03:00:00Z')), worldPorts(w).ports);
  return { s, ledger: w.docs.get('lessons') as LessonsLedger };
}

test('final report: exit, panel per iteration, every fix with its fate, parked groups, lessons; no token', async () => {
  const { s, ledger } = await finished();
  const md = renderFinalMarkdown(s, ledger);
  assert.match(md, /\*\*Exit: EXHAUSTED\*\* — no actionable fix left; the panel is at 80 %/);
  assert.match(md, /Panel \(20 items, fixed at the start\): 50 % → 80 %/);
  assert.match(md, /\| start \| 50 % \| 10 \/ 20 \| 20 \| http_error 10 \|/);
  assert.match(md, /\| 1 \| 80 % \| 16 \/ 20 \| 20 \| http_error 4 \|/);
  assert.match(md, /\| 1 \| fix-gA browser-like request headers \| request_headers \| SiteA \| KEEP \| 100 % \| 2 → 0 \(met\) \| yes \| 41 \|/);
  assert.match(md, /\| 1 \| fix-gC .* \| ROLLBACK \| 0 % \| 2 → 2 \(unmet\) \| no \|/);
  assert.match(md, /Side effects of fix-gA \(iteration 1\):\n- \/agents\/SiteA\/http\/byHost\/www\.gA\.example\/429: 429 from www\.gA\.example rose/);
  assert.match(md, /- gD: fix-gD was inconclusive twice/);
  for (const l of ledger.lessons) assert.ok(md.includes(l.text), l.text);
  assert.doesNotMatch(md, /abcdef123456/);
  assert.match(md, /X-Plex-Token=<redacted>/);
});

test('writeFinalReports writes both reports into the workspace, reading the ledger from lessons.json', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend-final-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ws = workspaceAt(join(dir, 'Application Support', 'plex_improvement'));
  const { s, ledger } = await finished();
  await writeDocument(LessonsLedgerDocument, paths.lessons(ws), ledger);
  const out = await writeFinalReports(ws, s);
  assert.deepEqual(out, { report: paths.finalReportMd(ws), html: paths.reportHtml(ws) });
  const md = await readFile(out.report, 'utf8');
  const html = await readFile(out.html, 'utf8');
  assert.match(md, /retry backoff too/);
  assert.match(html, /retry backoff too/);
  // Self-contained: no script, no attribute that would fetch anything, no token.
  assert.doesNotMatch(html, /abcdef123456|<script|\s(src|href)=|url\(/);
});

test('writeFinalReports without a ledger yet says so', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend-final-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ws = workspaceAt(join(dir, 'Application Support', 'ws'));
  const { s } = await finished();
  const out = await writeFinalReports(ws, s);
  assert.match(await readFile(out.report, 'utf8'), /## Lessons\n\nNo lessons yet\./);
});

test('expected change of a fix comes from its expectation, not a constant', () => {
  const m = (over: object) => ({ path: '/totals/errors', direction: 'decrease' as const, baseline: 40, description: '', ...over });
  assert.equal(expectedChange(m({ threshold: { kind: 'relative', value: 0.3 } })), -0.3);
  assert.equal(expectedChange(m({ direction: 'increase', threshold: { kind: 'relative', value: 0.5 } })), 0.5);
  assert.equal(expectedChange(m({ threshold: { kind: 'absolute', value: 10 } })), -0.25);
  assert.equal(expectedChange(m({ threshold: { kind: 'absolute', value: 80 } })), -1);
  assert.equal(expectedChange(m({ threshold: { kind: 'absolute', value: 10 }, baseline: null })), null);
  assert.equal(expectedChange(m({ direction: 'zero' })), -1);
  assert.equal(expectedChange(m({ direction: 'stay' })), 0);
  assert.equal(expectedChange(m({})), null);
  assert.equal(expectedChange(undefined), null);
});

test('final report: a fix the LLM adviser wrote is marked as such in both reports', async () => {
  const { s, ledger } = await finished();
  const fixes = s.fixes.map((f, i) => (i === 0 ? { ...f, source: 'llm' as const } : f));
  const md = renderFinalMarkdown({ ...s, fixes }, ledger);
  assert.match(md, new RegExp(`\\| ${fixes[0]!.fixId} [^|]*\\| ${fixes[0]!.recipe} \\(LLM adviser\\) \\|`));
  assert.equal(md.match(/LLM adviser/g)?.length, 1);
});

test('final HTML report: the adviser mark is there too', async () => {
  const { s, ledger } = await finished();
  const fixes = s.fixes.map((f, i) => (i === 0 ? { ...f, source: 'llm' as const } : f));
  assert.equal(renderHtml({ ...s, fixes }, ledger).match(/\(LLM adviser\)/g)?.length, 1);
  assert.doesNotMatch(renderHtml(s, ledger), /LLM adviser/);
});
