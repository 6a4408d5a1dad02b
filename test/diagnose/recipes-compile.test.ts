/**
 * Every file every recipe writes compiles under a REAL Python 2.7 compiler (Jython, as CI installs it),
 * in one batched run through the project's own interpreter checker — including variants whose
 * indentation only a compiler judged before the parser-level fallback learnt CPython's indentation
 * rules (py27-indent.ts). Files with
 * Python-3-only syntax and with a bad indent in the same batch are refused, so the run can fail.
 * Skipped, saying so, where Jython is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import { interpreterPy27Checker, type PythonSource } from '../../src/diagnose/python/py27.ts';
import { nodeProcessRunner } from '../../src/diagnose/python/process.ts';
import { contextFor, groupOf, loadFixture, materialise, tableHttp } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';

const KESTREL = 'www.kestrel-films.example';
const HERON = 'www.heron-videos.example';
const INIT = 'Kestrel.bundle/Contents/Code/__init__.py';
const UTILS = 'Kestrel.bundle/Contents/Code/utils.py';
const items = films('Kestrel', ['Night Shift', 'Blue Hour']);

type Case = [Record<string, string>, GroupSpec, keyof typeof RECIPE_IMPLS];

const CASES: Case[] = [
  [{}, { class: 'http_error', agent: 'Wren', host: 'www.wren-studio.example', status: 403, count: 2, message: 'HTTP Error 403' }, 'request_headers'],
  [{}, { class: 'http_error', agent: 'Heron', host: HERON, status: 403, count: 2, message: 'HTTP Error 403' }, 'request_headers'],
  [{}, { class: 'http_error', agent: 'Kestrel', host: KESTREL, status: 429, count: 2, message: 'HTTP Error 429' }, 'retry_backoff'],
  [{}, { class: 'http_error', agent: 'Heron', host: HERON, status: 503, count: 2, message: 'HTTP Error 503' }, 'retry_backoff'],
  [{}, { class: 'timeout', agent: 'Kestrel', host: KESTREL, count: 2, message: 'timed out' }, 'timeout_delay'],
  [{}, { class: 'timeout', agent: 'Heron', host: HERON, count: 2, message: 'timed out' }, 'timeout_delay'],
  [{}, { class: 'title_match_failure', agent: 'Kestrel', count: 2, message: 'Title Match Failure', items }, 'title_normalisation'],
  [{}, { class: 'agent_exception', agent: 'Kestrel', count: 2, message: 'IndexError', location: { file: '__init__.py', line: 62 }, items }, 'graceful_degradation'],
  [{}, { class: 'agent_exception', agent: 'Kestrel', count: 2, message: 'IndexError', location: { file: '__init__.py', line: 63 }, items }, 'graceful_degradation'],
  [{}, { class: 'connection_error', agent: 'Kestrel', host: KESTREL, count: 2, message: 'refused' }, 'url_change'],
];

/** Variants of the fixture (file path → text) for the shapes the recipes handle specially. */
function variants(init: string, utils: string): Case[] {
  const copies = (text: string) => Object.fromEntries(['Heron', 'Kestrel', 'Wren'].map((b) => [`${b}.bundle/Contents/Code/utils.py`, text]));
  const twoLineSignature = utils.replace(
    /def NormaliseComparisonString\(myString\):\n {4}'''[\s\S]*?'''/,
    'def NormaliseComparisonString(myString,\n                              keepCase=False):\n    """Normalise a title for comparison."""',
  );
  const multiLineCall = init.replace(
    'HTML.ElementFromURL(searchQuery, timeout=20, sleep=utils.delay())',
    'HTML.ElementFromURL(\n                searchQuery,\n                sleep=utils.delay(),\n            )',
  );
  assert.notEqual(twoLineSignature, utils);
  assert.notEqual(multiLineCall, init);
  return [
    [copies(twoLineSignature), { class: 'title_match_failure', agent: 'Kestrel', count: 2, message: 'Title Match Failure', items }, 'title_normalisation'],
    [{ [INIT]: multiLineCall }, { class: 'timeout', agent: 'Kestrel', host: KESTREL, count: 2, message: 'timed out' }, 'timeout_delay'],
    [copies(utils.replace(/\n/g, '\r\n')), { class: 'http_error', agent: 'Heron', host: HERON, status: 503, count: 2, message: 'HTTP Error 503' }, 'retry_backoff'],
  ];
}

test('every recipe output compiles under Jython 2.7 (one batched run); Python-3-only syntax and a bad indent are refused', async (t) => {
  // Found on PATH rather than probed: a JVM start is seconds, and the check itself says what ran.
  if (!onPath('jython')) {
    t.skip('jython is not installed here; CI installs it (apt-get install jython)');
    return;
  }
  const base = await loadFixture();
  const http = tableHttp({ [`https://${KESTREL}`]: { status: 200, body: '<html/>' } });
  const files: PythonSource[] = [];
  for (const [overrides, spec, recipe] of [...CASES, ...variants(base.textAt(INIT), base.textAt(UTILS))]) {
    const fx = Object.keys(overrides).length ? await loadFixture(overrides) : base;
    const report = reportOf([spec]);
    const out = await RECIPE_IMPLS[recipe].run(contextFor(fx, report, groupOf(report, spec.agent, spec.class), http));
    if (!out.ok) assert.fail(`${recipe} for ${spec.agent} ${spec.class}: ${out.reason}`);
    const m = await materialise(fx, out);
    for (const [path, text] of m.after) files.push({ path: `${recipe}: ${path}`, text });
  }
  assert.equal(files.length, 23, "every copy of every changed file");
  const refusals: PythonSource[] = [
    { path: 'py3-only', text: base.textAt(INIT).replace("AGENT = 'Kestrel'", "AGENT = 'Kestrel'\nprint('x', end='')") },
    { path: 'bad-indent', text: "def f(a,\n      b=1):\n    '''doc'''\n                  a = g(a)\n    return a\n" },
  ];
  const results = await interpreterPy27Checker(nodeProcessRunner, 'jython', '2.7').check([...files, ...refusals]);
  for (const r of results.slice(0, files.length)) assert.ok(r.ok, `${r.path}: ${JSON.stringify(r.issues)} ${r.note ?? ''}`);
  const [py3, indent] = results.slice(files.length);
  assert.equal(py3!.ok, false, 'print(..., end=) is not Python 2.7');
  assert.equal(py3!.issues[0]?.line, 11);
  assert.equal(indent!.ok, false, 'an unexpected indent is refused by the compiler');
});

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
