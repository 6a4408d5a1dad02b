import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix } from '../../src/implement/apply.ts';
import { py27CodeChecker } from '../../src/implement/checker.ts';
import { nodeFs } from '../../src/implement/files.ts';
import { FixPlanSchema } from '../../src/implement/plan.ts';
import { UA_DIFF, makeWorld, planFor } from './world.ts';

const patchAt = (line: string) => ['@@ -6,2 +6,3 @@', ' def getUserAgent():', line, "     return 'Mozilla/5.0'", ''].join('\n');

test('the real Python 2.7 + naming checker (parser level) catches bad patches and passes a good one', async () => {
  const checker = py27CodeChecker(nodeFs, { parserOnly: true });
  const cases: Array<[string, string, RegExp | null]> = [
    ['f-string', patchAt("+    x = f'{url}'"), /tree-sitter-python.*rejected the change/],
    ['underscore name', patchAt('+    _hidden = 1'), /rejected the change: .*_hidden/],
    ['py2 print statement is fine', patchAt("+    print 'ua'"), null],
    ['good header fix', UA_DIFF, null],
  ];
  for (const [name, diff, rejected] of cases) {
    const w = await makeWorld({ bundles: ['GEVI'], checker });
    try {
      const before = await w.state();
      const r = await applyFix(FixPlanSchema.parse(planFor('fix1', diff, ['GEVI'])), w.ctx, { yes: true });
      if (rejected) {
        assert.equal(r.status, 'rolled-back', name);
        assert.match(r.reasons.join(' '), rejected, name);
        assert.deepEqual(await w.state(), before, name);
      } else {
        assert.equal(r.status, 'applied', `${name}: ${r.reasons.join('; ')}`);
        assert.match(r.record!.validation!.checker, /tree-sitter-python/);
      }
    } finally {
      await w.cleanup();
    }
  }
});
