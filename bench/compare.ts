/**
 * `npm run bench:compare -- --base REV`: this checkout's `plexmend aggregate` side by side with the one of an
 * earlier commit, in one run, over the same generated inputs. The runs alternate (base, now, base, now…), so
 * the load of a shared machine falls on both alike. Prints the median wall time, CPU time and peak RSS of
 * each, their ratio (now ÷ base), and whether the two reports are byte-identical (minus `generatedAt`).
 * The base is exported with `git archive` into a temporary folder, given this checkout's node_modules, and
 * built like a clone (scripts/build.mjs); nothing of this checkout is changed.
 *
 * Options: --base REV (required)  --size 100M  --archive-size 0 (e.g. 1G adds the watch-archive case)
 *          --runs 4  --seed 1  --keep
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, parseSize } from './generate.ts';
import { fmtMs, fmtRss, mb, measureRun, median, option, type Measured } from './measure.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

interface Contender {
  name: string;
  dir: string;
}

/** A checkout of `rev` next to this one: exported, linked to our node_modules, built. */
function checkoutOf(rev: string, into: string): string {
  const dir = join(into, `base ${rev.slice(0, 12)}`);
  mkdirSync(dir);
  const tar = execFileSync('git', ['archive', '--format=tar', rev], { cwd: root, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'ignore' });
  return dir;
}

/** The report without what differs by design: `generatedAt`, and the contender's own workspace in paths. */
function reportText(path: string, workspace: string): string {
  return readFileSync(path, 'utf8').replace(/^ {2}"generatedAt": "[^"]*",\n/m, '').split(JSON.stringify(workspace).slice(1, -1)).join('<workspace>');
}

async function compare(label: string, input: string[], contenders: Contender[], runs: number, work: string, bytes: number): Promise<void> {
  const results = new Map<string, Measured[]>(contenders.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of contenders) {
      const ws = join(work, `ws ${c.name}`);
      const out = join(work, `report ${c.name}.json`);
      const r = await measureRun(process.execPath, ['bin/plexmend.js', 'aggregate', ...input, '--workspace', ws, '--format', 'json', '--output', out], join(work, 'stdout'), c.dir);
      if (r.code !== 0) throw new Error(`${c.name}: aggregate failed (exit ${r.code}): ${r.stderr.slice(0, 1000)}`);
      results.get(c.name)!.push(r);
    }
  }
  const [base, now] = contenders.map((c) => results.get(c.name)!);
  const fig = (ms: Measured[]) => ({
    wall: median(ms.map((m) => m.wallMs)),
    cpu: ms.every((m) => m.cpuMs !== null) ? median(ms.map((m) => m.cpuMs!)) : null,
    rss: Math.max(...ms.map((m) => m.peakRssKb ?? 0)) || null,
  });
  const b = fig(base!);
  const n = fig(now!);
  const ratio = (x: number | null, y: number | null) => (x && y ? `${(y / x).toFixed(2)}×` : 'n/a');
  console.log(`\n${label} (${mb(bytes).toFixed(0)} MB, median of ${runs} alternating runs each)`);
  console.log(`  wall      : base ${fmtMs(b.wall)}, now ${fmtMs(n.wall)}  → now/base ${ratio(b.wall, n.wall)}   (each run: base ${base!.map((m) => fmtMs(m.wallMs)).join(' ')} | now ${now!.map((m) => fmtMs(m.wallMs)).join(' ')})`);
  if (b.cpu !== null && n.cpu !== null) console.log(`  CPU       : base ${fmtMs(b.cpu)}, now ${fmtMs(n.cpu)}  → now/base ${ratio(b.cpu, n.cpu)}`);
  console.log(`  peak RSS  : base ${fmtRss(b.rss)}, now ${fmtRss(n.rss)}  → now/base ${ratio(b.rss, n.rss)}`);
  const text = (c: Contender) => reportText(join(work, `report ${c.name}.json`), join(work, `ws ${c.name}`));
  const same = text(contenders[0]!) === text(contenders[1]!);
  console.log(`  reports   : ${same ? 'byte-identical (minus generatedAt)' : 'DIFFERENT'}`);
}

async function main(): Promise<void> {
  const rev = option('base');
  if (!rev) throw new Error('usage: npm run bench:compare -- --base REV [--size 100M] [--archive-size 1G] [--runs 4] [--seed 1] [--keep]');
  const size = parseSize(option('size', '100M'));
  const archiveSize = parseSize(option('archive-size', '0'));
  const runs = Number(option('runs', '4'));
  const seed = Number(option('seed', '1'));
  const work = mkdtempSync(join(tmpdir(), 'plexmend compare '));
  try {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'ignore' });
    const baseDir = checkoutOf(rev, work);
    const sha = execFileSync('git', ['rev-parse', '--short', rev], { cwd: root, encoding: 'utf8' }).trim();
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    console.log(`base: ${sha}; now: this checkout (HEAD ${head} plus any uncommitted change), both as built dist/`);
    const contenders: Contender[] = [{ name: 'base', dir: baseDir }, { name: 'now', dir: root }];
    const logs = join(work, 'PMS Plugin Logs');
    const gen = generate({ dir: logs, bytes: size, seed, layout: 'folder', platform: 'macos' });
    await compare(`plug-in log folder, ${gen.lines.toLocaleString('en-US')} lines`, ['--logs', logs], contenders, runs, work, gen.bytes);
    rmSync(logs, { recursive: true, force: true });
    if (archiveSize > 0) {
      const dir = join(work, 'archive');
      const arch = generate({ dir, bytes: archiveSize, seed: seed + 1, layout: 'archive', platform: 'linux' });
      // `aggregate --archive` reads <workspace>/log_archive: give each contender's workspace the same one.
      for (const c of contenders) {
        mkdirSync(join(work, `ws ${c.name}`), { recursive: true });
        rmSync(join(work, `ws ${c.name}`, 'log_archive'), { recursive: true, force: true });
        symlinkSync(dir, join(work, `ws ${c.name}`, 'log_archive'), 'dir');
      }
      await compare(`watch archive, ${arch.lines.toLocaleString('en-US')} lines`, ['--archive'], contenders, Math.max(1, Math.ceil(runs / 2)), work, arch.bytes);
    }
  } finally {
    if (args.includes('--keep')) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:compare: ${(err as Error).message}`);
  process.exitCode = 1;
});
