/**
 * bin/plexmend.js runs the precompiled dist/ only while it is fresh (nothing under src/ newer than the
 * build's start), else the sources through tsx: a stale build must never run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const { isBuildFresh } = (await import(new URL('../../bin/plexmend.js', import.meta.url).href)) as { isBuildFresh(dir?: string): boolean };

/** A tiny project: src/cli/main.ts and dist/cli/main.js each print who ran; dist/.built stamped at `built`. */
function project(built: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'plexmend bin '));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  copyFileSync(join(repo, 'bin', 'plexmend.js'), join(dir, 'bin', 'plexmend.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), "const who: string = 'src';\nprocess.stdout.write(who);\n");
  writeFileSync(join(dir, 'dist', 'cli', 'main.js'), "process.stdout.write('dist');\n");
  writeFileSync(join(dir, 'dist', '.built'), `${built}\n`);
  const past = new Date(built - 60_000);
  for (const p of [join(dir, 'src', 'cli', 'main.ts'), join(dir, 'src', 'cli'), join(dir, 'src')]) utimesSync(p, past, past);
  return dir;
}

const run = (dir: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(process.execPath, [join(dir, 'bin', 'plexmend.js')], { encoding: 'utf8', env: { ...process.env, PLEXMEND_NO_DIST: '', ...env } });

test('a fresh build is run; an edited source makes it stale and the sources run instead', () => {
  const dir = project(Date.now());
  try {
    assert.equal(isBuildFresh(dir), true);
    assert.equal(run(dir), 'dist');
    assert.equal(run(dir, { PLEXMEND_NO_DIST: '1' }), 'src', 'PLEXMEND_NO_DIST=1 forces the sources');
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'src', 'cli', 'main.ts'), later, later);
    assert.equal(isBuildFresh(dir), false);
    assert.equal(run(dir), 'src');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a source file added or deleted after the build (its folder changed) makes the build stale', () => {
  const dir = project(Date.now() - 10_000);
  try {
    assert.equal(isBuildFresh(dir), true);
    writeFileSync(join(dir, 'src', 'cli', 'new.ts'), 'export {};\n');
    assert.equal(isBuildFresh(dir), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no build, or an unreadable stamp, is never run', () => {
  const dir = project(Date.now());
  try {
    writeFileSync(join(dir, 'dist', '.built'), 'garbage\n');
    assert.equal(isBuildFresh(dir), false);
    assert.equal(run(dir), 'src');
    rmSync(join(dir, 'dist'), { recursive: true });
    assert.equal(isBuildFresh(dir), false);
    assert.equal(run(dir), 'src');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
