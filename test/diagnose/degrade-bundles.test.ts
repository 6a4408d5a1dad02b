/**
 * Graceful degradation of a helper in the shared utils.py, through diagnose(): in PGMA's layout the
 * helper's callers live in OTHER bundles' __init__.py (fixture: getFilmOnIAFD in the utils.py that
 * Heron, Kestrel and Wren share; only Kestrel's update() calls it). Diagnosing a Heron group must read
 * those callers (each distinct file once per diagnosis, through DiagnoseDeps.readText) and offer the
 * degradation they tolerate, or refuse it naming the caller that would fail — not refuse it because
 * the other bundles' files were "not read".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPatch } from 'diff';
import { fsBundleReader, inspectPlugins } from '../../src/diagnose/inspect/index.ts';
import { diagnose, type DiagnoseDeps, type DiagnoseOptions } from '../../src/diagnose/index.ts';
import { checkPython27, parserPy27Checker } from '../../src/diagnose/python/py27.ts';
import type { DiagnosticReport } from '../../src/diagnose/schema.ts';
import { loadFixture, noHttp, PLUGINS, type Fixture } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';

const INIT = 'Contents/Code/__init__.py';
const UTILS = 'Contents/Code/utils.py';

function depsFor(fx: Fixture, reads: string[]): DiagnoseDeps {
  return {
    inspection: fx.inspection,
    readText: async (rel) => {
      reads.push(rel);
      return fx.textAt(rel);
    },
    http: noHttp,
    py27: (files) => checkPython27(files, { checker: parserPy27Checker(), tried: [] }),
    bundleLibraries: async () => new Set(),
    now: () => new Date('2026-11-24T07:00:00Z'),
  };
}

const OPTIONS: DiagnoseOptions = {
  iteration: 1,
  reportPath: '/srv/plexmend work/iterations/1/aggregate.json',
  pluginsDir: PLUGINS,
  ledger: { schema: 'plexmend.lessons/1', lessons: [] },
  probe: false,
  minItems: 2,
};

/** IAFD refuses getFilmOnIAFD's request (utils.py line 39) while `agent` updates. */
const iafd = (agent: string): GroupSpec => ({
  class: 'iafd_failure',
  agent,
  count: 3,
  phase: 'update',
  exceptionType: 'HTTPError',
  message: 'HTTP Error 403: Forbidden',
  location: { file: `${agent}.bundle/${UTILS}`, line: 39, function: 'getFilmOnIAFD' },
  items: films(agent, ['Night Shift', 'Blue Hour', 'Dry Season']),
});

/** The notes on why graceful degradation was not proposed for `agent`'s group. */
const notesOf = (d: DiagnosticReport, agent: string) => {
  const id = d.groups.find((g) => g.agent === agent)?.id ?? assert.fail(`no group for ${agent}`);
  return d.notes.filter((n) => n.startsWith(`${id}: graceful_degradation`));
};

test('a helper in the shared utils.py: its caller in another bundle is read, and the empty list it tolerates is offered', async () => {
  const fx = await loadFixture();
  const reads: string[] = [];
  const d = await diagnose(reportOf([iafd('Heron'), iafd('Wren')]), depsFor(fx, reads), OPTIONS);
  for (const agent of ['Heron', 'Wren']) {
    assert.deepEqual(notesOf(d, agent), [], `${agent}: no refusal`);
    const g = d.groups.find((x) => x.agent === agent && x.class === 'iafd_failure') ?? assert.fail(`no iafd group for ${agent}`);
    const p = g.proposals.find((x) => x.recipe === 'graceful_degradation') ?? assert.fail(`${agent}: no degradation proposal; notes: ${d.notes.join(' | ')}`);
    assert.equal(p.offered, true, JSON.stringify(p.checklist.filter((c) => !c.pass)));
    assert.match(p.rationale, /getFilmOnIAFD returns a list: it returns \[\] instead, which its callers accept \(Kestrel\.bundle\/Contents\/Code\/__init__\.py:64\)/);
    assert.deepEqual(p.changes.map((c) => c.path).sort(), ['Heron', 'Kestrel', 'Wren'].map((b) => `${b}.bundle/${UTILS}`));
    for (const c of p.changes) {
      const after = applyPatch(fx.textAt(c.path), c.diff);
      assert.equal(typeof after, 'string', `${c.path} applies`);
      assert.match(after as string, /\n {8}return \[\]\n {4}return html\.xpath\(XPATH_IAFD_RESULTS\)\n/);
    }
  }
  // Each other bundle's __init__.py was read once for the two groups (the utils.py copies are re-read by
  // the checklist, which compares every copy it patches with its current text).
  for (const b of ['Heron', 'Kestrel', 'Wren']) assert.equal(reads.filter((r) => r === `${b}.bundle/${INIT}`).length, 1, `${b}'s __init__.py read once: ${reads.join(', ')}`);
});

test('a helper in the shared utils.py whose caller in another bundle would fail: refused, naming that caller', async () => {
  const base = await loadFixture();
  const init = base.textAt(`Kestrel.bundle/${INIT}`).replace("utils.log('UPDATE:: %s cast entries', len(castList))", 'metadata.collections.add(castList[0])');
  const fx = await loadFixture({ [`Kestrel.bundle/${INIT}`]: init });
  const d = await diagnose(reportOf([iafd('Heron')]), depsFor(fx, []), OPTIONS);
  const g = d.groups.find((x) => x.agent === 'Heron')!;
  assert.deepEqual(g.proposals.filter((p) => p.recipe === 'graceful_degradation'), []);
  const [note, ...more] = notesOf(d, 'Heron');
  assert.equal(more.length, 0);
  assert.match(note ?? '', /graceful_degradation not proposed: no safe degradation: utils\.py:39: /);
  assert.match(note!, /its caller reads the result as castList\[0\] \(line 64\) in Kestrel\.bundle\/Contents\/Code\/__init__\.py/);
  assert.doesNotMatch(note!, /not read/);
});

test('a caller file that cannot be read is named, and the helper is not degraded on a guess', async () => {
  const fx = await loadFixture();
  const deps = depsFor(fx, []);
  const d = await diagnose(reportOf([iafd('Heron')]), {
    ...deps,
    readText: async (rel) => {
      if (rel === `Kestrel.bundle/${INIT}`) throw new Error('EACCES');
      return fx.textAt(rel);
    },
  }, OPTIONS);
  const [note] = notesOf(d, 'Heron');
  assert.match(note ?? '', /1 file\(s\) that may call it were not read \(Kestrel\.bundle\/Contents\/Code\/__init__\.py\)/);
  assert.deepEqual(d.groups[0]!.proposals.filter((p) => p.recipe === 'graceful_degradation'), []);
});

test('opt-in (PGMA_DIR): a helper of the real shared utils.py is judged by its callers in every bundle, in one diagnosis of all site bundles', { timeout: 300_000 }, async (t) => {
  const dir = process.env.PGMA_DIR;
  if (!dir) {
    t.skip('PGMA_DIR not set: point it at a Plug-ins-shaped PGMA-Modernized checkout');
    return;
  }
  const t0 = performance.now();
  const inspection = await inspectPlugins(dir, { reader: fsBundleReader });
  const inspected = performance.now() - t0;
  const site = inspection.bundles.filter((b) => b.files.some((f) => f.path.endsWith('utils.py')));
  const utils = inspection.files.find((f) => f.name === 'utils.py' && f.copies.length === site.length) ?? assert.fail('no utils.py shared by every site bundle');
  // getUserAgent()'s last step; its result goes to HTTP.Headers['User-Agent'] in every Start()
  const text = await readFile(join(dir, utils.copies[0]!.bundle, utils.copies[0]!.path), 'utf8');
  const line = text.split(/\r?\n/).findIndex((l) => l.trim() === 'user_agent = user_agent_rotator.get_random_user_agent()') + 1;
  assert.ok(line > 0, 'the statement is in utils.py');
  const reads = new Map<string, number>();
  const deps: DiagnoseDeps = {
    inspection,
    readText: async (rel) => {
      reads.set(rel, (reads.get(rel) ?? 0) + 1);
      return readFile(join(dir, ...rel.split('/')), 'utf8');
    },
    http: noHttp,
    py27: (files) => checkPython27(files, { checker: parserPy27Checker(), tried: [] }),
    now: () => new Date('2026-11-24T07:00:00Z'),
  };
  const specs = site.map((b): GroupSpec => ({ ...iafd(b.bundle.replace(/\.bundle$/, '')), location: { file: 'utils.py', line, function: 'getUserAgent' } }));
  const started = performance.now();
  const d = await diagnose(reportOf(specs), deps, { ...OPTIONS, pluginsDir: dir });
  const ms = performance.now() - started;
  const refusals = d.groups.flatMap((g) => notesOf(d, g.agent));
  assert.equal(refusals.length, site.length, `one refusal per bundle: ${d.notes.join(' | ')}`);
  for (const r of refusals) {
    assert.doesNotMatch(r, /not read/);
    // the caller that makes it unsafe: the header every Start() sets from it (no empty value is a header)
    assert.match(r, /is read as return user_agent \(to HTTP\.Headers\['User-Agent'\] = utils\.getUserAgent\(\) at \w+\.bundle\/Contents\/Code\/__init__\.py:\d+ and \d+ more\)/);
  }
  const repeated = [...reads].filter(([rel, n]) => rel.endsWith('__init__.py') && n > 1);
  assert.deepEqual(repeated, [], 'every __init__.py is read once');
  t.diagnostic(`inspection ${Math.round(inspected)} ms; ${site.length} groups diagnosed in ${Math.round(ms)} ms; ${reads.size} files read; first refusal: ${refusals[0]!.slice(0, 300)}`);
});
