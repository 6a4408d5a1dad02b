/**
 * A plug-in that dies on its own (SIGTERM to the process group by `timeout`, systemd or `docker stop`, or a
 * crash) must not take the host down: writing the stop request into its closed stdin is an EPIPE that used
 * to surface as an unhandled 'error' event and a stack trace.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PluginHost, PluginCallError } from '../../src/sandbox/runtime/host.ts';
import { makeDataDir } from './runtime-helpers.ts';

/** Blocks this thread (and so its event loop) without spinning. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('stop() and calls after the plug-in was killed from outside: no unhandled EPIPE, a clear not-running error', async () => {
  const dir = await makeDataDir();
  const host = new PluginHost({ bundleDir: join(dir.plugins, 'TestSite.bundle'), logsDir: dir.logs, supportDir: dir.support, hostMap: {} });
  try {
    assert.deepEqual(await host.start(), { ok: true });
    const pid = host.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    sleepSync(300); // the child is gone, but this process has not yet seen its exit
    await host.stop(); // so stop() writes into the dead pipe: EPIPE, reported asynchronously
    await new Promise((r) => setTimeout(r, 200)); // an unhandled 'error' would fail the test here
    assert.equal(host.pid, undefined);
    await assert.rejects(host.search({ id: '1', name: 'x' } as never, 'en', false), (e: unknown) => e instanceof PluginCallError && /not running/.test(e.message));

    assert.deepEqual(await host.start(), { ok: true }, 'it starts again');
    process.kill(host.pid!, 'SIGKILL');
    sleepSync(300);
    const call = host.search({ id: '1', name: 'x' } as never, 'en', false); // written while it dies
    await assert.rejects(call, PluginCallError);
  } finally {
    await host.stop();
    await dir.cleanup();
  }
});
