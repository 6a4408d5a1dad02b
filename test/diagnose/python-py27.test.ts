import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  checkPython27,
  interpreterPy27Checker,
  parserPy27Checker,
  probePython27,
  selectPy27Checker,
  type PythonSource,
} from '../../src/diagnose/python/py27.ts';
import { PY27_RULES, type Py27Rule } from '../../src/diagnose/python/py27-rules.ts';
import { nodeProcessRunner, type ProcessResult, type ProcessRunner } from '../../src/diagnose/python/process.ts';

/** Python-3-only inputs, each with the rule that must reject it and the line it is on. */
const PY3_ONLY: [Py27Rule, string, number][] = [
  ['syntax-error', 'def f(:\n    pass\n', 1],
  ['f-string', 'x = 1\ny = f"{x}"\n', 2],
  ['string-prefix', "y = rb'abc'\n", 1],
  ['nonlocal', 'def f():\n    x = 1\n    def g():\n        nonlocal x\n', 4],
  ['annotation', 'def f(a: int):\n    pass\n', 1],
  ['annotation', 'def f(a) -> int:\n    pass\n', 1],
  ['annotation', 'count: int = 0\n', 1],
  ['keyword-only-argument', 'def f(a, *, b):\n    pass\n', 1],
  ['keyword-only-argument', 'def f(*args, b=1):\n    pass\n', 1],
  ['positional-only-argument', 'def f(a, /, b):\n    pass\n', 1],
  ['async-await', 'async def f():\n    pass\n', 1],
  ['async-await', 'def f():\n    await g()\n', 2],
  ['print-function-keyword', "print('a', end='')\n", 1],
  ['print-function-keyword', "import sys\nprint('a', file=sys.stderr)\n", 2],
  ['yield-from', 'def f():\n    yield from g()\n', 2],
  ['matrix-multiply', 'c = a @ b\n', 1],
  ['walrus', 'if (n := len(a)) > 1:\n    pass\n', 1],
  ['star-unpacking', 'first, *rest = items\n', 1],
  ['star-unpacking', 'both = [*a, *b]\n', 1],
  ['star-unpacking', 'd = {**a}\n', 1],
  ['raise-from', 'try:\n    pass\nexcept Exception as e:\n    raise ValueError("x") from e\n', 4],
  ['non-ascii-identifier', 'caf\u00e9 = 1\n', 1],
  ['class-keyword-argument', 'class A(object, metaclass=M):\n    pass\n', 1],
  ['ellipsis-literal', 'x = ...\n', 1],
  ['numeric-underscore', 'n = 1_000\n', 1],
  ['match-statement', 'match x:\n    case 1:\n        pass\n', 1],
  ['except-group', 'try:\n    pass\nexcept* ValueError:\n    pass\n', 3],
  ['type-alias', 'type X = int\n', 1],
  ['indentation', 'if a:\n        b = 1\n    c = 2\n', 3],
  ['positional-after-keyword', 'f(a,\n  key=1,\n  b)\n', 3],
];

/** Python 2 forms real agents use; all must pass. */
const PY2_OK = [
  'print "x", y\nprint >>sys.stderr, "e"\nprint\n',
  'try:\n    pass\nexcept ValueError, e:\n    pass\n',
  'try:\n    pass\nexcept (ValueError, KeyError), e:\n    pass\n',
  "s = ur'\\d+' + u'a' + b'b' + br'c' + r'd'\n",
  'x = `y`\n',
  'if a <> b:\n    pass\n',
  'n = 10L + 0xFFL\n',
  'exec "x = 1"\nexec code in ns\n',
  'mode = 0777 + 0o777\n',
  'raise ValueError, "msg"\n',
  'from __future__ import print_function\nprint("a", end="")\n',
  'def f(*args, **kwargs):\n    return g(*args, **kwargs)\n',
  'g(1, key=2, *rest)\ng(1, key=2, *rest, **kw)\n',
  'x = y[...]\n',
  'd = {k: v for k, v in items}\ns = {1, 2}\n',
  'lambda (a, b): a\n',
  '@decorator\ndef f():\n    pass\n',
  'exec f.read() in g, l\nexec TEMPLATE % (m, m)\nif x: exec "y"\n',
  'def setAsync(self, async):\n    if async:\n        return async\n',
  'type(mock).check = checksig\n',
  "flag = xmlrpclib.False or xmlrpclib.True\n",
];

test('the parser check rejects every Python-3-only form, at its line, naming the rule', async () => {
  const checker = parserPy27Checker();
  const files = PY3_ONLY.map(([rule, text], i) => ({ path: `${i}-${rule}.py`, text }));
  const results = await checker.check(files);
  for (const [i, [rule, text, line]] of PY3_ONLY.entries()) {
    const r = results[i]!;
    assert.equal(r.ok, false, `${rule} should fail: ${text}`);
    assert.ok(r.issues.some((x) => x.rule === rule && x.line === line), `${rule} at line ${line}: got ${JSON.stringify(r.issues)}`);
  }
  const covered = new Set(PY3_ONLY.map(([r]) => r));
  assert.deepEqual(PY27_RULES.filter((r) => !covered.has(r)), [], 'every rule has a failing input');
});

test('the parser check accepts the Python 2 forms', async () => {
  const results = await parserPy27Checker().check(PY2_OK.map((text, i) => ({ path: `ok${i}.py`, text })));
  for (const [i, r] of results.entries()) assert.equal(r.ok, true, `${PY2_OK[i]} -> ${JSON.stringify(r.issues)}`);
});

/** An in-memory process runner: answers by command name. */
function fakeRunner(answers: Record<string, (args: readonly string[], input?: string) => Partial<ProcessResult>>): ProcessRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async run(command, args, { input }) {
      calls.push(command);
      const a = answers[command];
      if (!a) return { code: 127, stdout: '', stderr: 'not found', timedOut: false };
      return { code: 0, stdout: '', stderr: '', timedOut: false, ...a(args, input) };
    },
  };
}

test('the selector takes the configured interpreter first, skips a Python 3 and a broken shim, records why', async () => {
  const runner = fakeRunner({
    'my-py': () => ({ stdout: '3.11|3.11.7' }),
    python2: () => ({ code: 127, stdout: '', stderr: 'pyenv: python2: command not found' }),
    pypy: () => ({ stdout: '2.7|2.7.18' }),
  });
  const { checker, tried } = await selectPy27Checker(runner, { configured: 'my-py' });
  assert.deepEqual(checker.info, { kind: 'interpreter', name: 'pypy', version: '2.7.18' });
  assert.deepEqual(tried.map((t) => [t.candidate, t.used]), [['my-py', false], ['python2.7', false], ['python2', false], ['pypy', true]]);
  assert.match(tried[0]!.reason, /Python 3\.11, not 2\.7/);
});

test('the selector falls back to the parser when no interpreter answers', async () => {
  const { checker, tried } = await selectPy27Checker(fakeRunner({}));
  assert.equal(checker.info.kind, 'parser');
  assert.equal(tried.at(-1)?.candidate, 'tree-sitter-python');
  assert.equal(tried.filter((t) => t.used).length, 1);
});

test('the interpreter checker sends each distinct content once and maps results back to every copy', async () => {
  let sent: { id: string; path: string }[] = [];
  const runner = fakeRunner({
    py: (_args, input) => {
      sent = JSON.parse(input!);
      return {
        stdout: sent
          .map((s) => JSON.stringify(s.path.endsWith('bad.py') ? { id: s.id, ok: false, line: 2, column: 5, message: 'invalid syntax' } : { id: s.id, ok: true }))
          .join('\n'),
      };
    },
  });
  const files: PythonSource[] = [
    { path: 'A.bundle/utils.py', text: 'x = 1\n' },
    { path: 'B.bundle/utils.py', text: 'x = 1\n' },
    { path: 'bad.py', text: 'x = 1\ny = f"{x}"\n' },
  ];
  const results = await interpreterPy27Checker(runner, 'py', '2.7.18').check(files);
  assert.equal(sent.length, 2);
  assert.deepEqual(results.map((r) => [r.path, r.ok]), [['A.bundle/utils.py', true], ['B.bundle/utils.py', true], ['bad.py', false]]);
  assert.deepEqual(results[2]!.issues[0], { rule: 'syntax-error', line: 2, column: 5, message: 'invalid syntax' });
});

test('a crashing interpreter makes checkPython27 fall back to the parser and say so', async () => {
  const runner = fakeRunner({ py: () => ({ code: 1, stdout: '', stderr: 'java.lang.OutOfMemoryError' }) });
  const report = await checkPython27([{ path: 'a.py', text: 'x = f"{y}"\n' }], {
    checker: interpreterPy27Checker(runner, 'py', '2.7'),
    tried: [{ candidate: 'py', used: true, reason: 'Python 2.7' }],
  });
  assert.equal(report.checker.kind, 'parser');
  assert.match(report.tried[0]!.reason, /failed: .*OutOfMemoryError/);
  assert.equal(report.files[0]!.ok, false);
});

const BIG_BODY = Array.from({ length: 700 }, (_, i) => `    try:\n        x${i} = d["k${i}"].strip().lower()\n    except Exception as e:\n        log("UTILS :: Error: %s" % e)`).join('\n');

const hasJython = spawnSync('jython', ['--version'], { stdio: 'ignore' }).status === 0;

test('jython: one run compiles a batch, rejects Python 3 syntax, accepts Python 2', { skip: hasJython ? false : 'jython is not on PATH' }, async () => {
  const probe = await probePython27(nodeProcessRunner, 'jython');
  assert.equal(probe.ok, true, probe.reason);
  const files: PythonSource[] = [
    ...PY2_OK.filter((t) => !t.includes('print_function')).map((text, i) => ({ path: `ok${i}.py`, text: `# encoding=utf8\n${text}` })),
    { path: 'fstring.py', text: 'x = 1\ny = f"{x}"\n' },
    { path: 'kwonly.py', text: 'def f(a, *, b):\n    pass\n' },
    { path: 'nonascii.py', text: '# encoding=utf8\nTITLE = u"caf\u00e9 \u2019"\n' },
    // Jython cannot compile a function over 64 KiB of JVM bytecode: decided by the parser instead
    { path: 'big.py', text: `def big(d):\n${BIG_BODY}\n` },
  ];
  const t0 = performance.now();
  const results = await interpreterPy27Checker(nodeProcessRunner, 'jython', probe.version!).check(files);
  const seconds = (performance.now() - t0) / 1000;
  for (const r of results) {
    const bad = r.path === 'fstring.py' || r.path === 'kwonly.py';
    assert.equal(r.ok, !bad, `${r.path}: ${JSON.stringify(r.issues)}`);
  }
  assert.equal(results.find((r) => r.path === 'fstring.py')!.issues[0]!.line, 2);
  const big = results.find((r) => r.path === 'big.py')!;
  assert.equal(big.checkedBy, 'tree-sitter-python');
  assert.match(big.note ?? '', /too large/);
  assert.ok(results.filter((r) => r.path !== 'big.py').every((r) => r.checkedBy === undefined));
  assert.ok(seconds < 60, `one jython run took ${seconds.toFixed(1)} s`);
});

test('a file the interpreter cannot decide (Jython: method too large) is checked by the parser, and says so', async () => {
  const runner = fakeRunner({
    py: (_args, input) => ({
      stdout: (JSON.parse(input!) as { id: string; path: string }[])
        .map((s) => JSON.stringify(s.path === 'big.py' ? { id: s.id, ok: null, message: 'RuntimeException: Module or method too large in `big.py`.' } : { id: s.id, ok: true }))
        .join('\n'),
    }),
  });
  const results = await interpreterPy27Checker(runner, 'py', '2.7.3').check([
    { path: 'small.py', text: 'x = 1\n' },
    { path: 'big.py', text: 'def f():\n    return f"{x}"\n' },
  ]);
  assert.deepEqual([results[0]!.ok, results[0]!.checkedBy], [true, undefined]);
  assert.equal(results[1]!.ok, false);
  assert.equal(results[1]!.checkedBy, 'tree-sitter-python');
  assert.match(results[1]!.note!, /too large/);
  assert.equal(results[1]!.issues[0]!.rule, 'f-string');
});


/**
 * Opt-in measurement: PY27_PYTHON=/path/to/python2.7 compares the parser-level check with a real
 * CPython 2.7 over that interpreter's own standard library (Python 2 code that must pass).
 */
test('differential: the parser check agrees with CPython 2.7 on its standard library', { skip: process.env.PY27_PYTHON ? false : 'set PY27_PYTHON to a python2.7 to run' }, async (t) => {
  const { readdir, readFile } = await import('node:fs/promises');
  const { join, dirname } = await import('node:path');
  const py = process.env.PY27_PYTHON!;
  const r = await nodeProcessRunner.run(py, ['-c', 'import os; print(os.path.dirname(os.__file__))'], { timeoutMs: 30_000 });
  const lib = r.stdout.trim();
  const files: PythonSource[] = [];
  const walkDir = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && e.name !== 'site-packages') await walkDir(p);
      else if (e.name.endsWith('.py')) {
        const text = await readFile(p, 'utf8');
        if (!text.includes('\ufffd')) files.push({ path: p, text });
      }
    }
  };
  await walkDir(lib);
  const parser = await parserPy27Checker().check(files);
  const real = await interpreterPy27Checker(nodeProcessRunner, py, '2.7').check(files);
  const falsePositives = files.filter((_, i) => !parser[i]!.ok && real[i]!.ok).map((f) => f.path);
  const missed = files.filter((_, i) => parser[i]!.ok && !real[i]!.ok).length;
  t.diagnostic(`${files.length} files under ${dirname(lib)}: ${falsePositives.length} false positives, ${missed} missed (semantic errors a parser cannot see)`);
  assert.deepEqual(falsePositives, []);
});
