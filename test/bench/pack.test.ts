/**
 * The package `npm pack` makes (what `npm install -g plexmend-x.y.z.tgz` installs) runs the precompiled
 * dist/: it holds bin/, dist/ (every source compiled or copied, the sandbox's Python runtime, agents and
 * scenarios included) and no src/ or test/, and once unpacked, with only the production dependencies
 * beside it (no tsx, no typescript), `plexmend --version` and `plexmend aggregate` run from dist/.
 * The pack is made from a copy of the sources in a temporary folder, so the build it runs (npm pack runs
 * the prepare script) never touches this checkout's dist/ while other tests use it. Offline throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { logReportSchema } from '../../src/logs/schema.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const { sourceManifest } = (await import(new URL('../../bin/plexmend.js', import.meta.url).href)) as { sourceManifest(srcDir: string): string };

interface Run { code: number; stdout: string; stderr: string }

/** Runs a command (argument array, no shell) and resolves with its exit code and output, never rejects. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  // Without the npm_* settings an outer `npm test` exports (its project folder among them): the inner npm
  // must take the folder it runs in as the project.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: { ...base, NO_COLOR: '1', ...opts.env }, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** Every file under dir, as `/`-separated paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .map((p) => p.split('\\').join('/'));
}

/**
 * A node_modules holding what `npm install --omit=dev` would: a link to each top-level package of the
 * checkout's install that package-lock.json does not mark `dev` (their own nested node_modules come along).
 */
function productionModules(into: string): string[] {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const linked: string[] = [];
  for (const [key, meta] of Object.entries(lock.packages)) {
    const name = key.startsWith('node_modules/') ? key.slice('node_modules/'.length) : '';
    if (!name || name.includes('/node_modules/') || meta.dev) continue;
    const from = join(repo, 'node_modules', name);
    if (!existsSync(from)) continue; // an optional package for another platform
    const to = join(into, 'node_modules', name);
    mkdirSync(join(to, '..'), { recursive: true });
    symlinkSync(from, to, 'dir');
    linked.push(name);
  }
  return linked;
}

test('npm pack ships bin/ and a fresh dist/ without sources, and the unpacked package runs dist/ without tsx', { timeout: 120_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'plexmend pack '));
  try {
    // What npm packs from: the checkout's files (a copy), with its node_modules for the build's typescript.
    const tree = join(tmp, 'source tree');
    mkdirSync(tree);
    for (const name of ['package.json', 'README.md', 'LICENSE', '.gitignore', 'bin', 'scripts', 'src']) cpSync(join(repo, name), join(tree, name), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(tree, 'node_modules'), 'dir');
    const out = join(tmp, 'packed here');
    mkdirSync(out);

    const packed = await run('npm', ['pack', '--json', '--offline', '--pack-destination', out], { cwd: tree });
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const files = info.files.map((f) => f.path).sort();

    // Exactly: bin/, package.json, README, LICENSE, the build script, and dist/ = every source compiled or copied,
    // plus the manifest of the sources it was built from.
    // (npm itself always leaves out editor and merge leftovers: `.*.swp`, `._*`, `.DS_Store`, `*.orig`.)
    const npmDrops = (p: string) => /(^|\/)(\.[^/]*\.swp|\._[^/]*|\.DS_Store|[^/]*\.orig)$/.test(p);
    const sources = filesUnder(join(tree, 'src')).filter((p) => !npmDrops(p));
    const expected = [
      'LICENSE', 'README.md', 'bin/plexmend.js', 'dist/.built', 'package.json', 'scripts/build.mjs',
      ...sources.map((p) => `dist/${p.endsWith('.ts') && !p.endsWith('.d.ts') ? p.replace(/\.ts$/, '.js') : p}`),
    ];
    const missing = expected.filter((p) => !files.includes(p));
    const extra = files.filter((p) => !expected.includes(p));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    for (const asset of ['dist/cli/main.js', 'dist/sandbox/runtime/python/plugin.py', 'dist/sandbox/scenarios/default.yaml']) assert.ok(files.includes(asset), asset);
    assert.ok(files.some((p) => /^dist\/sandbox\/agents\/[^/]+\.bundle\/Contents\/Code\/__init__\.py$/.test(p)), 'the sandbox agents');
    assert.ok(!files.some((p) => p.startsWith('src/') || p.startsWith('test/') || p.endsWith('.ts')), 'no sources or tests');

    // Unpack it like npm does (tar, argument array) and give it production dependencies only.
    const installed = join(tmp, 'lib', 'node_modules');
    mkdirSync(installed, { recursive: true });
    const untar = await run('tar', ['-xzf', join(out, info.filename), '-C', installed]);
    assert.equal(untar.code, 0, untar.stderr);
    const pkg = join(installed, 'package');
    // The build npm ran while packing read exactly the sources of the tree (made by the pack, not stale).
    assert.equal(readFileSync(join(pkg, 'dist', '.built'), 'utf8'), sourceManifest(join(tree, 'src')));
    const linked = productionModules(pkg);
    assert.ok(linked.includes('commander') && !linked.includes('tsx') && !linked.includes('typescript'), linked.join(' '));

    const bin = join(pkg, 'bin', 'plexmend.js');
    const env = { PLEXMEND_DEBUG_ENTRY: '1', PLEXMEND_NO_DIST: '1' }; // NO_DIST: meaningless without sources
    const version = await run(process.execPath, [bin, '--version'], { env });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version);
    assert.equal(version.stderr, 'entry: dist\n');

    const logs = join(tmp, 'Application Support', 'PMS Plugin Logs');
    mkdirSync(logs, { recursive: true });
    const raw = readFileSync(join(repo, 'test/fixtures/real-logs/01_pgma_fagalicious_http403_windows_2024-07-12.log'), 'utf8');
    writeFileSync(join(logs, 'com.plexapp.agents.Fagalicious.log'), raw.split('\n').filter((l) => /^\d{4}-/.test(l)).join('\n') + '\n');
    const agg = await run(process.execPath, [bin, 'aggregate', '--logs', logs, '--workspace', join(tmp, 'ws'), '--format', 'json'], { env, cwd: tmp });
    assert.equal(agg.code, 0, agg.stderr);
    assert.match(agg.stderr, /^entry: dist$/m);
    const doc = JSON.parse(agg.stdout);
    assert.ok(logReportSchema.safeParse(doc).success);
    assert.equal(doc.agents.Fagalicious.http.byHost['fagalicious.com']['403'], 1);

    // Assets found through import.meta.url and node's resolution in this layout: a scenario, the agents,
    // the Python runner and the tree-sitter grammar (from node_modules).
    const probe = [
      `const sc = await import(${JSON.stringify(pathToFileURL(join(pkg, 'dist/sandbox/scenario.js')).href)});`,
      `const sb = await import(${JSON.stringify(pathToFileURL(join(pkg, 'dist/sandbox/index.js')).href)});`,
      `const py = await import(${JSON.stringify(pathToFileURL(join(pkg, 'dist/diagnose/python/parser.js')).href)});`,
      `const { readdirSync } = await import('node:fs');`,
      `const tree = (await py.pythonParser()).parse('x = 1\\n');`,
      `console.log(JSON.stringify({ scenario: sc.scenarioBundles(sc.loadScenario('default')).length, agentsDir: sb.SANDBOX_AGENTS_DIR,`,
      `  bundles: readdirSync(sb.SANDBOX_AGENTS_DIR).filter((n) => n.endsWith('.bundle')).length, root: tree.rootNode.type }));`,
    ].join('\n');
    const probed = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: pkg });
    assert.equal(probed.code, 0, probed.stderr);
    const seen = JSON.parse(probed.stdout) as { scenario: number; agentsDir: string; bundles: number; root: string };
    assert.ok(seen.scenario > 0 && seen.bundles > 0, probed.stdout);
    assert.equal(seen.agentsDir, join(pkg, 'dist', 'sandbox', 'agents'));
    assert.equal(seen.root, 'module');
    assert.ok(existsSync(join(pkg, 'dist', 'sandbox', 'runtime', 'python', 'plugin.py')));

    // A package that lost dist/ says to reinstall, in one line and a hint, not a stack trace.
    rmSync(join(pkg, 'dist'), { recursive: true });
    const broken = await run(process.execPath, [bin, '--version'], { env });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^plexmend: this installation has neither dist\/ nor src\/ .*\n {2}→ reinstall plexmend/);
    assert.doesNotMatch(broken.stderr, /\n\s+at /);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a clone without dev dependencies and without a fresh dist/ says how to install tsx, in one line and a hint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plexmend no dev '));
  try {
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
    cpSync(join(repo, 'bin', 'plexmend.js'), join(dir, 'bin', 'plexmend.js'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(dir, 'src', 'cli', 'main.ts'), "process.stdout.write('src');\n");
    const res = await run(process.execPath, [join(dir, 'bin', 'plexmend.js'), '--version'], { env: { PLEXMEND_NO_DIST: '' } });
    assert.equal(res.code, 1);
    assert.equal(res.stdout, '');
    assert.match(res.stderr, /^plexmend: dist\/ is not built from the current src\/, and tsx .* not installed\n {2}→ run `npm install --include=dev`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm pack fails, saying why, where typescript is missing, instead of packing a package that cannot run', async () => {
  const tree = mkdtempSync(join(tmpdir(), 'plexmend pack no ts '));
  try {
    // No node_modules anywhere above a temp folder: the build cannot find typescript.
    for (const name of ['package.json', 'bin', 'scripts']) cpSync(join(repo, name), join(tree, name), { recursive: true });
    mkdirSync(join(tree, 'src', 'cli'), { recursive: true });
    writeFileSync(join(tree, 'src', 'cli', 'main.ts'), "process.stdout.write('src');\n");
    const packed = await run('npm', ['pack', '--json', '--offline', '--pack-destination', tree], { cwd: tree });
    assert.notEqual(packed.code, 0);
    assert.match(packed.stderr, /build: typescript is not installed, and a package without dist\/ cannot run/);
    assert.ok(!readdirSync(tree).some((n) => n.endsWith('.tgz')), 'no tarball');
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
});
