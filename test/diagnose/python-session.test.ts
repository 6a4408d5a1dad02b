import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { persistentPy27Checker, selectPy27Session } from '../../src/diagnose/python/py27-session.ts';
import { checkPython27 } from '../../src/diagnose/python/py27.ts';
import { nodeLineProcessSpawner, type LineProcess, type LineProcessSpawner, type ProcessRunner } from '../../src/diagnose/python/process.ts';

/** An in-memory interpreter: answers each batch line; `die` makes the next batch kill it. */
function fakeSpawner(opts: { dieOnBatch?: number; silentOnBatch?: number } = {}) {
  const state = { spawns: 0, batches: 0, closed: 0 };
  const spawner: LineProcessSpawner = {
    spawn() {
      state.spawns++;
      const lines: ((l: string) => void)[] = [];
      const exits: ((c: number | null, e: string) => void)[] = [];
      let alive = true;
      const exit = (code: number | null, err: string) => {
        if (!alive) return;
        alive = false;
        exits.forEach((x) => x(code, err));
      };
      const p: LineProcess = {
        write(line) {
          const n = ++state.batches;
          if (n === opts.dieOnBatch) return void setTimeout(() => exit(1, 'java.lang.OutOfMemoryError'), 5);
          if (n === opts.silentOnBatch) return;
          const items = JSON.parse(line) as { id: string; text: string }[];
          setTimeout(() => {
            for (const it of items) lines.forEach((l) => l(JSON.stringify(it.text.includes('f"') ? { id: it.id, ok: false, line: 1, column: 5, message: 'invalid syntax' } : { id: it.id, ok: true })));
            lines.forEach((l) => l('{"done": true}'));
          }, 5);
        },
        onLine: (l) => void lines.push(l),
        onExit: (x) => void exits.push(x),
        async close() {
          state.closed++;
          exit(0, '');
        },
      };
      return p;
    },
  };
  return { spawner, state };
}

test('a session starts the interpreter once for many checks, and close() ends it', async () => {
  const { spawner, state } = fakeSpawner();
  const s = persistentPy27Checker(spawner, 'py', '2.7.18');
  const [a, b] = await Promise.all([s.check([{ path: 'a.py', text: 'x = 1\n' }]), s.check([{ path: 'b.py', text: 'y = f"{x}"\n' }, { path: 'c.py', text: 'y = f"{x}"\n' }])]);
  const c = await s.check([{ path: 'd.py', text: 'z = 2\n' }]);
  assert.deepEqual([a[0]!.ok, b[0]!.ok, b[1]!.ok, c[0]!.ok], [true, false, false, true]);
  assert.equal(b[1]!.path, 'c.py');
  assert.deepEqual([state.spawns, state.batches], [1, 3], 'one process; identical contents sent once');
  await s.close();
  assert.equal(state.closed, 1);
});

test('a dying interpreter fails that check (the parser takes over) and the next check starts a new one', async () => {
  const { spawner, state } = fakeSpawner({ dieOnBatch: 1 });
  const s = persistentPy27Checker(spawner, 'py', '2.7');
  const report = await checkPython27([{ path: 'a.py', text: 'x = f"{y}"\n' }], { checker: s, tried: [{ candidate: 'py', used: true, reason: 'Python 2.7' }] });
  assert.equal(report.checker.kind, 'parser');
  assert.match(report.tried[0]!.reason, /exited \(code 1\): java\.lang\.OutOfMemoryError/);
  const again = await s.check([{ path: 'b.py', text: 'x = 1\n' }]);
  assert.equal(again[0]!.ok, true);
  assert.equal(state.spawns, 2);
  await s.close();
});

test('a batch without an answer times out and the process is dropped', async () => {
  const { spawner, state } = fakeSpawner({ silentOnBatch: 1 });
  const s = persistentPy27Checker(spawner, 'py', '2.7', 50);
  await assert.rejects(s.check([{ path: 'a.py', text: 'x = 1\n' }]), /did not answer within/);
  assert.equal((await s.check([{ path: 'a.py', text: 'x = 1\n' }]))[0]!.ok, true);
  assert.equal(state.spawns, 2);
  await s.close();
});

test('selectPy27Session: the parser needs no process', async () => {
  const none: ProcessRunner = { run: async () => ({ code: 127, stdout: '', stderr: '', timedOut: false }) };
  const { checker } = await selectPy27Session(none, fakeSpawner().spawner);
  assert.equal(checker.info.kind, 'parser');
  await checker.close();
});

const hasJython = spawnSync('jython', ['--version'], { stdio: 'ignore' }).status === 0;

test('jython session: the JVM starts once; later checks answer fast', { skip: hasJython ? false : 'jython is not on PATH' }, async () => {
  const s = persistentPy27Checker(nodeLineProcessSpawner, 'jython', '2.7');
  try {
    const first = await s.check([{ path: 'a.py', text: 'print "x"\n' }, { path: 'b.py', text: 'def f(*, a):\n    pass\n' }]);
    assert.deepEqual(first.map((r) => r.ok), [true, false]);
    const t0 = performance.now();
    const second = await s.check([{ path: 'c.py', text: 'x = 10L\nexcept_ = 1\n' }]);
    const ms = performance.now() - t0;
    assert.equal(second[0]!.ok, true);
    assert.ok(ms < 5_000, `second check took ${ms.toFixed(0)} ms`);
  } finally {
    await s.close();
  }
});
