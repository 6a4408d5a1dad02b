#!/usr/bin/env node
// Precompiles src/ into dist/ (plain ESM JavaScript, same tree) so `bin/plexmend.js` starts without tsx:
// node + tsx spend ~0.3 s and ~40 MiB compiling TypeScript at every start, which is most of a small run.
// Each file is transpiled alone with TypeScript's own `transpileModule` (no type check: `npm run typecheck`
// does that; a type error elsewhere must never break `npm install`), with `rewriteRelativeImportExtensions`
// turning `./x.ts` imports into `./x.js`. Files that are not TypeScript (the sandbox's Python runtime,
// agents, scenarios) are copied, so paths built from `import.meta.url` find them next to the code.
// The build goes to a temporary folder that replaces dist/ at the end; dist/.built holds the manifest of
// src/ (paths, sizes, modification times) taken before any file is read: bin/plexmend.js runs dist/ only
// while a fresh manifest equals it (see isBuildFresh there), so a file changed during the build counts too.
// Run by `npm install` (prepare) and `npm run build` (`--root DIR` builds another tree, for tests), and by
// `npm pack` / `npm publish` (they run prepare too, so no prepack script: it would build a second time): the
// package ships dist/ and no src/ (package.json `files`), and bin/plexmend.js runs that dist/ as it is.
// Without TypeScript installed (a clone installed without dev dependencies) it says so and exits 0
// (bin/plexmend.js then runs the sources through tsx, or says how to install it) — except when npm is
// packing: a package without dist/ could not run at all, so that fails.
// It reports on stderr, so `npm pack --json` prints nothing but its JSON.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceManifest } from '../bin/plexmend.js';

// `--root DIR` builds DIR/src into DIR/dist (tests); default: this checkout.
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? process.argv[rootArg + 1] : fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const out = join(root, 'dist');

// An installed package ships this script (its package.json still names it as prepare, which `npm install`
// inside an unpacked package runs) but no src/: its dist/ is the build.
if (!existsSync(src)) {
  console.error(`build: no src/ in ${root} (an installed package): dist/ ships prebuilt, nothing to do`);
  process.exit(0);
}

let ts;
try {
  ts = createRequire(import.meta.url)('typescript');
} catch {
  if (process.env.npm_command === 'pack' || process.env.npm_command === 'publish') {
    console.error('build: typescript is not installed, and a package without dist/ cannot run: install the dev dependencies (npm install --include=dev), then pack again');
    process.exit(1);
  }
  console.error('build: typescript is not installed; skipped (plexmend will run its sources through tsx)');
  process.exit(0);
}

const startedAt = Date.now();
const manifest = sourceManifest(src);
const tmp = `${out}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
const options = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  sourceMap: false,
};

let compiled = 0;
let copied = 0;
const walk = (dir) => {
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const from = join(dir, ent.name);
    const rel = relative(src, from);
    if (ent.isDirectory()) {
      walk(from);
    } else if (ent.name.endsWith('.ts') && !ent.name.endsWith('.d.ts')) {
      const res = ts.transpileModule(readFileSync(from, 'utf8'), { compilerOptions: options, fileName: from, reportDiagnostics: false });
      const to = join(tmp, rel.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, res.outputText);
      compiled++;
    } else if (ent.isFile()) {
      const to = join(tmp, rel);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
      copied++;
    }
  }
};
try {
  walk(src);
  writeFileSync(join(tmp, '.built'), manifest);
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  throw err;
}
console.error(`build: ${compiled} files compiled, ${copied} copied into dist/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
