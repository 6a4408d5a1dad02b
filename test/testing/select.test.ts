import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectItems, targets } from '../../src/testing/select.ts';
import { itemKey } from '../../src/testing/select.ts';
import { metricPath, type EventClass, type ItemOutcome, type LogReport } from '../../src/logs/schema.ts';
import type { FixProposal } from '../../src/diagnose/schema.ts';
import { proposal } from '../builders/documents.ts';

const HOST = 'www.site-a.example';

function row(title: string, over: Partial<ItemOutcome> & { cls?: EventClass; status?: number; host?: string } = {}): ItemOutcome {
  const { cls, status, host, ...rest } = over;
  return {
    agent: 'SiteA', phase: 'search', filePath: `/data/${title}.mp4`, title, outcome: cls ? 'failed' : 'matched',
    reasons: cls ? [{ class: cls, detail: cls, ...(status ? { status } : {}), ...(host ? { host } : {}) }] : [],
    operations: 1, matched: 0, failed: 0, errored: 0, ...rest,
  };
}

const reportOf = (items: ItemOutcome[]) => ({ items }) as unknown as LogReport;

/** A fix targeting http_error and no_results on SiteA, primary metric on the host's 403s. */
function fix(over: Partial<FixProposal['expectation']> = {}): FixProposal {
  const p = proposal({ agents: ['SiteA'] });
  return { ...p, expectation: { ...p.expectation, targetClasses: ['http_error', 'no_results'], ...over } };
}

function world(): ItemOutcome[] {
  return [
    ...Array.from({ length: 10 }, (_, i) => row(`H${i}`, { cls: 'http_error', status: 403, host: HOST })),
    row('N0', { cls: 'no_results' }),
    row('N1', { cls: 'no_results' }),
    ...Array.from({ length: 6 }, (_, i) => row(`M${i}`)),
    row('Other agent', { agent: 'SiteB', cls: 'http_error', status: 403, host: HOST }),
    row('Other agent ok', { agent: 'SiteB' }),
    row('Update phase', { phase: 'update', cls: 'http_error', status: 403, host: HOST }),
    row('Other host', { cls: 'http_error', status: 403, host: 'cdn.other.example' }),
    row('Other status', { cls: 'http_error', status: 429, host: HOST }),
    row('Other class', { cls: 'title_match_failure' }),
  ];
}

test('selectItems: stratified by class, round-robin, at most size', () => {
  const sel = selectItems(reportOf(world()), fix(), { size: 6, guards: 3, seed: 1 });
  assert.equal(sel.targets.length, 6);
  const classes = sel.targets.map((i) => i.reasons[0]!.class);
  assert.equal(classes.filter((c) => c === 'no_results').length, 2, 'the small class is not crowded out');
  assert.equal(classes.filter((c) => c === 'http_error').length, 4);
  assert.equal(sel.guards.length, 3);
  assert.ok(sel.guards.every((g) => g.outcome === 'matched' && g.agent === 'SiteA' && g.title.startsWith('M')));
});

test('selectItems: guards — only the fix agents, search phase, matched before', () => {
  const sel = selectItems(reportOf(world()), fix(), { size: 50, guards: 50, seed: 1 });
  assert.deepEqual(sel.guards.map((g) => g.title).sort(), ['M0', 'M1', 'M2', 'M3', 'M4', 'M5']);
  const titles = sel.targets.map((i) => i.title);
  assert.equal(titles.length, 12);
  for (const t of ['Other agent', 'Update phase', 'Other host', 'Other status', 'Other class']) assert.ok(!titles.includes(t), `${t} is not a target`);
});

test('targets: host and status of the primary metric narrow the match; reasons without them still count', () => {
  const p = fix();
  assert.ok(targets(row('a', { cls: 'http_error', status: 403, host: HOST }), p));
  assert.ok(!targets(row('b', { cls: 'http_error', status: 403, host: 'x.example' }), p));
  assert.ok(!targets(row('c', { cls: 'http_error', status: 429, host: HOST }), p));
  assert.ok(targets(row('d', { cls: 'http_error' }), p), 'a reason that names no host or status is not excluded');
  assert.ok(!targets(row('e'), p), 'a matched item is never a target');
  const byStatus = fix({ primary: { ...p.expectation.primary, path: metricPath.agentStatus('SiteA', 429) } });
  assert.ok(targets(row('f', { cls: 'http_error', status: 429, host: 'any.example' }), byStatus));
  assert.ok(!targets(row('g', { cls: 'http_error', status: 403, host: HOST }), byStatus));
});

test('selectItems: seeded — the same seed picks the same items whatever the report order; another seed differs', () => {
  const items = world();
  const shuffled = [...items].reverse();
  shuffled.push(shuffled.splice(3, 1)[0]!);
  // Size 3 over two classes: which class gets the third place must not depend on which the report lists first.
  for (const size of [3, 5]) {
    const a = selectItems(reportOf(items), fix(), { size, guards: 2, seed: 42 });
    const b = selectItems(reportOf(shuffled), fix(), { size, guards: 2, seed: 42 });
    assert.deepEqual(b.targets.map(itemKey), a.targets.map(itemKey));
    assert.deepEqual(b.guards.map(itemKey), a.guards.map(itemKey));
  }
  const picks = new Set<string>();
  for (let seed = 0; seed < 10; seed++) picks.add(selectItems(reportOf(items), fix(), { size: 5, guards: 2, seed }).targets.map((i) => i.title).join(','));
  assert.ok(picks.size > 1, 'different seeds pick different samples');
});

test('selectItems: excluded keys (tested before) are skipped', () => {
  const items = world();
  const first = selectItems(reportOf(items), fix(), { size: 4, guards: 1, seed: 7 });
  const exclude = new Set([...first.targets, ...first.guards].map(itemKey));
  const second = selectItems(reportOf(items), fix(), { size: 4, guards: 1, seed: 7, exclude });
  assert.equal(second.targets.length, 4);
  for (const i of [...second.targets, ...second.guards]) assert.ok(!exclude.has(itemKey(i)));
});

test('selectItems: nothing to test gives empty lists, not an error', () => {
  const sel = selectItems(reportOf([row('M0'), row('X', { agent: 'SiteB', cls: 'http_error' })]), fix(), { size: 20, guards: 3, seed: 1 });
  assert.deepEqual(sel.targets, []);
  assert.equal(sel.guards.length, 1);
});
