import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leftOver } from '../../src/loop/leftover.ts';
import type { ErrorGroup } from '../../src/diagnose/schema.ts';
import type { FixEntry, LoopState } from '../../src/loop/schema.ts';
import { proposal } from '../builders/documents.ts';

const WORKAROUND = 'The agent cannot parse these file names; rename them to "(Studio) - Title (Year)".';

function group(id: string, agent: string, over: Partial<ErrorGroup> = {}): ErrorGroup {
  return {
    id,
    class: 'http_error',
    agent,
    events: 12,
    itemsAffected: 3,
    observed: 'o',
    expected: 'e',
    cause: { id: 'rate_limited', summary: 's', fixable: true, evidence: { log: [], code: [] } },
    proposals: [],
    ...over,
  };
}

/** A misnamed-files group of one agent, as diagnose writes it (the workaround recipe's rename lines). */
function misnamed(agent: string, files: string[]): ErrorGroup {
  const workaround = `${WORKAROUND}\n${files.map((f) => `  rename "${f}.mp4" → "(Studio) - ${f}.mp4"`).join('\n')}`;
  return group(`filename-format-error-${agent.toLowerCase()}`, agent, {
    class: 'filename_format_error',
    cause: { id: 'filename_format', summary: 's', fixable: false, evidence: { log: [], code: [] } },
    proposals: [proposal({ id: 'fix9', kind: 'workaround', recipe: 'workaround', workaround, agents: [agent] })],
  });
}

function fix(over: Partial<FixEntry>): FixEntry {
  return { iteration: 1, fixId: 'fix1', groupId: 'g', recipe: 'retry_backoff', composed: [], source: 'recipe', title: 't', agents: [], step: 'decided', reasons: [], expected: 'e', sideEffects: [], refreshes: 0, durationMs: 0, kept: false, ...over };
}

const state = (fixes: FixEntry[], parked: LoopState['parked'] = []) => ({ fixes, parked });

test('EXHAUSTED detail: each misnamed file once, with the agents that asked; the agents\' identical groups share one entry', () => {
  const groups = [misnamed('AEBN', ['Night Shift', 'Blue Hour']), misnamed('GEVI', ['Night Shift', 'Blue Hour']), misnamed('IAFD', ['Night Shift'])];
  const text = leftOver(groups, state([]));
  assert.equal(
    text,
    `filename-format-error-aebn, filename-format-error-gevi, filename-format-error-iafd (filename_format: no code fix; workaround: ${WORKAROUND}; rename the files below). ` +
      'Rename 2 files: "Night Shift.mp4" → "(Studio) - Night Shift.mp4" (AEBN, GEVI, IAFD); "Blue Hour.mp4" → "(Studio) - Blue Hour.mp4" (AEBN, GEVI)',
  );
  assert.equal(text.match(/Night Shift\.mp4" →/g)!.length, 1, 'the rename is listed once, not once per agent');
});

test('EXHAUSTED detail: a group whose fix is kept names the fix, not "no code fix"', () => {
  // the back-off recipe is not offered again (the bundle already has it): no offered proposal in this diagnosis
  const limited = group('http-error-siteb-www-siteb-example-429', 'SiteB', { events: 4 });
  const text = leftOver([limited], state([fix({ groupId: limited.id, fixId: 'fix3', iteration: 1, decision: 'KEEP', kept: true })]));
  assert.equal(text, 'http-error-siteb-www-siteb-example-429 (fix fix3 (retry_backoff) kept since iteration 1; 4 events remain)');
  assert.doesNotMatch(text, /no code fix/);
  const monitored = leftOver([limited], state([fix({ groupId: limited.id, fixId: 'fix5', iteration: 2, decision: 'MONITOR', kept: true })]));
  assert.match(monitored, /fix fix5 \(retry_backoff\) applied \(MONITOR\) since iteration 2/);
});

test('EXHAUSTED detail: parked and rolled-back groups keep their reasons; many renames are cut short', () => {
  const groups = [group('gA', 'SiteA'), group('gB', 'SiteB'), misnamed('AEBN', ['a', 'b', 'c', 'd', 'e', 'f', 'g'])];
  const text = leftOver(groups, state([fix({ groupId: 'gB', decision: 'ROLLBACK', reasons: ['success 20 % < 50 %'] })], [{ groupId: 'gA', reason: 'inconclusive twice' }]));
  assert.match(text, /^gA \(parked: inconclusive twice\); gB \(rolled back: ROLLBACK — success 20 % < 50 %\); filename-format-error-aebn \(/);
  assert.match(text, /Rename 7 files: "a\.mp4" .*"e\.mp4" → "\(Studio\) - e\.mp4" \(AEBN\); and 2 more in the diagnostic report$/);
  assert.equal(leftOver([], state([])), '');
});

test('EXHAUSTED detail: a 429 group left after a kept headers + back-off fix of the 403 group names that fix', () => {
  // As in the sandbox: iteration 2 kept request_headers + retry_backoff for the 403 group; the 429 group's own
  // back-off proposal is not offered (the code has it now), one retried-out request remains.
  const backoff = proposal({ id: 'fix2', kind: 'patch', recipe: 'retry_backoff', offered: false, agents: ['SiteB'] });
  const limited = group('http-error-siteb-www-siteb-example-429', 'SiteB', { events: 1, proposals: [backoff] });
  const composed = fix({ groupId: 'http-error-siteb-www-siteb-example-403', fixId: 'fix1', iteration: 2, recipe: 'request_headers', composed: ['retry_backoff'], agents: ['SiteB'], decision: 'KEEP', kept: true });
  const text = leftOver([limited], state([composed]));
  assert.equal(text, 'http-error-siteb-www-siteb-example-429 (fix fix1 (request_headers + retry_backoff) kept since iteration 2; 1 event remains)');
  // Another agent's kept back-off says nothing about this group.
  const other = leftOver([limited], state([{ ...composed, agents: ['SiteC'] }]));
  assert.match(other, /rate_limited: no code fix/);
});
