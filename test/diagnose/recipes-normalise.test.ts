/**
 * title_normalisation over the shapes a title normaliser takes: the fold must be the first statement of
 * its body on every path (after a docstring of one line or many; a one-line `def f(x): return …` is
 * rewritten into a block, after its docstring when the one line holds one, so `f.__doc__` survives; early
 * returns included). Each patched utils.py applies to every copy, is
 * compile-checked as Python 2.7 (parser-level check, and Jython where installed), and the patched
 * normaliser is EXERCISED on UTF-8 bytes and unicode under Jython and python3 (each skipped, saying so,
 * when absent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import { interpreterPy27Checker, parserPy27Checker, type PythonSource } from '../../src/diagnose/python/py27.ts';
import { nodeProcessRunner } from '../../src/diagnose/python/process.ts';
import { BUNDLES, contextFor, groupOf, loadFixture, materialise } from '../fixtures/diagnose/harness.ts';
import { docstringOf } from './docstring.ts';
import { films, reportOf } from '../fixtures/diagnose/report.ts';

const UTILS = 'Contents/Code/utils.py';
const NAME = 'NormaliseComparisonString';
const FOLD = '    myString = normaliseTitleForms(myString)';
const SUB = "re.sub(r'[^a-z0-9]', '', myString.lower())";

/**
 * [shape, the normaliser as written, the normaliser after the recipe (lines), what it returns for
 * "Tom’s Rocky II" after the patch]. The fixture's own normaliser (a multi-line docstring) is the first.
 */
const SHAPES: Array<[string, string | null, string[], string | null]> = [
  ['multi-line docstring (the fixture)', null, [`def ${NAME}(myString):`, '    \'\'\'', '    Normalise a title for comparison:', '        lower case, no diacritics, typographic quotes made plain,', '        punctuation and white space removed', "    '''", FOLD, '    myString = myString.strip().lower()'], 'tomsrocky2'],
  ['one line: def f(x): return …', `def ${NAME}(myString): return ${SUB}\n`, [`def ${NAME}(myString):`, FOLD, `    return ${SUB}`], 'tomsrocky2'],
  ['one line with a comment', `def ${NAME}(myString): return ${SUB}  # compare key\n`, [`def ${NAME}(myString):`, FOLD, `    return ${SUB}  # compare key`], 'tomsrocky2'],
  ['docstring only', `def ${NAME}(myString):\n    ''' compare titles as they are '''\n`, [`def ${NAME}(myString):`, "    ''' compare titles as they are '''", FOLD], null],
  ['one line: only a docstring', `def ${NAME}(myString): "Fold the title."\n`, [`def ${NAME}(myString):`, '    "Fold the title."', FOLD], null],
  ['one line: a docstring, then a statement after ;', `def ${NAME}(myString): "Fold the title."; return ${SUB}\n`, [`def ${NAME}(myString):`, '    "Fold the title."', FOLD, `    return ${SUB}`], 'tomsrocky2'],
  ['body ending in return', `def ${NAME}(myString):\n    myString = myString.lower()\n    return re.sub(r'[^a-z0-9]', '', myString)\n`, [`def ${NAME}(myString):`, FOLD, '    myString = myString.lower()', "    return re.sub(r'[^a-z0-9]', '', myString)"], 'tomsrocky2'],
  ['an early return', `def ${NAME}(myString):\n    ''' key '''\n    if not myString:\n        return ''\n    return ${SUB}\n`, [`def ${NAME}(myString):`, "    ''' key '''", FOLD, '    if not myString:', "        return ''", `    return ${SUB}`], 'tomsrocky2'],
  ['a signature over two lines, tabs, a comment first', `def ${NAME}(myString,\n                              keepCase=False):\n\t# fold case\n\tif not keepCase:\n\t\tmyString = myString.lower()\n\treturn re.sub(r'[^a-z0-9]', '', myString)\n`, [`def ${NAME}(myString,`, '                              keepCase=False):', '\tmyString = normaliseTitleForms(myString)', '\t# fold case', '\tif not keepCase:', '\t\tmyString = myString.lower()', "\treturn re.sub(r'[^a-z0-9]', '', myString)"], 'tomsrocky2'],
];

/** The fixture's normaliser, from its def to its return. */
const ORIGINAL = /def NormaliseComparisonString\(myString\):\n[\s\S]*?\n    return myString\n/;

/** The patched utils.py for a shape (every copy replaced alike, so it stays one shared file). */
async function patched(def: string | null): Promise<string> {
  const base = await loadFixture();
  const text = base.textAt(`Kestrel.bundle/${UTILS}`);
  assert.match(text, ORIGINAL);
  const utils = def === null ? text : text.replace(ORIGINAL, def);
  const fx = await loadFixture(Object.fromEntries(BUNDLES.map((b) => [`${b}/${UTILS}`, utils])));
  const report = reportOf([{ class: 'title_match_failure', agent: 'Kestrel', count: 2, message: 'Title Match Failure', items: films('Kestrel', ['Tom\u2019s Rocky II']) }]);
  const out = await RECIPE_IMPLS.title_normalisation.run(contextFor(fx, report, groupOf(report, 'Kestrel', 'title_match_failure')));
  if (!out.ok) assert.fail(out.reason);
  const m = await materialise(fx, out);
  assert.deepEqual(m.changes.map((c) => c.path).sort(), BUNDLES.map((b) => `${b}/${UTILS}`));
  const after = new Set(BUNDLES.map((b) => m.applied.get(`${b}/${UTILS}`)));
  assert.equal(after.size, 1, 'every copy patched alike');
  assert.equal([...after][0], m.after.get(`Kestrel.bundle/${UTILS}`), 'the diff applies');
  return m.after.get(`Kestrel.bundle/${UTILS}`)!;
}

/** The normaliser's lines: from its def to the line before the next top-level statement. */
function normaliserOf(text: string): string[] {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.startsWith(`def ${NAME}`));
  let to = from + 1;
  while (to < lines.length && (lines[to] === '' || /^[ \t]/.test(lines[to]!))) to++;
  while (lines[to - 1] === '') to--;
  return lines.slice(from, to);
}

/** Runs each patched utils.py's normaliser on UTF-8 bytes and unicode; prints one JSON line. */
const DRIVER = `
import json, sys
request = json.loads(sys.stdin.read())
class LogStub(object):
    def Info(self, message):
        pass
out = {'version': '%d.%d' % sys.version_info[:2], 'results': {}, 'docs': {}}
for shape, text in sorted(request.items()):
    module = {'Log': LogStub()}
    exec(compile(text.encode('utf-8') if sys.version_info[0] < 3 else text, 'utils.py', 'exec'), module)
    fn = module['${NAME}']
    title = u'Tom\\u2019s Rocky II'
    got = [fn(title), fn(title.encode('utf-8')), fn(u'')]
    out['results'][shape] = [g if g is None else u'%s' % g for g in got]
    out['docs'][shape] = fn.__doc__
print(json.dumps(out))
`;

function exercise(command: string, sources: Record<string, string>): Promise<{ version: string; results: Record<string, Array<string | null>>; docs: Record<string, string | null> } | { absent: string }> {
  if (spawnSync(command, ['--version'], { stdio: 'ignore' }).status !== 0) return Promise.resolve({ absent: `${command} is not runnable here` });
  return new Promise((resolve, reject) => {
    const child = execFile(command, ['-c', DRIVER], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${command}: ${stderr.slice(-1500)}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
    child.stdin!.end(JSON.stringify(sources));
  });
}

test('title_normalisation: the fold opens the normaliser\'s body whatever its shape; 2.7 compiles it; it folds bytes and unicode', async (t) => {
  const files: PythonSource[] = [];
  const sources: Record<string, string> = {};
  const docs: Record<string, string | null> = {};
  for (const [shape, def, expected] of SHAPES) {
    const after = await patched(def);
    assert.deepEqual(normaliserOf(after).slice(0, expected.length), expected, shape);
    // the docstring (if any) is still the first statement: the fold goes after it
    docs[shape] = await docstringOf(after, NAME);
    assert.equal(docs[shape], def === null ? "'''\n    Normalise a title for comparison:\n        lower case, no diacritics, typographic quotes made plain,\n        punctuation and white space removed\n    '''" : await docstringOf(def, NAME), `${shape}: the docstring stays first`);
    assert.equal(after.split('\n').filter((l) => l.includes(`= normaliseTitleForms(`)).length, 1, `${shape}: one fold`);
    files.push({ path: `${shape}.py`, text: after });
    sources[shape] = after;
  }
  for (const r of await parserPy27Checker().check(files)) assert.ok(r.ok, `${r.path}: ${JSON.stringify(r.issues)}`);
  const jython = spawnSync('jython', ['--version'], { stdio: 'ignore' }).status === 0;
  if (jython) for (const r of await interpreterPy27Checker(nodeProcessRunner, 'jython', '2.7').check(files)) assert.ok(r.ok, `jython: ${r.path}: ${JSON.stringify(r.issues)}`);
  else t.diagnostic('jython is not on PATH: the compile check by a real 2.7 compiler is skipped');

  for (const command of ['jython', 'python3']) {
    const run = await exercise(command, sources);
    if ('absent' in run) {
      t.diagnostic(`${run.absent}: the ${command} run is skipped`);
      continue;
    }
    for (const [shape, , , folded] of SHAPES) {
      assert.deepEqual(run.results[shape], [folded, folded, folded === null ? null : ''], `${command} ${run.version}: ${shape} (unicode, UTF-8 bytes, empty)`);
      assert.equal(run.docs[shape] === null, docs[shape] === null, `${command} ${run.version}: ${shape}: __doc__ is ${JSON.stringify(run.docs[shape])}`);
    }
  }
});
