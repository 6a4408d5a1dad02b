/**
 * The crash test: a real child process runs apply/rollback and is killed (SIGKILL) at a journal step;
 * recovery in this process must leave every bundle exactly as before or exactly as after — every time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyFix } from '../../src/implement/apply.ts';
import { recover } from '../../src/implement/context.ts';
import { FixPlanSchema } from '../../src/implement/plan.ts';
import { readLog } from '../../src/implement/history.ts';
import { readJournal } from '../../src/implement/journal.ts';
import { isAlive } from '../../src/implement/adapters.ts';
import { nodeFs } from '../../src/implement/files.ts';
import { paths } from '../../src/workspace.ts';
import { UA_DIFF, makeWorld, planFor, type World } from './world.ts';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

function runChild(root: string, planPath: string, point: string, op: string): Promise<{ signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, root, planPath, point, op], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (_code, signal) => resolve({ signal, out }));
  });
}

async function scenario(point: string, op: 'apply' | 'rollback'): Promise<{ w: World; before: Map<string, string>; after: Map<string, string>; outcome: 'before' | 'after' }> {
  const w = await makeWorld();
  const plan = planFor('fix1', UA_DIFF);
  const planPath = join(w.root, 'fix1.plan.json');
  await writeFile(planPath, JSON.stringify(plan));
  const before = await w.state();
  // "after" = what a complete apply produces, measured in a twin world.
  const twin = await makeWorld();
  await applyFix(FixPlanSchema.parse(plan), twin.ctx, { yes: true });
  const after = await twin.state();
  await twin.cleanup();
  if (op === 'rollback') {
    await applyFix(FixPlanSchema.parse(plan), w.ctx, { yes: true });
    assert.deepEqual(await w.state(), after);
  }
  const r = await runChild(w.root, planPath, point, op);
  assert.equal(r.signal, 'SIGKILL', `child was not killed at ${point}: ${r.out}`);
  const same = (a: Map<string, string>, b: Map<string, string>) => JSON.stringify([...a]) === JSON.stringify([...b]);
  const crashed = await w.state();
  if (point.startsWith('torn:') || point.startsWith('written:')) {
    assert.ok(!same(crashed, before) && !same(crashed, after), `the crash at ${point} should leave a half-changed Plug-ins folder`);
  }
  w.deps.isAlive = isAlive;
  const rec = await recover(w.ctx);
  assert.ok(rec, `nothing to recover after a crash at ${point}`);
  const state = await w.state();
  const outcome = JSON.stringify([...state]) === JSON.stringify([...before]) ? 'before' : JSON.stringify([...state]) === JSON.stringify([...after]) ? 'after' : undefined;
  assert.ok(outcome, `after a crash at ${op} ${point} the bundles are neither as before nor as after`);
  const j = await readJournal(nodeFs, paths.implementJournal(w.ctx.ws));
  assert.equal(j?.closed, true);
  assert.equal(await recover(w.ctx), undefined, 'a second recovery finds nothing');
  return { w, before, after, outcome };
}

const APPLY_POINTS: Array<[string, 'before' | 'after']> = [
  ['planned', 'before'],
  ['backed-up', 'before'],
  ['writing:0', 'before'],
  ['torn:1', 'before'],
  ['written:1', 'before'],
  ['all-written', 'before'],
  ['restarted', 'before'],
  ['validated', 'after'],
];

test('crash during apply at each journal step: recovery leaves the bundles exactly as before or as after', async () => {
  await Promise.all(
    [0, 1].map(async (lane) => {
      for (const [point, expected] of APPLY_POINTS.filter((_, i) => i % 2 === lane)) {
        const { w, outcome } = await scenario(point, 'apply');
        try {
          assert.equal(outcome, expected, `apply crash at ${point}`);
          const rec = (await readLog(nodeFs, w.ctx.ws, 1)).fixes.at(-1)!;
          assert.equal(rec.status, expected === 'after' ? 'applied' : 'rolled-back', `record status after a crash at ${point}`);
          assert.ok(rec.events.some((e) => e.what.startsWith('recovery: ')));
        } finally {
          await w.cleanup();
        }
      }
    }),
  );
});

const ROLLBACK_POINTS: Array<[string, 'before' | 'after']> = [
  ['planned', 'after'],
  ['torn:0', 'before'],
  ['written:1', 'before'],
  ['restarted', 'before'],
];

test('crash during rollback: recovery completes it (or abandons it before any write)', async () => {
  await Promise.all(
    [0, 1].map(async (lane) => {
      for (const [point, expected] of ROLLBACK_POINTS.filter((_, i) => i % 2 === lane)) {
        const { w, outcome } = await scenario(point, 'rollback');
        try {
          assert.equal(outcome, expected, `rollback crash at ${point}`);
        } finally {
          await w.cleanup();
        }
      }
    }),
  );
});
