/**
 * Every command that talks to Plex or reads its folders takes the same target options (cli/target-options.ts),
 * as the README promises: before, loop/test/apply/rollback/reapply/export/diagnose each declared a subset by
 * hand, so `plexmend loop --path-map …` (Docker, NAS) was an unknown option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../../src/cli/main.ts';

const SHARED = ['--url', '--token', '--sandbox', '--config', '--data-dir', '--plugins-dir', '--logs-dir', '--path-map', '--timeout-ms'];
const COMMANDS = ['diagnose', 'test', 'loop', 'start', 'apply', 'rollback', 'reapply', 'export', 'doctor'];

test('the Plex-facing commands all declare the shared target options', async () => {
  const program = await buildProgram();
  for (const name of COMMANDS) {
    const cmd = program.commands.find((c) => c.name() === name);
    assert.ok(cmd, name);
    const longs = cmd.options.map((o) => o.long);
    for (const flag of SHARED) assert.ok(longs.includes(flag), `${name} lacks ${flag}`);
    assert.equal(new Set(longs).size, longs.length, `${name} declares an option twice`);
  }
});

const BIN = fileURLToPath(new URL('../../bin/plexmend.js', import.meta.url));
function run(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, HOME: cwd, PLEXMEND_CONFIG_DIR: join(cwd, 'config dir'), PLEX_URL: '', PLEX_TOKEN: '', NO_COLOR: '1' }, timeout: 60_000 },
      (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }));
  });
}

test('test and start take the target from the shared flags; a bad --timeout-ms is refused the same way everywhere', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend target Application Support '));
  try {
    const ws = join(dir, 'work space');
    const t = await run(['test', 'fix1', '--url', 'http://127.0.0.1:9', '--token', 'secret-t0ken-xyz', '--path-map', '/data=/mnt/data', '--workspace', ws], dir);
    assert.match(t.stderr, /target: Plex server at http:\/\/127\.0\.0\.1:9 \(address from flag --url, token from flag --token\)/);
    assert.match(t.stderr, /no diagnostic report/);
    assert.equal(t.code, 2);
    assert.ok(!t.stderr.includes('secret-t0ken-xyz'));
    // start with a target on its flags runs against that server, not the built-in sandbox.
    const s = await run(['start', '--url', 'http://127.0.0.1:9', '--token', 'secret-t0ken-xyz', '--plugins-dir', join(dir, 'no such Plug-ins'), '--workspace', ws, '--yes'], dir);
    assert.match(s.stderr, /target: Plex server at http:\/\/127\.0\.0\.1:9 \(address from flag --url, token from flag --token\)/);
    assert.doesNotMatch(s.stderr, /built-in sandbox/);
    assert.equal(s.code, 2, s.stderr);
    assert.ok(!s.stderr.includes('secret-t0ken-xyz'));
    for (const cmd of [['loop'], ['test', 'fix1'], ['apply', 'fix1']]) {
      const r = await run([...cmd, '--timeout-ms', '0', '--workspace', ws], dir);
      assert.equal(r.code, 2, `${cmd[0]}: ${r.stderr}`);
      assert.match(r.stderr, /--timeout-ms/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
