import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedLines, checkNaming, checkNamingChange, isRestrictedPath, NAMING_RULES, type NamingRule } from '../../src/diagnose/python/naming.ts';

const REFUSED: [NamingRule, string, string][] = [
  ['underscore-name', '_add_pgma_stubs_to_path = 1\n', '_add_pgma_stubs_to_path'],
  ['underscore-name', 'x = __file__\n', '__file__'],
  ['underscore-name', "if __name__ == '__main__':\n    pass\n", '__name__'],
  ['underscore-name', 'def _helper():\n    pass\n', '_helper'],
  ['underscore-name', 'class _Base(object):\n    pass\n', '_Base'],
  ['underscore-name', 'class A(object):\n    def __init__(self):\n        pass\n', '__init__'],
  ['underscore-name', 'def f(_a):\n    pass\n', '_a'],
  ['underscore-name', 'f = lambda _q: _q\n', '_q'],
  ['underscore-name', 'import _strptime\n', '_strptime'],
  ['underscore-name', 'from os import path as _p\n', '_p'],
  ['underscore-name', 'for _i in range(3):\n    pass\n', '_i'],
  ['underscore-name', 'try:\n    pass\nexcept Exception as _e:\n    pass\n', '_e'],
  ['underscore-name', 'call(key=_value)\n', '_value'],
  ['underscore-attribute', 'frame = sys._getframe(1)\n', '_getframe'],
  ['underscore-attribute', 'cls = self.__class__\n', '__class__'],
  ['underscore-attribute', 'obj._cache = {}\n', '_cache'],
  ['reserved-printed', 'printed = 1\n', 'printed'],
  ['exec-statement', 'exec "x = 1"\n', 'exec'],
  ['exec-statement', 'exec f.read() in g, l\n', 'exec'],
  ['yield', 'def gen():\n    yield 1\n', 'yield'],
  ['augmented-attribute', 'self.count += 1\n', 'self.count'],
  ['augmented-item', "FILMDICT['Tries'] += 1\n", "FILMDICT['Tries']"],
  ['inplace-operator', 'retries -= 1\n', '-='],
];

test('every sandbox rule refuses its input, with the message Plex logs', async () => {
  for (const [rule, text, name] of REFUSED) {
    const v = await checkNaming(text);
    assert.ok(v.some((x) => x.rule === rule && x.name === name), `${rule} ${name}: ${JSON.stringify(v)}`);
  }
  const covered = new Set(REFUSED.map(([r]) => r));
  assert.deepEqual(NAMING_RULES.filter((r) => !covered.has(r)), []);
  const [first] = await checkNaming('x = 1\n_add_pgma_stubs_to_path = 1\n');
  assert.equal(first!.plexLog, 'SyntaxError: Line 2: "_add_pgma_stubs_to_path" is an invalid variable name because it starts with "_"');
  assert.equal(first!.basis, 'observed-elevated');
  const [runtime] = await checkNaming('n = 3\nn -= 1\n');
  assert.equal(runtime!.plexLog, "FrameworkException: Operator '-=' is not supported");
});

test('what real PGMA code does is not flagged', async () => {
  const pgmaLike = [
    '# encoding=utf8',
    'import copy, json, re',
    'from datetime import datetime',
    'from __future__ import division',
    "AGENT = 'AEBN'",
    'import utils',
    'def Start():',
    '    HTTP.CacheTime = CACHE_1WEEK',
    "    HTTP.Headers['User-Agent'] = utils.getUserAgent()",
    'class AEBN(Agent.Movies):',
    "    name = 'AEBN (IAFD)'",
    '    languages = [Locale.Language.English]',
    '    def search(self, results, media, lang, manual):',
    '        pageNumber = 0',
    '        pageNumber += 1',
    '        for _ in range(2):',
    '            pass',
    "        html = HTML.ElementFromURL(url, timeout=20, sleep=utils.delay(), _private_kw=1)",
    "        x = '__init__.py' + '_x'",
    '        print "done", printed',
    'PlexSupportPath = Core.app_support_path',
  ].join('\n');
  assert.deepEqual(await checkNaming(pgmaLike), []);
});

test('a patch is blamed only for the violations it introduces', async () => {
  const before = 'def f():\n    x = sys._getframe(0)\n    return x\n';
  const after = 'import os\ndef f():\n    x = sys._getframe(0)\n    _tmp = x\n    return _tmp\n';
  const v = await checkNamingChange(before, after);
  assert.deepEqual(v.map((x) => [x.rule, x.name, x.line]), [['underscore-name', '_tmp', 4], ['underscore-name', '_tmp', 5]]);
  // moving an existing violating line is not a new violation
  const moved = 'import os\ndef f():\n    return 1\ndef g():\n    x = sys._getframe(0)\n';
  assert.deepEqual(await checkNamingChange(before + 'def g():\n    pass\n', moved), []);
  // a clean patch
  assert.deepEqual(await checkNamingChange(before, before.replace('return x', 'return x or None')), []);
});

test('changedLines numbers added lines of the new text', () => {
  assert.deepEqual([...changedLines('a\nb\nc\n', 'a\nB\nc\nd\n')], [2, 4]);
});

test('only the plug-in code folder is restricted', () => {
  assert.equal(isRestrictedPath('AEBN.bundle/Contents/Code/utils.py'), true);
  assert.equal(isRestrictedPath('Contents/Code/__init__.py'), true);
  assert.equal(isRestrictedPath('C:\\Plug-ins\\AEBN.bundle\\Contents\\Code\\utils.py'), true);
  assert.equal(isRestrictedPath('AEBN.bundle/Contents/Libraries/Shared/cfscrape/__init__.py'), false);
  assert.equal(isRestrictedPath('AEBN.bundle/Contents/DefaultPrefs.json'), false);
});
