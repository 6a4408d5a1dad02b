/**
 * errorGroups: PGMA logs every search result it rejects (title, studio, date, duration test) as an error,
 * also in searches that go on to match. Found by the sandbox end-to-end test: once a fix let ReelVault's
 * searches through, "Harbor Nights 2" rejected on the way to "Harbor Nights" made a title_match_failure group
 * with 0 items affected, and diagnose offered a title-normalisation patch to the shared utils.py for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorGroups } from '../../src/diagnose/groups.ts';
import type { LogReport } from '../../src/logs/schema.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';

const TITLE: GroupSpec = { class: 'title_match_failure', agent: 'Kestrel', count: 2, message: 'SEARCH:: Error getting Site Title: < Title Match Failure! >', items: films('Kestrel', ['Night Shift']) };

/** The report with every outcome row of the agent marked matched (the rejection was a near miss). */
function allMatched(r: LogReport): LogReport {
  return { ...r, items: r.items.map((i) => ({ ...i, outcome: 'matched' as const, matched: 1, failed: 0 })) };
}

test('a rejected candidate in a search that matched is no error group; in a search that failed it is', () => {
  const failed = reportOf([TITLE]);
  assert.deepEqual(errorGroups(failed).map((g) => [g.id, g.items.length]), [['title-match-failure-kestrel', 1]]);
  assert.deepEqual(errorGroups(allMatched(failed)), []);
  for (const cls of ['studio_match_failure', 'date_match_failure', 'duration_match_failure'] as const) {
    assert.deepEqual(errorGroups(allMatched(reportOf([{ ...TITLE, class: cls }]))), [], cls);
  }
});

test('kept when the outcome table cannot tell (no operation rows: a pasted excerpt), and for other classes', () => {
  assert.equal(errorGroups({ ...reportOf([TITLE]), items: [] }).length, 1);
  const iafd = reportOf([{ class: 'iafd_failure', agent: 'Kestrel', count: 3, message: 'IAFD: HTTP Error 403', phase: 'update', items: films('Kestrel', ['Night Shift']) }]);
  assert.equal(errorGroups(allMatched(iafd)).length, 1, 'a failed lookup in an update that went on is still an error');
});
