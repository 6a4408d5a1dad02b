#!/usr/bin/env node
// plexmend's binary. Two layouts:
// - a clone (src/ is there): runs the precompiled dist/ (scripts/build.mjs, run by `npm install`) when it was
//   built from exactly the src/ that is there now; otherwise the TypeScript sources through tsx (a dev
//   dependency, installed by `npm install`), so a stale build never runs and no build step is required.
//   "Exactly": dist/.built holds the manifest of src/ the build read (every file's path, size and
//   modification time), and the binary compares it with a fresh one: ~250 stats, a few milliseconds. An
//   edit, an added or deleted file, and also an older copy put back with its old time (rsync -a, cp -p) all
//   change it.
// - a package (`npm pack`, `npm install -g plexmend-x.y.z.tgz`: package.json `files` ships bin/ and dist/,
//   no src/): runs dist/ as it is. Nothing can go stale without sources, and no manifest could be checked
//   anyway (npm gives every file in a tarball the same fixed time).
// PLEXMEND_DEBUG_ENTRY=1 prints which one runs (`entry: dist` or `entry: tsx`) to stderr.
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The manifest of a source tree: one line per file, `path<TAB>size<TAB>mtimeMs`, folders walked in name
 * order. scripts/build.mjs stores it (taken before it reads the files) in dist/.built.
 * @throws when the folder cannot be read.
 */
export function sourceManifest(srcDir) {
  const lines = [];
  const walk = (dir, rel) => {
    const names = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of names) {
      const p = join(dir, ent.name);
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(p, r);
      else {
        const st = statSync(p);
        lines.push(`${r}\t${st.size}\t${st.mtimeMs}`);
      }
    }
  };
  walk(srcDir, '');
  return lines.join('\n') + '\n';
}

/**
 * True when `dist/` was built from the current `src/`: the manifest in `dist/.built` equals a fresh one.
 * Any error (no build, unreadable stamp or sources) means stale.
 */
export function isBuildFresh(dir = root) {
  try {
    return readFileSync(join(dir, 'dist', '.built'), 'utf8') === sourceManifest(join(dir, 'src'));
  } catch {
    return false;
  }
}

/**
 * What the binary in `dir` runs: `dist` (the precompiled code), `tsx` (the sources) or `none` (a package
 * with neither: an incomplete install). With src/ present the freshness rule decides and
 * PLEXMEND_NO_DIST=1 forces the sources; without src/ there is nothing else to run, so dist/ runs whatever
 * the environment says.
 */
export function chooseEntry(dir = root, env = process.env) {
  if (!existsSync(join(dir, 'src'))) return existsSync(join(dir, 'dist', 'cli', 'main.js')) ? 'dist' : 'none';
  return env.PLEXMEND_NO_DIST !== '1' && isBuildFresh(dir) ? 'dist' : 'tsx';
}

/** Ends the process with plexmend's one-line message and hint (src/cli/main.ts's format; it may be absent). */
function fail(message, hint) {
  process.stderr.write(`plexmend: ${message}\n  → ${hint}\n`);
  process.exit(1);
}

/** Run as the program (directly, through npm's bin link or `node bin/plexmend.js`), not imported by a test. */
function invokedDirectly() {
  if (process.argv[1] === undefined) return false;
  try {
    return fileURLToPath(import.meta.url) === realpathSync(process.argv[1]);
  } catch {
    return false;
  }
}
const isMain = invokedDirectly();
if (isMain) {
  // Heap settings that still act once the process runs (the size limits do not). plexmend's heavy work,
  // reading logs, streams short-lived per-line objects over a small, slowly growing live set (the report):
  // - keep V8's young generation at its initial 1 MiB semi-spaces instead of letting it grow to 2 × 16 MiB:
  //   a bigger nursery buys no speed here, only resident memory (aggregate @105 MB: same CPU, ~25 MiB less);
  // - let the old generation grow by 25 % of the live set after a full collection instead of V8's dynamic
  //   factor (up to 4×): aggregate over a 1 GB archive keeps ~100 instead of ~125 MiB while reading, peak
  //   ~165 instead of ~180 MiB.
  // Together they cost 0–10 % more CPU (side by side at 105 MB: median 2.7 against 2.4 s user, under a load
  // of 9 that blurs it); delete these two lines to trade the memory back for that time.
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=25');
  process.env.PLEXMEND_ENTRY = '1';
  const entry = chooseEntry();
  if (process.env.PLEXMEND_DEBUG_ENTRY === '1' && entry !== 'none') process.stderr.write(`entry: ${entry}\n`);
  if (entry === 'dist') {
    await import('../dist/cli/main.js');
  } else if (entry === 'tsx') {
    let register;
    try {
      ({ register } = await import('tsx/esm/api'));
    } catch (err) {
      // A clone installed without dev dependencies (--omit=dev, NODE_ENV=production) has neither the build
      // (typescript) nor tsx; anything else is a real error.
      if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
      fail('dist/ is not built from the current src/, and tsx (to run the sources) is not installed',
        'run `npm install --include=dev` in the plexmend folder: it installs tsx and typescript and builds dist/');
    }
    register();
    await import('../src/cli/main.ts');
  } else {
    fail(`this installation has neither dist/ nor src/ (${root})`, 'reinstall plexmend, e.g. npm install -g plexmend-<version>.tgz');
  }
}
