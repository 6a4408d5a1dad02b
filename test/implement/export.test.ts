import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir, symlink, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { applyFix } from '../../src/implement/apply.ts';
import { exportFixes, reapplyExports } from '../../src/implement/export.ts';
import { clearAgentCache } from '../../src/implement/cache.ts';
import { FixPlanSchema } from '../../src/implement/plan.ts';
import { nodeFs } from '../../src/implement/files.ts';
import { DELAY_DIFF, UA_DIFF, UTILS, makeWorld, planFor } from './world.ts';

test('export writes a bug-report patch (shared copies once) and a plan; reapply after an upgrade is fuzzy where code moved and refuses where it no longer fits', async () => {
  const w = await makeWorld();
  try {
    await applyFix(FixPlanSchema.parse(planFor('fix1', UA_DIFF)), w.ctx, { yes: true });
    await applyFix(FixPlanSchema.parse(planFor('fix2', DELAY_DIFF, ['GEVI'], { title: 'Longer delay' })), w.ctx, { yes: true });
    const written = await exportFixes(w.ctx);
    assert.equal(written.length, 2);
    const p1 = await readFile(written.find((p) => p.includes('fix1_iter1_'))!, 'utf8');
    assert.match(p1, /^Subject: \[PATCH\] fix1: test change/);
    assert.match(p1, /Expected effect: \/agents\/GEVI\/http\/byStatus\/403 decreases/);
    assert.match(p1, /shared file "utils.py": the same change in all 3 copies/);
    assert.equal(p1.match(/^\+\+\+ /gm)?.length, 1, 'the shared diff appears once');
    assert.match(p1, /^--- a\/GEVI\.bundle\/Contents\/Code\/utils\.py$/m);

    // "Upgrade" the agents: new upstream utils.py with lines added at the top (code moved) in GEVI and IAFD,
    // and a rewritten header line in AEBN (the fix no longer fits there).
    const upgraded = '# version 2024.08.17\n# more history\n' + UTILS.replace('# -*- coding: utf-8 -*-', '# coding: utf-8');
    for (const b of ['GEVI', 'IAFD']) await writeFile(join(w.plugins, `${b}.bundle/Contents/Code/utils.py`), upgraded);
    await writeFile(join(w.plugins, 'AEBN.bundle/Contents/Code/utils.py'), UTILS.replace("headers = {'User-Agent': getUserAgent()}", "headers = getHeaders()"));
    const dir = join(w.ctx.ws.root, 'patches');
    const plans = (await readdir(dir)).filter((n) => n.endsWith('.plan.json')).map((n) => join(dir, n));
    const fix1Plan = plans.find((p) => p.includes('fix1_'))!;
    const refused = await reapplyExports(w.ctx, { planFiles: [fix1Plan], yes: true, iteration: 2 });
    assert.equal(refused[0]!.outcome, 'refused');
    assert.match(refused[0]!.detail, /AEBN\.bundle\/Contents\/Code\/utils\.py/);
    assert.equal(await readFile(join(w.plugins, 'GEVI.bundle/Contents/Code/utils.py'), 'utf8'), upgraded, 'refused = nothing written');

    await writeFile(join(w.plugins, 'AEBN.bundle/Contents/Code/utils.py'), upgraded);
    const exact = await reapplyExports(w.ctx, { planFiles: [fix1Plan], yes: true, iteration: 2, fuzz: 0 });
    assert.equal(exact[0]!.outcome, 'refused', 'a changed context line needs fuzz');
    const ok = await reapplyExports(w.ctx, { planFiles: [fix1Plan], yes: true, iteration: 2 });
    assert.equal(ok[0]!.outcome, 'applied', ok[0]!.detail);
    const now = await readFile(join(w.plugins, 'IAFD.bundle/Contents/Code/utils.py'), 'utf8');
    assert.ok(now.startsWith('# version 2024.08.17\n# more history\n# coding: utf-8\n'));
    assert.match(now, /'Referer': url/);
    const again = await reapplyExports(w.ctx, { planFiles: [fix1Plan], yes: true, iteration: 2 });
    assert.equal(again[0]!.outcome, 'already-applied');
  } finally {
    await w.cleanup();
  }
});

test('clearAgentCache empties Caches/<id> and HTTP entries of Data/<id>, nothing else, and never follows a symlink out', async () => {
  const w = await makeWorld({ bundles: ['GEVI'] });
  try {
    const support = w.ctx.layout.pluginSupport;
    const id = 'com.plexapp.agents.GEVI';
    await mkdir(join(support, 'Caches', id, 'HTTP.system'), { recursive: true });
    await writeFile(join(support, 'Caches', id, 'HTTP.system', 'abc'), 'cached page');
    await mkdir(join(support, 'Data', id, 'HTTP.system'), { recursive: true });
    await writeFile(join(support, 'Data', id, 'HTTP.system', 'x'), 'cached');
    await writeFile(join(support, 'Data', id, 'Dict'), 'keep me');
    await mkdir(join(w.root, 'precious'), { recursive: true });
    await writeFile(join(w.root, 'precious', 'file'), 'keep');
    await symlink(join(w.root, 'precious'), join(support, 'Caches', id, 'link'));
    const r = await clearAgentCache(w.ctx.layout, id, nodeFs);
    assert.equal(r.removed.length, 3);
    assert.deepEqual(await readdir(join(support, 'Caches', id)), []);
    assert.deepEqual(await readdir(join(support, 'Data', id)), ['Dict']);
    assert.equal(await readFile(join(w.root, 'precious', 'file'), 'utf8'), 'keep', 'symlink removed, its target untouched');
    assert.deepEqual((await clearAgentCache(w.ctx.layout, 'com.plexapp.agents.IAFD', nodeFs)).removed, [], 'missing cache folders are fine');
  } finally {
    await w.cleanup();
  }
});

test('reapply with no plans named replays the exported plans in the order they were applied, not by name', async () => {
  const w = await makeWorld();
  try {
    // fix7 (iteration 1) first, then fix3 (iteration 2): by name fix3 would come first, and a later fix's
    // hunks may sit on an earlier one's lines (stacked fixes).
    await applyFix(FixPlanSchema.parse(planFor('fix7', UA_DIFF)), w.ctx, { yes: true });
    await applyFix(FixPlanSchema.parse(planFor('fix3', DELAY_DIFF, ['GEVI'], { title: 'Longer delay', iteration: 2 })), w.ctx, { yes: true });
    await exportFixes(w.ctx);
    const dir = join(w.ctx.ws.root, 'patches');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.plan.json')).sort();
    assert.match(names[0]!, /^fix3_iter2_/);
    const plan = JSON.parse(await readFile(join(dir, names[0]!), 'utf8')) as { appliedAt?: string };
    assert.match(plan.appliedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    const out = await reapplyExports(w.ctx, { yes: true, iteration: 3 });
    assert.deepEqual(out.map((o) => [o.fixId, o.outcome]), [['fix7', 'already-applied'], ['fix3', 'already-applied']]);
  } finally {
    await w.cleanup();
  }
});
