import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { checkPy27Indentation, commentTabSize, logicalLines, py2Column, treeSitterIndentation } from '../../src/diagnose/python/py27-indent.ts';
import { interpreterPy27Checker, parserPy27Checker, probePython27, type PythonSource } from '../../src/diagnose/python/py27.ts';
import { parsePython } from '../../src/diagnose/python/parser.ts';
import { nodeProcessRunner } from '../../src/diagnose/python/process.ts';

/**
 * Indentation cases. Every expectation was confirmed by compiling the text with CPython 2.7.18
 * (`compile(src, name, 'exec')`, default flags: no -tt) and with Jython 2.7.3; `jython: false` marks
 * the two places Jython disagrees with CPython (what Plex embeds), and the CPython verdict is the
 * expectation. `error` is [line, message] of CPython's IndentationError, or null when it compiles.
 */
const CASES: { name: string; text: string; error: [number, RegExp] | null; jython?: false }[] = [
  { name: 'dedent to a column no block opened', text: 'if a:\n        b = 1\n    c = 2\n', error: [3, /unindent does not match/] },
  { name: 'indent after a simple statement', text: 'a = 1\n    b = 2\n', error: [2, /unexpected indent/] },
  { name: 'first line indented', text: '  a = 1\n', error: [1, /unexpected indent/] },
  { name: 'header without a block', text: 'if a:\nb = 1\n', error: [2, /expected an indented block/] },
  { name: 'header at end of file', text: 'def Start():\n', error: [1, /expected an indented block/] },
  { name: 'header, then only a comment', text: 'if a:\n    # nothing\n', error: [2, /expected an indented block/] },
  { name: 'indent after a one-line compound', text: 'if a: b = 1\n    c = 2\n', error: [2, /unexpected indent/] },
  { name: 'indent after a one-line class', text: 'class A: pass\n  x = 1\n', error: [2, /unexpected indent/] },
  { name: 'else misaligned', text: 'if a:\n    b = 1\n  else:\n    c = 2\n', error: [3, /unindent does not match/] },
  { name: 'dedent between two levels', text: 'def f():\n    if a:\n            b = 1\n        c = 2\n', error: [4, /unindent does not match/] },
  { name: 'tab (8) then 4 spaces', text: 'if a:\n\tb = 1\n    c = 2\n', error: [3, /unindent does not match/] },
  { name: 'mixed nesting, bad dedent', text: 'def f():\n    if a:\n\tb = 1\n      return 2\n', error: [4, /unindent does not match/] },
  // accepted: Python 2 reads a tab as "to the next multiple of 8" and does not compare tabs with spaces otherwise
  { name: 'tab, then 8 spaces', text: 'if a:\n\tb = 1\n        c = 2\n', error: null },
  { name: 'space + tab is column 8', text: 'if a:\n \tb = 1\n        c = 2\n', error: null },
  { name: 'space + tab under try/except', text: 'try:\n \tx = 1\n        y = 2\nexcept E:\n    pass\n', error: null },
  { name: 'space + tab, then else', text: 'if a:\n \tb = 1\n        c = 2\nelse:\n    d = 3\n', error: null },
  { name: 'tabs nested', text: 'def f():\n\tif a:\n\t\tb = 1\n\treturn 2\n', error: null },
  { name: 'spaces, then a tab one level deeper', text: 'def f():\n    if a:\n\tb = 1\n    return 2\n', error: null },
  { name: 'dedent from a tab level to 8 spaces', text: 'if a:\n    if b:\n        c = 1\n\td = 2\n', error: null },
  { name: 'tab + space lines', text: 'if a:\n\t b = 1\n\t c = 2\n', error: null },
  { name: 'two tabs equal tab + 8 spaces', text: 'if a:\n\tif b:\n\t\tc = 1\n\t        d = 2\n', error: null },
  { name: 'brackets and backslash continue freely', text: 'x = (1,\n  2,\n        3)\ny = 1 + \\\n      2\nd = {1:\n  2}\n', error: null },
  { name: 'triple-quoted string lines', text: "def f():\n    s = '''a\nb\n  c'''\n    return s\n", error: null },
  { name: 'comments and blank lines at any column', text: 'def f():\n    a = 1\n  # comment\n  \n\n    return a\n', error: null },
  { name: 'two levels out at once', text: 'def f():\n    if a:\n        b = 1\n    c = 2\nd = 3\n', error: null },
  { name: 'CRLF line ends', text: 'if a:\r\n    b = 1\r\nc = 2\r\n', error: null },
  { name: 'form feed line', text: 'def f():\n    a = 1\n\f\nb = 2\n', error: null },
  { name: 'Python 2 statements in tab-indented blocks', text: "def f(x):\n\tprint x, `x`\n\tif x <> 0777:\n\t\texec 'y = 1'\n\ttry:\n\t    pass\n\texcept ValueError, e:\n\t    return ur'a' + 10L\n", error: null },
  // CPython resets the column at a form feed; Jython does not
  { name: 'form feed inside indentation', text: 'def f():\n    a = 1\n  \f    b = 2\n', error: null, jython: false },
  // CPython 2.7 reads an editor tab-size setting from comments (here: a tab is 4 columns); Jython ignores it
  { name: 'vim modeline ts=4', text: '# vim:ts=4:et\nclass U(object):\n    def f(self):\n\tif a:\n            b = 1\n', error: [4, /expected an indented block/], jython: false },
  { name: 'emacs tab-width: 4', text: '# -*- Mode: Python; tab-width: 4 -*-\nclass U(object):\n    x = 1\n\ty = 2\n', error: null, jython: false },
];

test('Python 2 columns: tab to the next multiple of the tab size, form feed resets', () => {
  assert.equal(py2Column('\t'), 8);
  assert.equal(py2Column(' \t'), 8);
  assert.equal(py2Column('       \t'), 8);
  assert.equal(py2Column('        \t'), 16);
  assert.equal(py2Column('\t '), 9);
  assert.equal(py2Column('  \f  '), 2);
  assert.equal(py2Column('\t', 4), 4);
  assert.equal(commentTabSize('# vim:ts=4:et:nowrap'), 4);
  assert.equal(commentTabSize('# -*- Mode: Python; tab-width: 4 -*-'), 4);
  assert.equal(commentTabSize('# vim: set tabstop=2'), undefined, 'needs ":tabstop=" (with the colon)');
  assert.equal(commentTabSize('# ts=4'), undefined);
  assert.equal(commentTabSize('# tab-width: 99'), undefined, 'outside 1-40');
});

test('logical lines skip brackets, continuations, strings, comments and blank lines', () => {
  const text = "def f(a,\n      b):\n    s = '''x\n  y'''  # c:\n    t = 1 + \\\n  2\n\n    # only a comment\n    return s\n";
  const { lines } = logicalLines(text);
  assert.deepEqual(lines.map((l) => [l.line, l.column, l.opensBlock]), [[1, 0, true], [3, 4, false], [5, 4, false], [9, 4, false]]);
});

test('the indentation check agrees with CPython 2.7 on every case of the table', () => {
  for (const c of CASES) {
    const issues = checkPy27Indentation(c.text);
    if (!c.error) {
      assert.deepEqual(issues, [], `${c.name}: ${JSON.stringify(c.text)}`);
      continue;
    }
    assert.equal(issues.length, 1, `${c.name}: ${JSON.stringify(issues)}`);
    assert.equal(issues[0]!.rule, 'indentation');
    assert.equal(issues[0]!.line, c.error[0], c.name);
    assert.match(issues[0]!.message, c.error[1], c.name);
  }
});

test('the parser-level checker rejects the bad indentation and accepts the rest (tree-sitter alone accepts all of it)', async () => {
  const results = await parserPy27Checker().check(CASES.map((c, i) => ({ path: `${i}.py`, text: c.text })));
  for (const [i, c] of CASES.entries()) {
    assert.equal(results[i]!.ok, c.error === null, `${c.name}: ${JSON.stringify(results[i]!.issues)}`);
    if (c.error) assert.ok(results[i]!.issues.some((x) => x.rule === 'indentation' && x.line === c.error![0]), c.name);
  }
});

test('tree-sitter sees the Python 2 indentation of " \\t" lines (it counts a tab as 8 wherever it stands)', async () => {
  const text = 'try:\n \tx = 1\n        y = 2\nexcept E:\n    pass\n';
  const edits = treeSitterIndentation(text);
  assert.deepEqual(edits, [{ offset: 5, text: '\f\t' }]);
  const { tree } = await parsePython(text);
  assert.equal(tree.rootNode.hasError, false, tree.rootNode.toString());
  const block = tree.rootNode.namedChildren[0]!.childForFieldName('body')!;
  assert.equal(block.namedChildren.length, 2, 'x = 1 and y = 2 are one block');
  assert.equal(block.namedChildren[0]!.text, 'x = 1', 'node text and positions are unchanged');
  tree.delete();
  assert.deepEqual(treeSitterIndentation('if a:\n    b = 1\n'), [], 'no tab in any indentation: nothing to do');
});

const hasJython = spawnSync('jython', ['--version'], { stdio: 'ignore' }).status === 0;

test('jython and the parser-level checker give the same verdict on every case Jython reads as CPython does', { skip: hasJython ? false : 'jython is not on PATH' }, async () => {
  const probe = await probePython27(nodeProcessRunner, 'jython');
  assert.equal(probe.ok, true, probe.reason);
  const files: PythonSource[] = CASES.filter((c) => c.jython !== false).map((c, i) => ({ path: `${i}-${c.name}.py`, text: c.text }));
  const [real, parser] = await Promise.all([
    interpreterPy27Checker(nodeProcessRunner, 'jython', probe.version!).check(files),
    parserPy27Checker().check(files),
  ]);
  const disagree = files.filter((_, i) => real[i]!.ok !== parser[i]!.ok).map((f, i) => `${f.path}: jython ${JSON.stringify(real[i]!.issues)}`);
  assert.deepEqual(disagree, []);
  // same line too, except at end of file (Jython names the header's line, CPython the last line)
  for (const [i, f] of files.entries()) {
    if (!real[i]!.ok && !/<EOF>/.test(real[i]!.issues[0]!.message)) assert.equal(real[i]!.issues[0]!.line, parser[i]!.issues[0]!.line, f.path);
  }
});

test('CPython 2.7 and the parser-level checker give the same verdict on every case', { skip: process.env.PY27_PYTHON ? false : 'set PY27_PYTHON to a CPython 2.7 to run' }, async () => {
  const py = process.env.PY27_PYTHON!;
  const files: PythonSource[] = CASES.map((c, i) => ({ path: `${i}-${c.name}.py`, text: c.text }));
  const [real, parser] = await Promise.all([interpreterPy27Checker(nodeProcessRunner, py, '2.7').check(files), parserPy27Checker().check(files)]);
  assert.deepEqual(files.filter((_, i) => real[i]!.ok !== parser[i]!.ok).map((f) => f.path), []);
  for (const [i, c] of CASES.entries()) if (c.error && c.error[0] !== real[i]!.issues[0]!.line) assert.fail(`${c.name}: CPython says line ${real[i]!.issues[0]!.line}`);
});

/**
 * Opt-in measurement (PY27_PYTHON=/path/to/python2.7): CPython 2.7's own standard library with
 * indentation mutations (a line shifted by two, a step of eight or four spaces turned into a tab, a
 * " \t" prefix, a line inserted at a neighbour's indent, a whole file tabified): the parser-level check
 * and CPython must give the same verdict on every variant.
 */
test('differential: indentation mutations of the CPython 2.7 standard library', { skip: process.env.PY27_PYTHON ? false : 'set PY27_PYTHON to a CPython 2.7 to run' }, async (t) => {
  const { readdir, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const py = process.env.PY27_PYTHON!;
  const r = await nodeProcessRunner.run(py, ['-c', 'import os; print(os.path.dirname(os.__file__))'], { timeoutMs: 30_000 });
  const lib = r.stdout.trim();
  const names = (await readdir(lib)).filter((n) => n.endsWith('.py')).sort().slice(0, 150);
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const files: PythonSource[] = [];
  for (const name of names) {
    const text = await readFile(join(lib, name), 'utf8');
    if (text.includes('\ufffd')) continue;
    const lines = text.split('\n');
    for (let k = 0; k < 6; k++) {
      const ls = [...lines];
      const i = rnd(ls.length);
      const l = ls[i]!;
      const kind = rnd(6);
      if (kind === 0) ls[i] = `  ${l}`;
      else if (kind === 1) ls[i] = l.replace(/^ {8}/, '\t');
      else if (kind === 2) ls[i] = l.replace(/^ {4}/, '\t');
      else if (kind === 3) ls[i] = l.replace(/^( +)/, (m) => ` \t${m.slice(8)}`);
      else if (kind === 4) ls.splice(i + 1, 0, `${l.replace(/\S.*/, '')}   x = 1`);
      else for (let j = 0; j < ls.length; j++) ls[j] = ls[j]!.replace(/^( {8})+/, (m) => '\t'.repeat(m.length / 8));
      files.push({ path: `${name}#${k}-${kind}`, text: ls.join('\n') });
    }
  }
  const [real, parser] = await Promise.all([interpreterPy27Checker(nodeProcessRunner, py, '2.7').check(files), parserPy27Checker().check(files)]);
  const disagree = files.flatMap((f, i) => (real[i]!.ok === parser[i]!.ok ? [] : [`${f.path}: CPython ${JSON.stringify(real[i]!.issues)}, parser ${JSON.stringify(parser[i]!.issues)}`]));
  t.diagnostic(`${files.length} variants, ${real.filter((x) => !x.ok).length} rejected by CPython, ${disagree.length} verdicts differ`);
  assert.deepEqual(disagree, []);
});
