/**
 * Child process for the crash test: runs `apply` (or `rollback`) of a plan on an existing test world and
 * SIGKILLs itself when the journal reaches the named point (e.g. `written:1`, `torn:0`, `validated`).
 * argv: <world root> <plan.json> <crash point> <apply|rollback>
 */
import { readFile } from 'node:fs/promises';
import { applyFix } from '../../src/implement/apply.ts';
import { rollbackFix } from '../../src/implement/rollback.ts';
import { FixPlanSchema } from '../../src/implement/plan.ts';
import { isAlive, realClock } from '../../src/implement/adapters.ts';
import { attachWorld } from './world.ts';

const [root, planPath, point, op] = process.argv.slice(2) as [string, string, string, string];
const w = await attachWorld(root, undefined, undefined, { now: () => new Date(), sleep: (ms) => realClock.sleep(Math.min(ms, 20)) });
w.deps.isAlive = isAlive;
w.deps.crashHook = (p) => {
  if (p === point) process.kill(process.pid, 'SIGKILL');
};
const plan = FixPlanSchema.parse(JSON.parse(await readFile(planPath, 'utf8')));
if (op === 'apply') await applyFix(plan, w.ctx, { yes: true });
else await rollbackFix(plan.fixId, w.ctx);
process.stdout.write('finished without crashing\n');
