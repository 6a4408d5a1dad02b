/**
 * Every file every recipe writes compiles under a REAL Python 2.7 compiler (Jython, as CI installs it),
 * in one batched run through the project's own interpreter checker; a file with Python-3-only syntax
 * in the same batch is refused, so the run can fail. Skipped, saying so, where Jython is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { interpreterPy27Checker, type PythonSource } from '../../src/diagnose/python/py27.ts';
import { nodeProcessRunner } from '../../src/diagnose/python/process.ts';
import { contextFor, groupOf, loadFixture, materialise, tableHttp } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';

const KESTREL = 'www.kestrel-films.example';
const HERON = 'www.heron-videos.example';
const items = films('Kestrel', ['Night Shift', 'Blue Hour']);

const CASES: Array<[GroupSpec, keyof typeof RECIPE_IMPLS]> = [
  [{ class: 'http_error', agent: 'Wren', host: 'www.wren-studio.example', status: 403, count: 2, message: 'HTTP Error 403' }, 'request_headers'],
  [{ class: 'http_error', agent: 'Heron', host: HERON, status: 403, count: 2, message: 'HTTP Error 403' }, 'request_headers'],
  [{ class: 'http_error', agent: 'Kestrel', host: KESTREL, status: 429, count: 2, message: 'HTTP Error 429' }, 'retry_backoff'],
  [{ class: 'http_error', agent: 'Heron', host: HERON, status: 503, count: 2, message: 'HTTP Error 503' }, 'retry_backoff'],
  [{ class: 'timeout', agent: 'Kestrel', host: KESTREL, count: 2, message: 'timed out' }, 'timeout_delay'],
  [{ class: 'title_match_failure', agent: 'Kestrel', count: 2, message: 'Title Match Failure', items }, 'title_normalisation'],
  [{ class: 'agent_exception', agent: 'Kestrel', count: 2, message: 'IndexError', location: { file: '__init__.py', line: 62 }, items }, 'graceful_degradation'],
  [{ class: 'agent_exception', agent: 'Kestrel', count: 2, message: 'IndexError', location: { file: '__init__.py', line: 59 }, items }, 'graceful_degradation'],
  [{ class: 'connection_error', agent: 'Kestrel', host: KESTREL, count: 2, message: 'refused' }, 'url_change'],
];

test('every recipe output compiles under Jython 2.7 (one batched run); Python-3-only syntax is refused', async (t) => {
  // Found on PATH rather than probed: a JVM start is seconds, and the check itself says what ran.
  if (!onPath('jython')) {
    t.skip('jython is not installed here; CI installs it (apt-get install jython)');
    return;
  }
  const fx = await loadFixture();
  const http = tableHttp({ [`https://${KESTREL}`]: { status: 200, body: '<html/>' } });
  const files: PythonSource[] = [];
  for (const [spec, recipe] of CASES) {
    const report = reportOf([spec]);
    const out = await RECIPE_IMPLS[recipe].run(contextFor(fx, report, groupOf(report, spec.agent, spec.class), http));
    if (!out.ok) assert.fail(`${recipe} for ${spec.agent} ${spec.class}: ${out.reason}`);
    const m = await materialise(fx, out);
    for (const [path, text] of m.after) files.push({ path: `${recipe}: ${path}`, text });
  }
  assert.ok(files.length >= 12, `${files.length} files`);
  const bad = { path: 'py3-only: Kestrel.bundle/Contents/Code/__init__.py', text: fx.textAt('Kestrel.bundle/Contents/Code/__init__.py').replace("AGENT = 'Kestrel'", "AGENT = 'Kestrel'\nprint('x', end='')") };
  const results = await interpreterPy27Checker(nodeProcessRunner, 'jython', '2.7').check([...files, bad]);
  for (const r of results.slice(0, -1)) assert.ok(r.ok, `${r.path}: ${JSON.stringify(r.issues)} ${r.note ?? ''}`);
  const refused = results[results.length - 1]!;
  assert.equal(refused.ok, false, 'print(..., end=) is not Python 2.7');
  assert.equal(refused.issues[0]?.line, 11);
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
