import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeProcessRunner } from '../../src/diagnose/python/process.ts';

const node = process.execPath;

test('the process runner passes stdin, returns stdout, stderr and the exit code', async () => {
  const r = await nodeProcessRunner.run(node, ['-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{process.stdout.write(s.toUpperCase());process.stderr.write("e");process.exit(3)})'], { input: 'caf\u00e9 \u2019', timeoutMs: 20_000 });
  assert.deepEqual(r, { code: 3, stdout: 'CAF\u00c9 \u2019', stderr: 'e', timedOut: false });
});

test('a missing program is exit 127; a slow one is killed at the timeout', async () => {
  const missing = await nodeProcessRunner.run('plexmend-no-such-program-x', [], { timeoutMs: 5_000 });
  assert.equal(missing.code, 127);
  const slow = await nodeProcessRunner.run(node, ['-e', 'setTimeout(()=>{}, 60000)'], { timeoutMs: 300 });
  assert.equal(slow.timedOut, true);
  assert.equal(slow.code, null);
});

test('arguments are passed as an array, never through a shell', async () => {
  const r = await nodeProcessRunner.run(node, ['-e', 'process.stdout.write(process.argv[1])', '$(echo hi); rm -rf /tmp/x'], { timeoutMs: 20_000 });
  assert.equal(r.stdout, '$(echo hi); rm -rf /tmp/x');
});
