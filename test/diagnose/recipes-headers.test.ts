/**
 * request_headers over the shapes Start() takes in real agents: the headers must run on every path
 * through Start(), so they go at the start of its body (after the docstring), and a one-line
 * `def Start(): …` is rewritten into a block (its docstring, if any, first). Every result is compile-checked as Python 2.7: by the
 * parser-level check (which judges indentation) and, where Jython is installed, by Jython in one run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import { BROWSER_HEADERS } from '../../src/diagnose/probe.ts';
import { interpreterPy27Checker, parserPy27Checker, type PythonSource } from '../../src/diagnose/python/py27.ts';
import { nodeProcessRunner } from '../../src/diagnose/python/process.ts';
import { contextFor, groupOf, loadFixture, materialise } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';
import { docstringOf } from './docstring.ts';

const INIT = 'Wren.bundle/Contents/Code/__init__.py';
const ORIGINAL_START = "def Start():\n    ''' initialise process '''\n    HTTP.CacheTime = CACHE_1DAY\n";
const SPEC: GroupSpec = { class: 'http_error', agent: 'Wren', host: 'www.wren-studio.example', status: 403, count: 5, message: 'HTTP Error 403: Forbidden', items: films('Wren', ['A Film']) };
const H = (indent: string) => Object.entries(BROWSER_HEADERS).map(([k, v]) => `${indent}HTTP.Headers['${k}'] = '${v}'`);

/** [shape, Start() as written, Start() expected after the recipe (lines)]. */
const SHAPES: Array<[string, string, string[]]> = [
  ['docstring, then code', ORIGINAL_START, ['def Start():', "    ''' initialise process '''", ...H('    '), '    HTTP.CacheTime = CACHE_1DAY']],
  ['ends in return', "def Start():\n    ''' initialise process '''\n    HTTP.CacheTime = CACHE_1DAY\n    return True\n", ['def Start():', "    ''' initialise process '''", ...H('    '), '    HTTP.CacheTime = CACHE_1DAY', '    return True']],
  ['an early return', "def Start():\n    '''\n    initialise process\n    '''\n    if not Prefs['enabled']:\n        return\n    HTTP.CacheTime = CACHE_1DAY\n", ['def Start():', "    '''", '    initialise process', "    '''", ...H('    '), "    if not Prefs['enabled']:", '        return', '    HTTP.CacheTime = CACHE_1DAY']],
  ['docstring only', "def Start():\n    ''' initialise process '''\n", ['def Start():', "    ''' initialise process '''", ...H('    ')]],
  ['no docstring, a comment first, tabs', "def Start():\n\t# set up\n\tHTTP.CacheTime = 0\n", ['def Start():', ...H('\t'), '\t# set up', '\tHTTP.CacheTime = 0']],
  ['one line: pass', 'def Start(): pass\n', ['def Start():', ...H('    '), '    pass']],
  ['one line: a statement and a comment', 'def Start(): HTTP.CacheTime = 0  # no cache\n', ['def Start():', ...H('    '), '    HTTP.CacheTime = 0  # no cache']],
  ['one line: two statements', 'def Start(): HTTP.CacheTime = 0; Log.Info("start")\n', ['def Start():', ...H('    '), '    HTTP.CacheTime = 0; Log.Info("start")']],
  ['one line: only a docstring', "def Start(): 'Set up the agent.'\n", ['def Start():', "    'Set up the agent.'", ...H('    ')]],
  ['one line: a docstring, then a statement', "def Start(): 'Set up the agent.'; HTTP.CacheTime = 0\n", ['def Start():', "    'Set up the agent.'", ...H('    '), '    HTTP.CacheTime = 0']],
  ['one line: a docstring, then an old User-Agent (overwritten after it)', "def Start(): 'Set up.'; HTTP.Headers['User-Agent'] = 'Old'\n", ['def Start():', "    'Set up.'", "    HTTP.Headers['User-Agent'] = 'Old'", ...H('    ')]],
];

async function headersFor(start: string): Promise<string> {
  const base = await loadFixture();
  const text = base.textAt(INIT);
  assert.ok(text.includes(ORIGINAL_START));
  const fx = await loadFixture({ [INIT]: text.replace(ORIGINAL_START, start) });
  const report = reportOf([SPEC]);
  const out = await RECIPE_IMPLS.request_headers.run(contextFor(fx, report, groupOf(report, 'Wren', 'http_error')));
  if (!out.ok) assert.fail(out.reason);
  const m = await materialise(fx, out);
  assert.equal(m.applied.get(INIT), m.after.get(INIT), 'the diff applies');
  return m.after.get(INIT)!;
}

/** Start()'s lines in a file: from `def Start` to the line before the next top-level statement. */
function startOf(text: string): string[] {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.startsWith('def Start'));
  let to = from + 1;
  while (to < lines.length && (lines[to] === '' || /^[ \t]/.test(lines[to]!))) to++;
  while (lines[to - 1] === '') to--;
  return lines.slice(from, to);
}

test('request_headers: the headers open Start()\'s body whatever its shape, and the file compiles as 2.7', async (t) => {
  const files: PythonSource[] = [];
  for (const [shape, start, expected] of SHAPES) {
    const after = await headersFor(start);
    assert.deepEqual(startOf(after), expected, shape);
    assert.equal(await docstringOf(after, 'Start'), await docstringOf(start, 'Start'), `${shape}: the docstring stays first`);
    files.push({ path: `${shape}.py`, text: after });
  }
  for (const r of await parserPy27Checker().check(files)) assert.ok(r.ok, `${r.path}: ${JSON.stringify(r.issues)}`);
  if (spawnSync('jython', ['--version'], { stdio: 'ignore' }).status !== 0) {
    t.diagnostic('jython is not on PATH: the compile check by a real 2.7 compiler is skipped');
    return;
  }
  for (const r of await interpreterPy27Checker(nodeProcessRunner, 'jython', '2.7').check(files)) assert.ok(r.ok, `jython: ${r.path}: ${JSON.stringify(r.issues)}`);
});
