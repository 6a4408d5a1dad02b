/**
 * bin/plexmend.js in a clone runs the precompiled dist/ only while it was built from exactly the src/ that
 * is there (the manifest of paths, sizes and times in dist/.built equals a fresh one), else the sources
 * through tsx: a stale build must never run. In a package (no src/) it runs dist/ as it is.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const { chooseEntry, isBuildFresh, sourceManifest } = (await import(new URL('../../bin/plexmend.js', import.meta.url).href)) as {
  chooseEntry(dir?: string, env?: NodeJS.ProcessEnv): 'dist' | 'tsx' | 'none';
  isBuildFresh(dir?: string): boolean;
  sourceManifest(srcDir: string): string;
};

/** A tiny project: src/cli/main.ts and dist/cli/main.js each print who ran; dist/.built made as the build does. Removed after test `t`. */
function project(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'plexmend bin '));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  copyFileSync(join(repo, 'bin', 'plexmend.js'), join(dir, 'bin', 'plexmend.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), "const who: string = 'src';\nprocess.stdout.write(who);\n");
  writeFileSync(join(dir, 'dist', 'cli', 'main.js'), "process.stdout.write('dist');\n");
  const past = new Date(Date.now() - 60_000);
  utimesSync(join(dir, 'src', 'cli', 'main.ts'), past, past);
  writeFileSync(join(dir, 'dist', '.built'), sourceManifest(join(dir, 'src')));
  return dir;
}

const run = (dir: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(process.execPath, [join(dir, 'bin', 'plexmend.js')], { encoding: 'utf8', env: { ...process.env, PLEXMEND_NO_DIST: '', ...env } });

test('a fresh build is run; an edited source makes it stale and the sources run instead', (t) => {
  const dir = project(t);
  assert.equal(isBuildFresh(dir), true);
  assert.equal(run(dir), 'dist');
  assert.equal(run(dir, { PLEXMEND_NO_DIST: '1' }), 'src', 'PLEXMEND_NO_DIST=1 forces the sources');
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(dir, 'src', 'cli', 'main.ts'), later, later);
  assert.equal(isBuildFresh(dir), false);
  assert.equal(run(dir), 'src');
});

test('a source file added after the build, or deleted, makes the build stale', (t) => {
  const dir = project(t);
  assert.equal(isBuildFresh(dir), true);
  writeFileSync(join(dir, 'src', 'cli', 'new.ts'), 'export {};\n');
  assert.equal(isBuildFresh(dir), false);
  rmSync(join(dir, 'src', 'cli', 'new.ts'));
  assert.equal(isBuildFresh(dir), true, 'back to the built tree');
  rmSync(join(dir, 'src', 'cli', 'main.ts'));
  assert.equal(isBuildFresh(dir), false);
});

test('an older copy put back with its old time (rsync -a, cp -p) makes the build stale', (t) => {
  const dir = project(t);
  const file = join(dir, 'src', 'cli', 'main.ts');
  writeFileSync(file, "const who: string = 'older src';\nprocess.stdout.write(who);\n");
  const older = new Date(Date.now() - 3_600_000);
  utimesSync(file, older, older);
  assert.equal(isBuildFresh(dir), false);
  assert.equal(run(dir), 'older src');
});

test('no build, or an unreadable stamp, is never run', (t) => {
  const dir = project(t);
  writeFileSync(join(dir, 'dist', '.built'), 'garbage\n');
  assert.equal(isBuildFresh(dir), false);
  assert.equal(run(dir), 'src');
  rmSync(join(dir, 'dist'), { recursive: true });
  assert.equal(isBuildFresh(dir), false);
  assert.equal(run(dir), 'src');
});

test('a package (no src/) runs its dist/ as it is, whatever its times or PLEXMEND_NO_DIST; with neither it says to reinstall', (t) => {
  const dir = project(t);
  rmSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'dist', '.built'), 'a manifest of sources that are not here\n');
  assert.equal(chooseEntry(dir, {}), 'dist');
  assert.equal(chooseEntry(dir, { PLEXMEND_NO_DIST: '1' }), 'dist', 'no sources to force');
  assert.equal(run(dir, { PLEXMEND_NO_DIST: '1' }), 'dist');
  const debug = spawnSync(process.execPath, [join(dir, 'bin', 'plexmend.js')], { encoding: 'utf8', env: { ...process.env, PLEXMEND_DEBUG_ENTRY: '1' } });
  assert.equal(debug.stderr, 'entry: dist\n');
  rmSync(join(dir, 'dist'), { recursive: true });
  assert.equal(chooseEntry(dir, {}), 'none');
  const gone = spawnSync(process.execPath, [join(dir, 'bin', 'plexmend.js'), '--version'], { encoding: 'utf8' });
  assert.equal(gone.status, 1);
  assert.equal(gone.stdout, '');
  assert.match(gone.stderr, /^plexmend: this installation has neither dist\/ nor src\/ \(.+\)\n {2}→ reinstall plexmend.*\n$/);
});

test('a clone keeps the freshness rule, and PLEXMEND_DEBUG_ENTRY=1 names what runs', (t) => {
  const dir = project(t);
  assert.equal(chooseEntry(dir, {}), 'dist');
  assert.equal(chooseEntry(dir, { PLEXMEND_NO_DIST: '1' }), 'tsx');
  const debug = spawnSync(process.execPath, [join(dir, 'bin', 'plexmend.js')], { encoding: 'utf8', env: { ...process.env, PLEXMEND_NO_DIST: '1', PLEXMEND_DEBUG_ENTRY: '1' } });
  assert.equal(debug.stdout, 'src');
  assert.equal(debug.stderr, 'entry: tsx\n');
  rmSync(join(dir, 'dist', '.built'));
  assert.equal(chooseEntry(dir, {}), 'tsx');
});
