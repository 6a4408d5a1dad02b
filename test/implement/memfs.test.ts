/** Phase 3 on the in-memory file-system adapter: the same code paths, no disk. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { applyFix, rollbackFix, FixPlanSchema, type ImplementContext } from '../../src/implement/index.ts';
import { memoryFs } from '../../src/implement/memfs.ts';
import { layoutFor } from '../../src/implement/scope.ts';
import type { LogTail } from '../../src/implement/restart.ts';
import { workspaceAt } from '../../src/workspace.ts';
import { DELAY_DIFF, INIT, UA_DIFF, UTILS, planFor, plist } from './world.ts';

const P = '/mem/Plex Media Server/Plug-ins';

function memWorld() {
  const seed: Record<string, string> = { [`${P}/_PGMA/Thumbor.txt`]: 'http://x\n' };
  for (const b of ['GEVI', 'IAFD']) {
    seed[`${P}/${b}.bundle/Contents/Info.plist`] = plist(`com.plexapp.agents.${b}`);
    seed[`${P}/${b}.bundle/Contents/Code/__init__.py`] = INIT(b);
    seed[`${P}/${b}.bundle/Contents/Code/utils.py`] = UTILS;
  }
  const fs = memoryFs(seed);
  let t = Date.UTC(2026, 1, 6);
  const seen = new Map<string, number | undefined>();
  const logText = new Map<string, string>();
  // A fake Plex: a plug-in whose Info.plist mtime changed starts again and logs the framework banner.
  const logs: LogTail = {
    async read(id) {
      const m = fs.mtime(`${P}/${id.split('.').pop()}.bundle/Contents/Info.plist`);
      if (seen.has(id) && seen.get(id) !== m) logText.set(id, `2026-02-06 07:00:00,${String(t % 1000).padStart(3, '0')} (1) :  INFO (core:349) - Starting framework core - Version: 2.6.3 #${t}\n`);
      seen.set(id, m);
      return logText.get(id);
    },
  };
  const out: string[] = [];
  const ctx: ImplementContext = {
    ws: workspaceAt('/mem/plex improvement'),
    layout: layoutFor(P),
    deps: { fs, now: () => new Date(t), sleep: async (ms) => void (t += ms), prompt: async () => true, out: (l) => out.push(l), logs, checker: { checkFiles: async (paths) => ({ ok: (await Promise.all(paths.map((p) => fs.read(p)))).every((b) => !b.includes("f'")), checker: 'in-memory', errors: [] }) }, isAlive: () => false, pid: 1 },
    restart: { observeMs: 2000, pollMs: 500 },
    windowMs: 100,
  };
  const snapshot = () => new Map([...fs.files].filter(([k]) => k.startsWith(P) && !k.endsWith('Info.plist')).map(([k, v]) => [k, v.data.toString('latin1')]));
  return { fs, ctx, snapshot };
}

test('apply, stack and roll back entirely in memory (no disk touched)', async () => {
  const { fs, ctx, snapshot } = memWorld();
  const before = snapshot();
  const plan = (id: string, diff: string) => FixPlanSchema.parse(planFor(id, diff, ['GEVI', 'IAFD']));
  assert.equal((await applyFix(plan('fix1', UA_DIFF), ctx, { yes: true })).status, 'applied');
  assert.equal((await applyFix(plan('fix2', DELAY_DIFF), ctx, { yes: true })).status, 'applied');
  assert.ok(fs.files.has('/mem/plex improvement/iteration_1/implementation_log.json'));
  assert.ok(fs.files.has('/mem/plex improvement/implement_journal.json'));
  assert.equal(existsSync('/mem'), false, 'nothing written to disk');
  const rb = await rollbackFix('fix1', ctx);
  assert.deepEqual(rb.files.map((f) => f.method), ['reverse-patch', 'reverse-patch']);
  await rollbackFix('fix2', ctx);
  assert.deepEqual(snapshot(), before);
});
