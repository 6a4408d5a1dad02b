/**
 * scripts/build.mjs: every TypeScript file of src/ becomes JavaScript in dist/ with its relative `.ts`
 * imports (static and dynamic) pointing at `.js`, other files are copied, and dist/.built holds the
 * manifest bin/plexmend.js compares — so a fresh build passes for fresh and runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const { isBuildFresh } = (await import(new URL('../../bin/plexmend.js', import.meta.url).href)) as { isBuildFresh(dir?: string): boolean };

test('build: src/ is transpiled into dist/ with .js imports, assets copied, and the result is fresh and runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plexmend build '));
  try {
    mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
    mkdirSync(join(dir, 'src', 'sandbox', 'python'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'src', 'cli', 'main.ts'), [
      "import { twice } from '../lib.ts';",
      "import type { Shape } from '../lib.ts';",
      "const s: Shape = { n: twice(21) };",
      "const { greet } = await import('./greet.ts');",
      "process.stdout.write(greet(s.n));",
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'src', 'cli', 'greet.ts'), 'export const greet = (n: number): string => `built ${n}`;\n');
    writeFileSync(join(dir, 'src', 'lib.ts'), 'export interface Shape { n: number }\nexport function twice(x: number): number { return x * 2; }\n');
    writeFileSync(join(dir, 'src', 'sandbox', 'python', 'plugin.py'), 'print("hi")\n');

    execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs'), '--root', dir], { stdio: 'ignore' });

    const main = readFileSync(join(dir, 'dist', 'cli', 'main.js'), 'utf8');
    assert.match(main, /from "\.\.\/lib\.js"/);
    assert.match(main, /import\("\.\/greet\.js"\)/);
    assert.doesNotMatch(main, /\.ts['"]/);
    assert.doesNotMatch(main, /Shape/, 'type-only imports and annotations are erased');
    assert.equal(readFileSync(join(dir, 'dist', 'sandbox', 'python', 'plugin.py'), 'utf8'), 'print("hi")\n');
    assert.equal(existsSync(join(dir, 'dist', 'lib.ts')), false);
    assert.equal(isBuildFresh(dir), true);
    assert.equal(execFileSync(process.execPath, [join(dir, 'dist', 'cli', 'main.js')], { encoding: 'utf8' }), 'built 42');

    writeFileSync(join(dir, 'src', 'lib.ts'), 'export interface Shape { n: number }\nexport function twice(x: number): number { return x * 3; }\n');
    assert.equal(isBuildFresh(dir), false, 'an edit after the build makes it stale');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build: in an installed package (no src/) it has nothing to do and leaves the shipped dist/ alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plexmend build package '));
  try {
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'cli', 'main.js'), "process.stdout.write('shipped');\n");
    const res = spawnSync(process.execPath, [join(repo, 'scripts', 'build.mjs'), '--root', dir], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, '', 'reports on stderr only');
    assert.match(res.stderr, /^build: no src\/ in .*: dist\/ ships prebuilt, nothing to do\n$/);
    assert.equal(readFileSync(join(dir, 'dist', 'cli', 'main.js'), 'utf8'), "process.stdout.write('shipped');\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
