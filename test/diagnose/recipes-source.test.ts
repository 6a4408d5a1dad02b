/**
 * recipes/source.ts: render() applies line transforms, insertions and deletions stated against the
 * original lines (composed, CRLF kept, range-checked); the unified diff toFileChanges makes of a deletion
 * is applied by the implement phase's patch engine to the file's bytes and taken back out byte-identically.
 * bodyStart/openBodyWith open a one-line def's body after its docstring, which stays the first statement
 * (checked on the parse tree) in functions and methods, and the result passes the 2.7 check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyStart, openBodyWith, render, sha256, toFileChanges, type SourceEdit } from '../../src/diagnose/recipes/source.ts';
import { parserPy27Checker } from '../../src/diagnose/python/py27.ts';
import { applyChange, reverseOnTop } from '../../src/implement/patch.ts';
import { docstringOf } from './docstring.ts';

const SRC = 'def f(x):\n    a = 1\n    b = 2\n    return a + b\n';
const t = (line: number, to: string): SourceEdit => ({ kind: 'transform', line, fn: () => to, why: 't' });
const ins = (afterLine: number, ...lines: string[]): SourceEdit => ({ kind: 'insert', afterLine, lines, why: 'i' });
const del = (line: number): SourceEdit => ({ kind: 'delete', line, why: 'd' });

test('render: transforms, insertions and deletions against the original line numbers', () => {
  const cases: Array<[string, SourceEdit[], string]> = [
    ['nothing', [], SRC],
    ['a transform', [t(3, '    b = 3')], SRC.replace('b = 2', 'b = 3')],
    ['two transforms of one line compose in order', [{ kind: 'transform', line: 3, fn: (s) => `${s}  # one`, why: '' }, { kind: 'transform', line: 3, fn: (s) => `${s} two`, why: '' }], SRC.replace('b = 2', 'b = 2  # one two')],
    ['an insertion before the first line and after the last', [ins(0, '# head'), ins(4, '# tail')], `# head\n${SRC.slice(0, -1)}\n# tail\n`],
    ['a deletion takes the line and its ending', [del(3)], 'def f(x):\n    a = 1\n    return a + b\n'],
    ['three lines by one: a transform and two deletions', [t(2, '    return 3'), del(3), del(4)], 'def f(x):\n    return 3\n'],
    ['a deleted line is gone though a transform also names it', [t(3, '    b = 9'), del(3)], 'def f(x):\n    a = 1\n    return a + b\n'],
    ['lines inserted after a deleted line take its place', [del(3), ins(3, '    b = a')], 'def f(x):\n    a = 1\n    b = a\n    return a + b\n'],
    ['numbers stay the original ones whatever the order', [del(2), ins(1, '    """Doc."""'), t(4, '    return b')], 'def f(x):\n    """Doc."""\n    b = 2\n    return b\n'],
  ];
  for (const [name, edits, want] of cases) assert.equal(render(SRC, edits), want, name);
  assert.equal(render(SRC.slice(0, -1), [del(4)]), 'def f(x):\n    a = 1\n    b = 2', 'the last line of a file without a final line ending');
});

test('render: a CRLF file keeps CRLF through every kind of edit', () => {
  const crlf = SRC.replace(/\n/g, '\r\n');
  assert.equal(render(crlf, [t(2, '    a = 10'), del(3), ins(3, '    b = 20', '    c = 30')]), 'def f(x):\r\n    a = 10\r\n    b = 20\r\n    c = 30\r\n    return a + b\r\n');
});

test('render: an edit outside the file is a RangeError naming the line', () => {
  assert.throws(() => render(SRC, [del(6)]), /edit line 6 outside 1\.\.5/);
  assert.throws(() => render(SRC, [del(0)]), RangeError);
  assert.throws(() => render(SRC, [ins(6, 'x')]), /insert after 6 outside 0\.\.5/);
});

test('toFileChanges: a deletion in a CRLF file is applied to the bytes by the implement phase and reversed byte-identically', () => {
  const before = SRC.replace(/\n/g, '\r\n');
  const edits = [t(2, '    a, b = 1, 2'), del(3)];
  const [change, copy] = toFileChanges([{ sha256: sha256(before), text: before, copies: [{ bundle: 'A.bundle', path: 'Contents/Code/__init__.py' }, { bundle: 'B.bundle', path: 'Contents/Code/__init__.py' }], edits }]);
  assert.equal(copy!.diff.replace(/B\.bundle/g, 'A.bundle'), change!.diff, 'one diff for every copy');
  assert.equal(change!.sharedGroup, sha256(before).slice(0, 16));
  assert.match(change!.diff, /^- {4}b = 2\r$/m, 'the deleted line is a "-" line with its CR');
  const after = applyChange(Buffer.from(before, 'latin1'), change!, 0);
  assert.equal(after.toString('latin1'), 'def f(x):\r\n    a, b = 1, 2\r\n    return a + b\r\n');
  assert.equal(after.toString('latin1'), render(before, edits));
  const back = reverseOnTop(after, Buffer.from(before, 'latin1'), after, 0) ?? assert.fail('the reverse does not fit');
  assert.ok(back.equals(Buffer.from(before, 'latin1')), 'byte-identical after the reverse');
});

test('openBodyWith: a one-line def whose body opens with a docstring keeps it first (functions, methods, `;` rest, comments, docstrings over lines)', async () => {
  const FOLD = 'title = fold(title)';
  const cases: Array<[string, string, number, string]> = [
    ['only a docstring', 'def f(title): "Fold the title."\n', 1, 'def f(title):\n    "Fold the title."\n    title = fold(title)\n'],
    ['a docstring, then statements after `;`', 'def f(title): "Fold the title."; title = title.strip(); return title\n', 1, 'def f(title):\n    "Fold the title."\n    title = fold(title)\n    title = title.strip(); return title\n'],
    ['a docstring and a comment', "def f(title): 'Fold.'  # why\n", 1, "def f(title):\n    'Fold.'  # why\n    title = fold(title)\n"],
    ['a method, tabs outside', "class A(object):\n\tdef f(self, title): '''Fold.''' ; return title  # c\n", 2, "class A(object):\n\tdef f(self, title):\n\t    '''Fold.'''\n\t    title = fold(title)\n\t    return title  # c\n"],
    ['a docstring running over lines', 'def f(title): """Fold\n    the title."""; return title\n', 1, 'def f(title):\n    """Fold\n    the title."""\n    title = fold(title)\n    return title\n'],
    ['adjacent strings', 'def f(title): "Fold " "the title."\n', 1, 'def f(title):\n    "Fold " "the title."\n    title = fold(title)\n'],
    ['no docstring', 'def f(title): return title\n', 1, 'def f(title):\n    title = fold(title)\n    return title\n'],
    ['a string that is not alone is no docstring', 'def f(title): "%s" % title\n', 1, 'def f(title):\n    title = fold(title)\n    "%s" % title\n'],
  ];
  const results = [];
  for (const [name, text, line, want] of cases) {
    const start = (await bodyStart(text, line)) ?? assert.fail(`${name}: no function at line ${line}`);
    assert.equal(start.kind, 'one-line', name);
    const after = render(text, openBodyWith(start, [FOLD], 'fold'));
    assert.equal(after, want, name);
    assert.equal(await docstringOf(after, 'f'), await docstringOf(text, 'f'), `${name}: the docstring is still the first statement`);
    results.push({ path: `${name}.py`, text: after });
  }
  for (const r of await parserPy27Checker().check(results)) assert.ok(r.ok, `${r.path}: ${JSON.stringify(r.issues)}`);
  assert.equal(await docstringOf(cases[0]![1], 'f'), '"Fold the title."', 'the helper sees a one-line def\'s docstring');
  assert.equal(await docstringOf(cases[6]![1], 'f'), null);
});

test('openBodyWith: afterBody puts the statements after the one-line body\'s own, still after the docstring', async () => {
  const text = "def Start(): 'Set up.'; HTTP.Headers['User-Agent'] = 'old'\n";
  const start = (await bodyStart(text, 1))!;
  assert.equal(render(text, openBodyWith(start, ["HTTP.Headers['User-Agent'] = 'new'"], 'h', true)), "def Start():\n    'Set up.'\n    HTTP.Headers['User-Agent'] = 'old'\n    HTTP.Headers['User-Agent'] = 'new'\n");
});
