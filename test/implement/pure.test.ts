/** Table tests of the pure decisions in implement/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recoveryAction } from '../../src/implement/journal.ts';
import { restartOrderFromLessons } from '../../src/implement/lessons.ts';
import { planFromProposals, expectationSummary, type ProposalLike } from '../../src/implement/plan.ts';
import { bundleIdFromPlist } from '../../src/implement/context.ts';
import { applyChange, reverseOnTop, alreadyApplied } from '../../src/implement/patch.ts';

test('recoveryAction: undo an unvalidated apply, complete a validated one, always complete a started rollback', () => {
  const table: Array<[Parameters<typeof recoveryAction>[0], Parameters<typeof recoveryAction>[1], string]> = [
    ['apply', 'planned', 'abandoned'],
    ['apply', 'backed-up', 'undone'],
    ['apply', 'writing', 'undone'],
    ['apply', 'written', 'undone'],
    ['apply', 'all-written', 'undone'],
    ['apply', 'restarted', 'undone'],
    ['apply', 'rolling-back', 'undone'],
    ['apply', 'validated', 'completed'],
    ['rollback', 'planned', 'abandoned'],
    ['rollback', 'backed-up', 'completed'],
    ['rollback', 'written', 'completed'],
    ['rollback', 'validated', 'completed'],
  ];
  for (const [op, step, want] of table) assert.equal(recoveryAction(op, step), want, `${op} ${step}`);
});

test('restartOrderFromLessons: heaviest implement lesson wins, unknown names dropped, the rest appended', () => {
  assert.deepEqual(restartOrderFromLessons([]).order, ['plist-touch', 'http', 'plex-restart', 'manual']);
  const r = restartOrderFromLessons([
    { id: 'L1', phase: 'implement', weight: 2, action: { type: 'restart_order', order: ['http', 'plist-touch'] } },
    { id: 'L2', phase: 'implement', weight: 3, action: { type: 'restart_order', order: ['manual', 'teleport'] } },
    { id: 'L3', phase: 'diagnose', weight: 9, action: { type: 'restart_order', order: ['http'] } },
    { id: 'L4', phase: 'implement', weight: 0, action: { type: 'restart_order', order: ['http'] } },
  ]);
  assert.deepEqual(r, { order: ['manual', 'plist-touch', 'http', 'plex-restart'], lessonId: 'L2' });
});

const proposal = (id: string, extra: Partial<ProposalLike> = {}): ProposalLike => ({
  id, title: `title ${id}`, kind: 'patch', offered: true, bundleIds: ['com.plexapp.agents.GEVI'],
  changes: [{ path: 'GEVI.bundle/Contents/Code/utils.py', diff: '@@ -1 +1 @@\n-a\n+b\n', baseHash: 'abc', sharedGroup: 'utils.py' }],
  expectation: { primary: { path: '/agents/GEVI/http/byStatus/403', direction: 'decrease', threshold: { kind: 'relative', value: 0.3 }, description: '403s from the site' } },
  ...extra,
});

test('planFromProposals: by id, else the K-th offered patch proposal; workarounds and unoffered ones skipped', () => {
  const ps = [proposal('p-ws', { kind: 'workaround', changes: [] }), proposal('p-a', { offered: false }), proposal('p-b'), proposal('fix7')];
  assert.equal(planFromProposals(ps, 'fix7', 2)?.title, 'title fix7');
  const p1 = planFromProposals(ps, 'fix1', 2)!;
  assert.equal(p1.title, 'title p-b');
  assert.equal(p1.iteration, 2);
  assert.deepEqual(p1.restart, ['com.plexapp.agents.GEVI']);
  assert.equal(p1.changes[0]!.baseHash, 'abc');
  assert.equal(planFromProposals(ps, 'fix9', 2), undefined);
  assert.equal(expectationSummary(ps[2]!.expectation), '/agents/GEVI/http/byStatus/403 decreases by ≥ 30 % (403s from the site)');
});

test('bundleIdFromPlist reads CFBundleIdentifier', () => {
  assert.equal(bundleIdFromPlist('<dict>\n\t<key>CFBundleIdentifier</key>\n\t<string>com.plexapp.agents.GEVI</string>\n</dict>'), 'com.plexapp.agents.GEVI');
  assert.equal(bundleIdFromPlist('<dict></dict>'), undefined);
});

test('patching is byte-transparent: CRLF files, latin-1 bytes and UTF-8 text survive outside the changed lines', () => {
  const before = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from(' latin-1\r\nx = 1\r\ny = "\u2019"\r\n', 'utf8')]);
  const after = applyChange(before, { path: 'a.py', diff: '@@ -2,1 +2,1 @@\n-x = 1\n+x = 2\n' }, 0);
  assert.deepEqual(after, Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from(' latin-1\r\nx = 2\r\ny = "\u2019"\r\n', 'utf8')]));
  assert.deepEqual(reverseOnTop(after, before, after, 0), before);
  assert.equal(alreadyApplied(after, { path: 'a.py', diff: '@@ -2,1 +2,1 @@\n-x = 1\n+x = 2\n' }), true);
  assert.equal(alreadyApplied(before, { path: 'a.py', diff: '@@ -2,1 +2,1 @@\n-x = 1\n+x = 2\n' }), false);
});

test('restartAttemptsForLessons maps outcomes to ok and drops "already" entries', async () => {
  const { restartAttemptsForLessons } = await import('../../src/implement/lessons.ts');
  assert.deepEqual(
    restartAttemptsForLessons([
      { strategy: 'plist-touch', outcome: 'not-observed', detail: 'x' },
      { strategy: 'http', outcome: 'ok', detail: 'y' },
      { strategy: 'already', outcome: 'ok', detail: 'z' },
    ]),
    [{ strategy: 'plist-touch', ok: false, detail: 'x' }, { strategy: 'http', ok: true, detail: 'y' }],
  );
});
