/** The four commands end to end, as a user runs them (a child process per command, isolated config dir). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UA_DIFF, makeWorld, planFor } from './world.ts';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));

function run(args: string[], cwd: string, home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', main, ...args], { cwd, env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), PLEXMEND_CONFIG_DIR: join(home, 'cfg'), NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('apply --dry-run, apply --yes, export, rollback and reapply through the CLI', async () => {
  const w = await makeWorld({ bundles: ['GEVI', 'IAFD'] });
  try {
    const home = join(w.root, 'home dir');
    await mkdir(home, { recursive: true });
    const planFile = join(w.root, 'fix1.plan.json');
    await writeFile(planFile, JSON.stringify(planFor('fix1', UA_DIFF, ['GEVI', 'IAFD'])));
    const common = ['--workspace', join(w.root, 'plex improvement'), '--plugins-dir', w.plugins, '--logs-dir', w.logsDir, '--restart-order', 'manual', '--no-wait', '--py27-checker', 'parser'];
    const utils = join(w.plugins, 'GEVI.bundle/Contents/Code/utils.py');
    const original = await readFile(utils, 'utf8');

    const dry = await run(['apply', 'fix1', '--plan', planFile, '--dry-run', ...common], repo, home);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Expectation: \/agents\/GEVI/);
    assert.match(dry.stdout, /\+    headers = \{'User-Agent': getUserAgent\(\), 'Referer': url\}/);
    assert.equal(await readFile(utils, 'utf8'), original);

    const applied = await run(['apply', 'fix1', '--plan', planFile, '--yes', ...common], repo, home);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.match(applied.stdout, /fix1 applied; backup in .*_BACKUPS/);
    assert.match(applied.stdout, /touch ".*GEVI\.bundle\/Contents\/Info\.plist"/, 'manual restart steps printed');
    assert.match(await readFile(utils, 'utf8'), /Referer/);

    const exported = await run(['export', ...common], repo, home);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /patches\/fix1_iter1_fix1-test-change\.patch/);

    const rolled = await run(['rollback', 'fix1', ...common], repo, home);
    assert.equal(rolled.code, 0, rolled.stderr + rolled.stdout);
    assert.match(rolled.stdout, /GEVI\.bundle\/Contents\/Code\/utils\.py: restore/);
    assert.equal(await readFile(utils, 'utf8'), original);

    const re = await run(['reapply', '--yes', ...common], repo, home);
    assert.equal(re.code, 0, re.stderr + re.stdout);
    assert.match(re.stdout, /fix1: applied/);
    assert.match(await readFile(utils, 'utf8'), /Referer/);
  } finally {
    await w.cleanup();
  }
});
