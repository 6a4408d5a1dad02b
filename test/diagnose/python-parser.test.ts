import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ancestor, findAll, lineOf, maskPython2, parsePython, walk } from '../../src/diagnose/python/parser.ts';

test('parses Python 2 agent code without errors and gives 1-based lines', async () => {
  const src = [
    '# encoding=utf8',
    'import re',
    'def Start():',
    "    HTTP.Headers['User-Agent'] = 'x'",
    '    print "started", `VERSION`',
    'try:',
    '    x = 10L + 0777',
    'except (ValueError, KeyError), e:',
    "    exec 'pass'",
    'if a <> b: pass',
    "s = ur'\\d+'",
  ].join('\n');
  const { tree } = await parsePython(src);
  assert.equal(tree.rootNode.hasError, false, tree.rootNode.toString());
  const fn = findAll(tree.rootNode, 'function_definition')[0]!;
  assert.equal(lineOf(fn), 3);
  const attr = findAll(tree.rootNode, 'subscript')[0]!;
  assert.equal(ancestor(attr, 'function_definition')?.childForFieldName('name')?.text, 'Start');
  tree.delete();
});

test('maskPython2 keeps every length and leaves strings and comments alone', () => {
  const src = "x = `a` + '`b`' # `c`\ntry: pass\nexcept (A, B), e: pass\nexcept (A, B) as e: pass\n";
  const masked = maskPython2(src);
  assert.equal(masked.length, src.length);
  assert.equal(masked, "x = (a) + '`b`' # `c`\ntry: pass\nexcept [A, B], e: pass\nexcept (A, B) as e: pass\n");
});

test('walk visits in source order and can skip subtrees', async () => {
  const { tree } = await parsePython('def f():\n    a = 1\ndef g():\n    b = 2\n');
  const seen: string[] = [];
  walk(tree.rootNode, (n) => {
    if (n.type === 'function_definition' && n.childForFieldName('name')?.text === 'f') return false;
    if (n.type === 'identifier') seen.push(n.text);
  });
  assert.deepEqual(seen, ['g', 'b']);
  tree.delete();
});

test('the parser is loaded once and shared', async () => {
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) (await parsePython('x = 1\n')).tree.delete();
  assert.ok(performance.now() - t0 < 2000);
});
