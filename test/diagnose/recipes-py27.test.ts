/**
 * The Python the recipes insert runs in Plex's embedded Python 2.7, while the sandbox runs Python 3: so
 * the text-handling helpers (normaliseTitleForms, requestWithBackoff) and the fixture's utils.py after
 * the title-normalisation patch are EXERCISED under a real Python 2.7 (Jython, as CI installs it; CPython
 * 2.7 too where `python2.7` runs) and under python3, on UTF-8 byte strings and unicode. One interpreter
 * run per interpreter, all cases batched; an interpreter that is absent is skipped, saying so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backoffHelper } from '../../src/diagnose/recipes/backoff.ts';
import { normaliseHelper } from '../../src/diagnose/recipes/normalise.ts';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import { contextFor, groupOf, loadFixture, materialise } from '../fixtures/diagnose/harness.ts';
import { films, reportOf } from '../fixtures/diagnose/report.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/diagnose/exercise_helpers.py', import.meta.url));

interface Run {
  version: string;
  results: Array<Record<string, unknown> & { case: string }>;
}

type Outcome = Run | { absent: string } | { error: string };

function runPython(command: string, input: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = execFile(command, [SCRIPT], { timeout: 60_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ absent: `${command} is not installed` });
      if (err && !stdout.trim()) {
        // pyenv shims exist without a usable version: treat "not runnable" as absent, a Python error as failure.
        if (/pyenv: .*command not found|not found/i.test(stderr) && !/Traceback/.test(stderr)) return resolve({ absent: `${command} is not runnable here` });
        return resolve({ error: `${command} failed: ${stderr.slice(-2000)}` });
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Run);
    });
    child.stdin!.end(input);
  });
}

async function sources(): Promise<string> {
  const fx = await loadFixture();
  const report = reportOf([{ class: 'title_match_failure', agent: 'Kestrel', count: 2, message: 'Title Match Failure', items: films('Kestrel', ['Night Shift']) }]);
  const change = await RECIPE_IMPLS.title_normalisation.run(contextFor(fx, report, groupOf(report, 'Kestrel', 'title_match_failure')));
  if (!change.ok) throw new Error(change.reason);
  const m = await materialise(fx, change);
  const utils = m.after.get('Kestrel.bundle/Contents/Code/utils.py')!;
  const helpers = [...normaliseHelper(), ...backoffHelper(['www.heron-videos.example'], ['503', 'Service Unavailable'])].join('\n') + '\n';
  const spec = { class: 'iafd_failure' as const, agent: 'Heron', count: 1, message: 'ValueError', location: { file: 'utils.py', line: 40 } };
  const r2 = reportOf([spec]);
  const degrade = await RECIPE_IMPLS.graceful_degradation.run(contextFor(fx, r2, groupOf(r2, 'Heron', 'iafd_failure')));
  if (!degrade.ok) throw new Error(degrade.reason);
  const degraded = (await materialise(fx, degrade)).after.get('Heron.bundle/Contents/Code/utils.py')!;
  const r3 = reportOf([{ class: 'agent_exception' as const, agent: 'Kestrel', count: 1, phase: 'update' as const, exceptionType: 'ValueError', message: 'ValueError', location: { file: '__init__.py', line: 62 } }]);
  const degradeUpdate = await RECIPE_IMPLS.graceful_degradation.run(contextFor(fx, r3, groupOf(r3, 'Kestrel', 'agent_exception')));
  if (!degradeUpdate.ok) throw new Error(degradeUpdate.reason);
  const kestrel = (await materialise(fx, degradeUpdate)).after.get('Kestrel.bundle/Contents/Code/__init__.py')!;
  return JSON.stringify({ helpers, utils, degraded, kestrel });
}

const byCase = (r: Run) => new Map(r.results.map((x) => [x.case, x]));

function assertBehaviour(r: Run, label: string): void {
  const c = byCase(r);
  const v = (name: string) => c.get(name) ?? assert.fail(`${label}: case ${name} missing`);
  assert.equal(v('bytes-curly-roman').value, "Tom's Rocky 2", `${label}: UTF-8 bytes with a curly apostrophe`);
  assert.equal(v('bytes-curly-roman').unicode, true, `${label}: bytes come back as unicode`);
  assert.equal(v('unicode-quotes-dash-amp').value, '"Big" Night - Part 4 and More', label);
  assert.equal(v('unicode-plain').value, "Tom's Rocky 2", label);
  assert.equal(v('single-letter-words').value, 'I Love Lucy Vol 5', `${label}: a lone I stays a word, a final V is a numeral`);
  assert.equal(v('not-roman').value, 'CIVIL DIM Mix', `${label}: letter runs that are not canonical numerals stay`);
  assert.equal(v('ascii-bytes').value, 'Night Shift', label);
  assert.equal(v('undecodable-bytes-returned-as-is').same, true, label);

  assert.deepEqual(pick(v('retried-then-ok'), 'value', 'calls', 'sleeps', 'logged'), { value: 'page for https://www.heron-videos.example/find/x', calls: 3, sleeps: [2, 4], logged: 2 }, label);
  assert.deepEqual(pick(v('retry-after-honoured'), 'calls', 'sleeps'), { calls: 2, sleeps: [7] }, label);
  assert.deepEqual(pick(v('retry-after-capped'), 'calls', 'sleeps'), { calls: 2, sleeps: [60] }, label);
  assert.deepEqual(pick(v('other-host-not-retried'), 'raised', 'calls', 'sleeps'), { raised: 'HTTP Error 503: Service Unavailable', calls: 1, sleeps: [] }, label);
  assert.deepEqual(pick(v('other-error-not-retried'), 'raised', 'calls', 'sleeps'), { raised: 'HTTP Error 404: Not Found', calls: 1, sleeps: [] }, label);
  assert.deepEqual(pick(v('gives-up-after-four-retries'), 'calls', 'sleeps'), { calls: 5, sleeps: [2, 4, 8, 16] }, label);
  assert.ok(v('gives-up-after-four-retries').raised, `${label}: the last error is raised`);
  assert.deepEqual(pick(v('url-as-keyword'), 'value', 'calls'), { value: 'page for https://www.heron-videos.example/kw', calls: 2 }, label);
  assert.deepEqual(pick(v('unicode-url-and-error'), 'value', 'calls', 'sleeps'), { value: 'page for https://www.heron-videos.example/search?q=caf\u00e9', calls: 2, sleeps: [2] }, `${label}: ${String(v('unicode-url-and-error').raised)}`);

  assert.equal(v('match-bytes-vs-unicode').matched, true, `${label}: patched matchTitle, bytes site title vs unicode file title: ${v('match-bytes-vs-unicode').error}`);
  assert.equal(v('match-unicode-vs-bytes').matched, true, `${label}: ${v('match-unicode-vs-bytes').error}`);
  assert.equal(v('mismatch-still-fails').matched, false, `${label}: different titles still differ`);

  const d = v('degraded-unicode-error');
  assert.equal(d.raised, undefined, `${label}: the guard itself must not fail: ${String(d.raised)}`);
  assert.deepEqual(d.value, [], `${label}: the guarded helper returns the empty list its caller's len() accepts`);
  assert.equal((d.logged as string[]).length, 1, `${label}: the error is logged once`);
  assert.match((d.logged as string[])[0]!, /^plexmend: a failing step in getFilmOnIAFD was skipped; leaving getFilmOnIAFD early: ValueError\(/, label);

  const u = v('degraded-update-goes-on');
  assert.equal(u.raised, undefined, `${label}: the degraded update must not crash further on: ${String(u.raised)}`);
  assert.equal(u.summary, 'A synopsis', `${label}: the statements after the failing one still run`);
  assert.equal(u.title, 'Night Shift', label);
  assert.deepEqual((u.logged as string[]).filter((m) => !/^plexmend/.test(m)), ['UPDATE:: 0 cast entries'], `${label}: len(castList) of the substitute []`);
  assert.match((u.logged as string[]).find((m) => /^plexmend/.test(m)) ?? '', /^plexmend: a failing step in update was skipped: ValueError\(/, label);
}

function pick(o: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

const input = sources();
const INTERPRETERS = [
  { command: 'jython', expect: /^2\.7/ },
  { command: 'python2.7', expect: /^2\.7/ },
  { command: 'python3', expect: /^3\./ },
];
const runs = input.then((i) => Promise.all(INTERPRETERS.map((p) => runPython(p.command, i))));

for (const [n, p] of INTERPRETERS.entries()) {
  test(`inserted helpers behave the same under ${p.command}`, async (t) => {
    const r = (await runs)[n]!;
    if ('error' in r) assert.fail(r.error);
    if ('absent' in r) {
      if (p.command === 'jython') t.diagnostic('jython is absent: CI installs it (apt-get install jython); the Python 2.7 run is skipped here');
      t.skip(`${r.absent}; skipped`);
      return;
    }
    assert.match(r.version, p.expect);
    assertBehaviour(r, `${p.command} ${r.version}`);
  });
}
