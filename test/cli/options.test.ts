/** The numeric-option parser every command uses, and `test` / `loop` refusing bad numbers through the real CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberOption } from '../../src/cli/options.ts';
import { UsageError } from '../../src/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('numberOption: plain decimal text within the limits; everything Number() would also take is refused', () => {
  const size = numberOption('--size', { min: 1, example: 20 });
  assert.equal(size('20'), 20);
  assert.equal(size('+3'), 3);
  for (const bad of ['0', '', ' ', '1e3', '0x10', '2.5', 'Infinity', '20 ', 'twenty']) {
    assert.throws(() => size(bad), (e: unknown) => e instanceof UsageError && e.message === `--size "${bad}" must be a whole number from 1 up` && e.hint === 'e.g. --size 20', JSON.stringify(bad));
  }
  const goal = numberOption('--goal', { min: 0, max: 1, integer: false, example: 0.9 });
  assert.deepEqual(['0', '1', '0.75', '.5', '1.'].map(goal), [0, 1, 0.75, 0.5, 1]);
  assert.throws(() => goal('1.5'), /^UsageError: --goal "1\.5" must be a number from 0 to 1$/);
  assert.throws(() => goal('5e-1'), /must be a number from 0 to 1/);
  assert.throws(() => numberOption('--max-iterations', { min: 1, max: 100 })('101'), (e: unknown) => e instanceof UsageError && /from 1 to 100$/.test(e.message) && e.hint === 'e.g. --max-iterations 1');
  assert.equal(numberOption('--offset')('-4'), -4, 'no limits: any whole number');
});

function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (err, _stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

test('plexmend test and plexmend loop refuse "1e3" and "0x10" with one message shape (exit 2), before touching anything', async () => {
  const [t, l, g] = await Promise.all([
    cli(['test', 'fix1', '--size', '1e3']),
    cli(['loop', '--seed', '0x10']),
    cli(['loop', '--goal', '1.5']),
  ]);
  assert.equal(t.code, 2, t.stderr);
  assert.match(t.stderr, /--size "1e3" must be a whole number from 1 up/);
  assert.match(t.stderr, /e\.g\. --size 20/);
  assert.equal(l.code, 2, l.stderr);
  assert.match(l.stderr, /--seed "0x10" must be a whole number from 0 up/);
  assert.equal(g.code, 2, g.stderr);
  assert.match(g.stderr, /--goal "1\.5" must be a number from 0 to 1/);
});
