import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const RUNTIME_PY = fileURLToPath(new URL('../../src/sandbox/runtime/python/', import.meta.url));

/** Compile each source with the runtime's RestrictedPython rules; null = accepted, else the message. */
function check(sources: string[]): (string | null)[] {
  const program = [
    'import json, sys',
    'sys.path.insert(0, sys.argv[1])',
    'from framework import restricted',
    'out = []',
    'for src in json.loads(sys.stdin.read()):',
    '    try:',
    '        restricted.check_source(src, "/b/Contents/Code/__init__.py")',
    '        out.append(None)',
    '    except SyntaxError as e:',
    '        out.append(str(e) if str(e).startswith("Line ") else "syntax: " + e.msg)',
    'print(json.dumps(out))',
  ].join('\n');
  const out = execFileSync('python3', ['-c', program, RUNTIME_PY], { input: JSON.stringify(sources), encoding: 'utf8' });
  return JSON.parse(out) as (string | null)[];
}

const INVALID_VAR = (line: number, name: string) => `Line ${line}: "${name}" is an invalid variable name because it starts with "_"`;
const INVALID_ATTR = (line: number, name: string) => `Line ${line}: "${name}" is an invalid attribute name because it starts with "_".`;

describe("Plex's RestrictedPython naming rules", () => {
  const table: [string, string | null][] = [
    ['x = 1\n_private = 2\n', INVALID_VAR(2, '_private')],
    ['HERE = __file__\n', INVALID_VAR(1, '__file__')],
    ["os = __import__('os')\n", INVALID_VAR(1, '__import__')],
    ["if __name__ == '__main__':\n    pass\n", INVALID_VAR(1, '__name__')],
    ['def helper(_a):\n    return 1\n', INVALID_VAR(1, '_a')],
    ['def _helper():\n    return 1\n', INVALID_VAR(1, '_helper')],
    ['def __init__():\n    return 1\n', INVALID_VAR(1, '__init__')],
    ['f = lambda _x: 1\n', INVALID_VAR(1, '_x')],
    ['import os as _os\n', INVALID_VAR(1, '_os')],
    ['from os import _exit\n', INVALID_VAR(1, '_exit')],
    ['for _i in range(3):\n    pass\n', INVALID_VAR(1, '_i')],
    ['try:\n    pass\nexcept Exception as _e:\n    pass\n', INVALID_VAR(3, '_e')],
    ['with open("f") as _f:\n    pass\n', INVALID_VAR(1, '_f')],
    ['class _Hidden(object):\n    pass\n', INVALID_VAR(1, '_Hidden')],
    ['import os\nos._exit(1)\n', INVALID_ATTR(2, '_exit')],
    ['x = object()\ny = x.__class__\n', INVALID_ATTR(2, '__class__')],
    ['printed = 1\n', 'Line 1: "printed" is a reserved name.'],
    ['a = [1]\na[0] += 1\n', 'Line 2: Augmented assignment of object items and slices is not allowed.'],
    // accepted
    ['class Agent(object):\n    def __init__(self):\n        self.x = 1\n    def __repr__(self):\n        return "A"\n', null],
    ['_ = 1\nvalues = [_ for _ in range(2)]\n', null],
    ['class A(object):\n    pass\na = A()\na.count = 1\na.count += 1\n', null],
    ["s = '_private __file__'\nd = dict(_key=1)\n", null],
    ['print("x")\n', null],
    // a plain syntax error is reported as Python reports it
    ['def broken(:\n', 'syntax:'],
  ];
  const results = check(table.map(([src]) => src));
  for (const [i, [src, expected]] of table.entries()) {
    it(`${expected === null ? 'accepts' : 'refuses'}: ${JSON.stringify(src.split('\n')[0])}`, () => {
      if (expected === 'syntax:') assert.match(results[i] ?? '', /^syntax: /);
      else assert.equal(results[i], expected);
    });
  }
});
