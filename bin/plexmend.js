#!/usr/bin/env node
// plexmend's binary. Runs the precompiled dist/ (scripts/build.mjs, run by `npm install`) when it is
// present and no file or folder under src/ changed after the build started; otherwise the TypeScript
// sources through tsx (a runtime dependency), so a stale build never runs and no build step is required.
// The check is a walk of src/ comparing modification times (~250 entries, a few milliseconds): a deleted
// or added file changes its folder's time, an edited one its own.
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * True when `dist/` was built from the current `src/`: `dist/.built` holds the build's start time (ms) and
 * nothing under src/ (files and folders) is newer. Any error (no build, unreadable stamp) means stale.
 */
export function isBuildFresh(dir = root) {
  let built;
  try {
    built = Number(readFileSync(join(dir, 'dist', '.built'), 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isFinite(built) || built <= 0) return false;
  const newer = (path) => {
    if (statSync(path).mtimeMs > built) return true;
    for (const ent of readdirSync(path, { withFileTypes: true })) {
      const p = join(path, ent.name);
      if (ent.isDirectory() ? newer(p) : statSync(p).mtimeMs > built) return true;
    }
    return false;
  };
  try {
    return !newer(join(dir, 'src'));
  } catch {
    return false;
  }
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
  //   ~165 instead of ~180 MiB, for ~5 % more CPU (both measured under load, so ±5 %).
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=25');
  process.env.PLEXMEND_ENTRY = '1';
  if (process.env.PLEXMEND_NO_DIST !== '1' && isBuildFresh()) {
    await import('../dist/cli/main.js');
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('../src/cli/main.ts');
  }
}
