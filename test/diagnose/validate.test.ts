/**
 * The twelve-point checklist: a baseline built from a real recipe change on the fixture passes every
 * point, and for EVERY point there is an input that fails it (built as a ChecklistInput directly, using
 * the real checkers — jsdiff, the parser-level 2.7 check, the RestrictedPython naming check — where the
 * point relies on one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPatch } from 'diff';
import { runChecklist, inScope, type ChecklistInput, type CheckResult } from '../../src/diagnose/validate.ts';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import { buildExpectation } from '../../src/diagnose/expectations.ts';
import { checkNamingChange } from '../../src/diagnose/python/naming.ts';
import { parserPy27Checker, type Py27Report } from '../../src/diagnose/python/py27.ts';
import { CHECKLIST_POINTS, type Lesson } from '../../src/diagnose/schema.ts';
import { contextFor, groupOf, loadFixture, materialise } from '../fixtures/diagnose/harness.ts';
import { lesson as buildLesson } from '../builders/documents.ts';
import { films, reportOf } from '../fixtures/diagnose/report.ts';

const KESTREL = 'www.kestrel-films.example';
const PATH = 'Kestrel.bundle/Contents/Code/__init__.py';

async function py27Of(files: Map<string, string>): Promise<Py27Report> {
  const checker = parserPy27Checker();
  return { checker: checker.info, tried: [], files: await checker.check([...files].map(([path, text]) => ({ path, text }))) };
}

/** A passing baseline: Kestrel's 429 group and the back-off recipe's real change. */
async function baseline(): Promise<ChecklistInput> {
  const fx = await loadFixture();
  const report = reportOf([
    { class: 'http_error', agent: 'Kestrel', host: KESTREL, status: 429, count: 12, message: 'HTTP Error 429: Too Many Requests', items: films('Kestrel', ['Night Shift', 'Harbour Lights', 'Summer Camp Diaries']) },
  ]);
  const group = groupOf(report, 'Kestrel', 'http_error');
  const ctx = contextFor(fx, report, group);
  const change = await RECIPE_IMPLS.retry_backoff.run(ctx);
  if (!change.ok) throw new Error(change.reason);
  const m = await materialise(fx, change);
  const editedLines = new Map<string, number[]>();
  for (const [sha, edits] of change.edits) {
    const file = fx.inspection.files.find((f) => f.sha256 === sha)!;
    for (const c of file.copies) editedLines.set(`${c.bundle}/${c.path}`, edits.flatMap((e) => (e.kind === 'insert' ? [e.afterLine, e.afterLine + 1] : [e.line])));
  }
  const naming = new Map<string, Awaited<ReturnType<typeof checkNamingChange>>>();
  for (const [p, after] of m.after) {
    const v = await checkNamingChange(m.before.get(p)!, after);
    if (v.length) naming.set(p, v);
  }
  return {
    group,
    rule: ctx.rule,
    recipe: 'retry_backoff',
    composed: [],
    kind: 'patch',
    changes: m.changes,
    current: m.before,
    after: m.after,
    editedLines,
    evidence: change.evidence,
    expectation: buildExpectation({ recipe: 'retry_backoff', agent: 'Kestrel', class: 'http_error', host: KESTREL, status: 429, touchedAgents: ['Kestrel'], report }),
    py27: await py27Of(m.after),
    naming,
    bundleLibraries: new Set(),
    lessonsInScope: [],
    lessonsApplied: [],
    lessonsSkipped: [],
    minItems: 3,
  };
}

function point(results: CheckResult[], name: string): CheckResult {
  return results.find((r) => r.point === name) ?? assert.fail(`no result for ${name}`);
}

/** Replaces the change's after-text with `after` (a fresh diff of the same file) so the patch still applies. */
function withAfter(i: ChecklistInput, after: string): ChecklistInput {
  const cur = i.current.get(PATH)!;
  return {
    ...i,
    after: new Map([[PATH, after]]),
    changes: [{ path: PATH, diff: createPatch(PATH, cur, after, 'before', 'after'), baseHash: i.changes[0]!.baseHash }],
  };
}

const lesson = (id: string): Lesson => buildLesson({ id });

test('the baseline passes all twelve points, each with a reason; only testing feasibility is non-blocking', async () => {
  const r = runChecklist(await baseline());
  assert.deepEqual(r.map((x) => x.point), [...CHECKLIST_POINTS]);
  for (const x of r) {
    assert.ok(x.pass, `${x.point}: ${x.reason}`);
    assert.ok(x.reason.length > 10, x.point);
  }
  assert.deepEqual(r.filter((x) => !x.blocking).map((x) => x.point), ['testing_feasibility']);
  assert.match(point(r, 'python27').reason, /tree-sitter-python/);
  assert.equal(point(r, 'python27').checker, 'tree-sitter-python tree-sitter-python 0.25');
});

test('every checklist point has an input that fails it', async () => {
  const base = await baseline();
  const cur = base.current.get(PATH)!;
  const after = base.after.get(PATH)!;
  const failures: Array<[string, ChecklistInput, RegExp, string[]?]> = [
    ['error_alignment', { ...base, recipe: 'xpath_repair' }, /xpath_repair is not a remedy for rate-limited/],
    ['error_alignment', { ...base, evidence: [] }, /no code evidence/, ['code_location']],
    ['expected_vs_observed', { ...base, expectation: { ...base.expectation, primary: { ...base.expectation.primary, baseline: null } } }, /missing/],
    ['expected_vs_observed', { ...base, group: { ...base.group, events: 0 } }, /missing/],
    ['code_location', { ...base, editedLines: new Map([[PATH, [200]]]) }, /no edit is at a line the evidence names/],
    ['patch_applies', { ...base, current: new Map([[PATH, cur.replace('searchQuery = BASE_SEARCH_URL', 'searchQuery = OTHER_URL')]]) }, /does not apply to/],
    ['patch_applies', { ...base, changes: [] }, /the patch is empty/],
    ['python27', { ...base, py27: null }, /no Python 2\.7 check ran/],
    ['plugin_sandbox_rules', { ...base, naming: new Map([[PATH, await checkNamingChange(cur, after.replace("AGENT = 'Kestrel'", "_agent = 'Kestrel'\nAGENT = _agent"))]]) }, /_agent/],
    ['dependencies', withAfter(base, after.replace('import utils', 'import utils\nimport requests')), /requests \(Kestrel\.bundle/],
    ['scope', { ...base, changes: base.changes.map((c) => ({ ...c, path: 'Plug-in Support/Preferences/com.plexapp.agents.Kestrel.xml' })) }, /changes outside the bundles/, ['error_alignment', 'patch_applies']],
    ['scope', withAfter(base, after.replace("AGENT = 'Kestrel'", "AGENT = 'Kestrel'\nAPI_KEY = 'abcdef123456'")), /adds credentials/],
    ['side_effects', { ...base, expectation: { ...base.expectation, watch: [], failureIndicators: [] } }, /0 failure indicators and 0 watched/, ['measurable_expectation']],
    ['testing_feasibility', { ...base, minItems: 5 }, /3 affected items can be looked up in Plex \(need 5 to judge\)/],
    ['measurable_expectation', { ...base, expectation: { ...base.expectation, primary: { ...base.expectation.primary, threshold: undefined } } }, /no primary metric with a threshold/],
    ['measurable_expectation', { ...base, expectation: { ...base.expectation, successIndicators: [] } }, /no primary metric with a threshold, or no success/],
    ['lessons_honoured', { ...base, lessonsInScope: [lesson('L7')] }, /neither applied nor answered: L7/],
    ['lessons_honoured', { ...base, changes: base.changes.map((c) => ({ ...c, baseHash: 'unknown' })) }, /no base hash/],
  ];
  // python27 with the real parser-level check on Python-3-only syntax.
  const py3only = after.replace("AGENT = 'Kestrel'", "AGENT = 'Kestrel'\nLABEL = f'{AGENT} agent'");
  failures.push(['python27', { ...withAfter(base, py3only), py27: await py27Of(new Map([[PATH, py3only]])) }, /__init__\.py:\d+ /]);

  const covered = new Set<string>();
  for (const [name, input, reason, also = []] of failures) {
    const r = runChecklist(input);
    const p = point(r, name);
    assert.equal(p.pass, false, `${name} should fail: ${p.reason}`);
    assert.match(p.reason, reason, name);
    // Only the mutated point fails (the inputs are otherwise the passing baseline), or the named consequences.
    const others = r.filter((x) => x.point !== name && !x.pass).map((x) => x.point);
    assert.deepEqual(others, also, `${name}: only this point fails (${reason})`);
    covered.add(name);
  }
  assert.deepEqual([...covered].sort(), [...CHECKLIST_POINTS].sort(), 'every point has a failing input');
});

test('dependencies passes once the bundle ships the imported library, and a lesson answered is honoured', async () => {
  const base = await baseline();
  const dep = withAfter(base, base.after.get(PATH)!.replace('import utils', 'import utils\nimport requests'));
  assert.equal(point(runChecklist({ ...dep, bundleLibraries: new Set(['requests']) }), 'dependencies').pass, true);
  assert.equal(point(runChecklist({ ...base, lessonsInScope: [lesson('L7')], lessonsSkipped: [{ lessonId: 'L7', reason: 'not applicable' }] }), 'lessons_honoured').pass, true);
});

test('shared copies that would differ afterwards fail patch_applies', async () => {
  const fx = await loadFixture();
  const report = reportOf([{ class: 'title_match_failure', agent: 'Heron', count: 2, message: 'Title Match Failure', items: films('Heron', ['A', 'B', 'C']) }]);
  const ctx = contextFor(fx, report, groupOf(report, 'Heron', 'title_match_failure'));
  const change = await RECIPE_IMPLS.title_normalisation.run(ctx);
  if (!change.ok) throw new Error(change.reason);
  const m = await materialise(fx, change);
  assert.equal(m.changes.length, 3);
  // Wren's copy drifted in a line far from the hunks: the patch still applies there, but the result differs.
  const wren = 'Wren.bundle/Contents/Code/utils.py';
  const drifted = m.before.get(wren)!.replace("raise Exception('< File Name [%s]", "raise Exception('< Filename [%s]");
  assert.notEqual(drifted, m.before.get(wren));
  const input: ChecklistInput = {
    group: ctx.group,
    rule: ctx.rule,
    recipe: 'title_normalisation',
    composed: [],
    kind: 'patch',
    changes: m.changes,
    current: new Map([...m.before, [wren, drifted]]),
    after: m.after,
    editedLines: new Map(),
    evidence: change.evidence,
    expectation: buildExpectation({ recipe: 'title_normalisation', agent: 'Heron', class: 'title_match_failure', touchedAgents: ['Heron', 'Kestrel', 'Wren'], report }),
    py27: await py27Of(m.after),
    naming: new Map(),
    bundleLibraries: new Set(),
    lessonsInScope: [],
    lessonsApplied: [],
    lessonsSkipped: [],
    minItems: 3,
  };
  const p = point(runChecklist(input), 'patch_applies');
  assert.equal(p.pass, false);
  assert.match(p.reason, /Wren\.bundle\/Contents\/Code\/utils\.py \(result differs\)/);
  assert.equal(point(runChecklist({ ...input, current: m.before }), 'patch_applies').pass, true);
});

test('a workaround changes no code: the code points pass with "no code" reasons', async () => {
  const base = await baseline();
  const r = runChecklist({
    ...base,
    recipe: 'workaround',
    rule: { ...base.rule, recipes: [...base.rule.recipes, 'workaround'] },
    kind: 'workaround',
    changes: [],
    current: new Map(),
    after: new Map(),
    editedLines: new Map(),
    evidence: [],
    py27: null,
    expectation: buildExpectation({ recipe: 'workaround', agent: 'Kestrel', class: 'http_error', host: KESTREL, status: 429, touchedAgents: ['Kestrel'], report: reportOf([]) }),
  });
  for (const x of r) assert.ok(x.pass, `${x.point}: ${x.reason}`);
  assert.match(point(r, 'patch_applies').reason, /no patch/);
  assert.match(point(r, 'python27').reason, /no Python changed/);
});

test('inScope: bundles and _PGMA only, no escapes', () => {
  for (const p of ['Kestrel.bundle/Contents/Code/utils.py', '_PGMA/Thumbor.txt', 'Plex Media Server.bundle/Contents/x.py']) assert.equal(inScope(p), true, p);
  for (const p of ['../Kestrel.bundle/x.py', '/etc/passwd', 'Kestrel.bundle/../../x', 'Plug-in Support/Preferences/x.xml', 'C:/x.bundle/y', 'Kestrel.bundle\\Contents\\x.py', 'Kestrel.bundle//x'])
    assert.equal(inScope(p), false, p);
});
