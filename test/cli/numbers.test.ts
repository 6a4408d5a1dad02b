/**
 * Every numeric option of diagnose, watch, sandbox and reapply (and the shared --timeout-ms and
 * --iteration) goes through numberOption: a bad number ends the real CLI with exit 2 (usage) and the
 * one message shape plus its hint, before the command does anything. "1e3" and "0x10", which Number()
 * takes, are refused like any other text that is not a plain number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberOption } from '../../src/cli/options.ts';
import { UsageError } from '../../src/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** tsx by URL: the commands run in a temporary folder, where `--import tsx` would not resolve. */
const TSX = import.meta.resolve('tsx');

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/main.ts'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** [argv, message, hint]. */
const CASES: Array<[string[], string, string]> = [
  [['diagnose', '--llm-timeout', '0'], '--llm-timeout "0" must be a number above 0, at most 3600', 'e.g. --llm-timeout 300'],
  [['diagnose', '--llm-timeout', '1e3'], '--llm-timeout "1e3" must be a number above 0, at most 3600', 'e.g. --llm-timeout 300'],
  [['diagnose', '--iteration', '0x10'], '--iteration "0x10" must be a whole number from 1 up', 'e.g. --iteration 2'],
  [['watch', '--interval', '0.05'], '--interval "0.05" must be a number from 0.1 to 86400', 'e.g. --interval 30'],
  [['watch', '--keep-days', '1.5'], '--keep-days "1.5" must be a whole number from 1 up', 'e.g. --keep-days 30'],
  [['sandbox', '--port', '70000'], '--port "70000" must be a whole number from 1 to 65535', 'e.g. --port 32500'],
  [['sandbox', '--seed', '0x10'], `--seed "0x10" must be a whole number from 0 to ${2 ** 31 - 1}`, 'e.g. --seed 42'],
  [['reapply', '--fuzz', '11'], '--fuzz "11" must be a whole number from 0 to 10', 'e.g. --fuzz 2'],
  [['doctor', '--timeout-ms', '1e3'], '--timeout-ms "1e3" must be a whole number from 1 up', 'e.g. --timeout-ms 15000'],
];

test('a bad number: exit 2, one message line and its hint, nothing done', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend numbers '));
  try {
    // three at a time: each run loads the whole CLI
    for (let i = 0; i < CASES.length; i += 3) {
      const batch = CASES.slice(i, i + 3);
      const runs = await Promise.all(batch.map(([argv]) => cli(argv, dir)));
      runs.forEach((r, n) => {
        const [argv, message, hint] = batch[n]!;
        assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr, `plexmend: ${message}\n  → ${hint}\n`, argv.join(' '));
        assert.equal(r.stdout, '', argv.join(' '));
      });
    }
    assert.deepEqual(await readdir(dir), [], 'no workspace, sandbox or report was created');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('numberOption: an exclusive lower limit (above) with an upper one', () => {
  const seconds = numberOption('--llm-timeout', { above: 0, max: 3600, integer: false, example: 300 });
  assert.deepEqual(['0.5', '1', '3600'].map(seconds), [0.5, 1, 3600]);
  for (const bad of ['0', '-1', '3600.5', '1e3']) {
    assert.throws(() => seconds(bad), (e: unknown) => e instanceof UsageError && e.message === `--llm-timeout "${bad}" must be a number above 0, at most 3600` && e.hint === 'e.g. --llm-timeout 300', bad);
  }
  assert.throws(() => numberOption('--wait', { above: 0 })('0'), (e: unknown) => e instanceof UsageError && e.message === '--wait "0" must be a whole number above 0' && e.hint === 'e.g. --wait 1');
});
