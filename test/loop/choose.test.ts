import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseFixes } from '../../src/loop/coordinator.ts';
import type { DiagnosticReport, ErrorGroup, FixProposal } from '../../src/diagnose/schema.ts';
import type { FixEntry, LoopState } from '../../src/loop/schema.ts';
import { proposal } from '../builders/documents.ts';

function group(proposals: FixProposal[]): ErrorGroup {
  return {
    id: 'g1',
    class: 'http_error',
    agent: 'SiteA',
    events: 12,
    itemsAffected: 3,
    observed: 'o',
    expected: 'e',
    cause: { id: 'header_refusal', summary: 's', fixable: true, evidence: { log: [], code: [] } },
    proposals,
  };
}

const report = (groups: ErrorGroup[]) => ({ iteration: 2, groups }) as unknown as DiagnosticReport;

function tried(over: Partial<FixEntry>): FixEntry {
  return { iteration: 1, fixId: 'fix1', groupId: 'g1', recipe: 'request_headers', composed: [], source: 'recipe', title: 't', agents: ['SiteA'], step: 'decided', decision: 'ROLLBACK', reasons: [], expected: 'e', sideEffects: [], refreshes: 0, durationMs: 0, kept: false, ...over };
}

const state = (fixes: FixEntry[]) => ({ fixes, parked: [] }) as unknown as LoopState;

const recipeFix = proposal({ id: 'fix1', source: 'recipe' });
const adviserFix = proposal({ id: 'fix2', rank: 2, source: 'llm', model: 'fake-model' });

test('chooseFixes: a group gets its first offered patch when nothing was tried', () => {
  assert.deepEqual(chooseFixes(report([group([recipeFix, adviserFix])]), state([])).map((p) => p.id), ['fix1']);
});

test('chooseFixes: after the recipe fix was rolled back, the adviser\'s proposal of the same recipe gets its turn', () => {
  assert.deepEqual(chooseFixes(report([group([recipeFix, adviserFix])]), state([tried({})])).map((p) => p.id), ['fix2']);
});

test('chooseFixes: a change kept or rolled back before is not tried again; an INCONCLUSIVE one is', () => {
  const both = [tried({}), tried({ fixId: 'fix2', source: 'llm', decision: 'KEEP', kept: true })];
  assert.deepEqual(chooseFixes(report([group([recipeFix, adviserFix])]), state(both)), []);
  assert.deepEqual(chooseFixes(report([group([recipeFix])]), state([tried({ decision: 'INCONCLUSIVE' })])).map((p) => p.id), ['fix1']);
});

test('chooseFixes: a composed variant (headers + back-off) counts as a different change', () => {
  const composed = proposal({ id: 'fix3', source: 'recipe', composed: ['retry_backoff'] });
  assert.deepEqual(chooseFixes(report([group([composed])]), state([tried({})])).map((p) => p.id), ['fix3']);
});

test('chooseFixes: workarounds and proposals not offered are never chosen', () => {
  const notOffered = proposal({ id: 'fix4', offered: false });
  const workaround = proposal({ id: 'fix5', kind: 'workaround', recipe: 'workaround' });
  assert.deepEqual(chooseFixes(report([group([notOffered, workaround])]), state([])), []);
});
