/**
 * `npm run bench`: in one run over the same generated ~100 MB plug-in log folder, prints the wall time
 * and MB/s of `plexmend aggregate` (as a subprocess, exactly as a user runs it), the wall time of
 * `grep -c ' ERROR '` over the same files (output to a file: GNU grep stops at the first match when its
 * output is /dev/null), their ratio, and the peak RSS of aggregate at 100 MB and over a 1 GB watch
 * archive. Targets (issue 2): ≤ 6× grep, peak RSS < 200 MB and about the same at both sizes.
 *
 * Options: --size 100M  --archive-size 1G  --runs 3  --seed 1  --keep (do not delete the generated data)
 *          --tsx (measure the sources through tsx instead of the precompiled dist/)
 * Peak RSS: `/usr/bin/time -v` when present, else polling /proc/<pid>/status VmHWM.
 * aggregate runs as `node bin/plexmend.js` (what the installed binary does); the bench first builds dist/
 * (scripts/build.mjs) so the measured CLI is the current code, and says which of the two ran.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate, parseSize } from './generate.ts';
import { cpu, filesIn, fmtMs, fmtRss, mb, measureRun, median, option } from './measure.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const size = parseSize(option('size', '100M'));
const archiveSize = parseSize(option('archive-size', '1G'));
const runs = Number(option('runs', '3'));
const seed = Number(option('seed', '1'));
const keep = args.includes('--keep');
const useTsx = args.includes('--tsx');
/** The CLI as a user runs it: the binary (dist/ when fresh, else tsx). */
const CLI = ['bin/plexmend.js'];
const cliEnv = { ...process.env, ...(useTsx ? { PLEXMEND_NO_DIST: '1' } : {}) };

/** Rebuilds dist/ when it went stale (set in main). */
let ensureBuilt = (): void => undefined;
const measure = (cmd: string, argv: string[], stdoutFile: string, cwd = root) => measureRun(cmd, argv, stdoutFile, cwd, cliEnv);

/** Does this checkout have `plexmend aggregate`? */
function aggregateAvailable(): boolean {
  try {
    execFileSync(process.execPath, [...CLI, 'aggregate', '--help'], { cwd: root, env: cliEnv, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { isBuildFresh } = (await import(pathToFileURL(join(root, 'bin', 'plexmend.js')).href)) as { isBuildFresh(): boolean };
  // In a working tree others edit, dist/ goes stale at any moment and the binary then (rightly) runs the
  // sources through tsx: rebuild right before every measured run, and count the rebuilds.
  let rebuilds = 0;
  ensureBuilt = () => {
    if (useTsx || isBuildFresh()) return;
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'ignore' });
    rebuilds++;
  };
  ensureBuilt();
  console.log(`CLI: ${useTsx ? 'sources through tsx (--tsx)' : isBuildFresh() ? 'precompiled dist/ (node bin/plexmend.js), rebuilt before any run it was stale' : 'sources through tsx: dist/ could not be built'}`);
  const work = mkdtempSync(join(tmpdir(), 'plexmend bench '));
  try {
    const logs = join(work, 'PMS Plugin Logs');
    let t = performance.now();
    const gen = generate({ dir: logs, bytes: size, seed, layout: 'folder', platform: 'macos' });
    const files = filesIn(logs);
    const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
    console.log(`generated ${files.length} files, ${mb(bytes).toFixed(1)} MB, ${gen.lines} lines, ${gen.operations} operations in ${fmtMs(performance.now() - t)}`);
    for (const f of files) readFileSync(f); // warm the page cache for both contenders

    const hasAggregate = aggregateAvailable();
    const aggArgs = (input: string[]) =>
      hasAggregate
        ? [...CLI, 'aggregate', ...input, '--workspace', join(work, 'ws'), '--format', 'json', '--output', join(work, 'report.json')]
        : ['--import', 'tsx', 'bench/read-only.ts', ...input];
    if (!hasAggregate) console.log('NOTE: plexmend aggregate is not available in this checkout: measuring readLogLines only (bench/read-only.ts)');

    const grepTimes: number[] = [];
    const grepCpu: number[] = [];
    let grepCount = '';
    for (let i = 0; i < runs; i++) {
      const r = await measure('grep', ['-c', ' ERROR ', ...files], join(work, 'grep.out'));
      grepTimes.push(r.wallMs);
      if (r.cpuMs !== null) grepCpu.push(r.cpuMs);
      grepCount = readFileSync(join(work, 'grep.out'), 'utf8');
    }
    const errorLines = grepCount.split('\n').reduce((s, l) => s + Number(l.split(':').pop() || 0), 0);
    // The floor of any JavaScript reader: node + read + split lines + one byte per line (bench/floor.mjs).
    const floorTimes: number[] = [];
    let floorOut = '';
    for (let i = 0; i < runs; i++) {
      const r = await measure(process.execPath, ['bench/floor.mjs', ...files], join(work, 'floor.out'));
      floorTimes.push(r.wallMs);
      floorOut = readFileSync(join(work, 'floor.out'), 'utf8').trim();
    }
    if (Number(floorOut.split(' ')[1]) !== errorLines) console.log(`NOTE: bench/floor.mjs counted ${floorOut.split(' ')[1]} ERROR lines, grep ${errorLines}`);
    const aggTimes: number[] = [];
    const aggCpu: number[] = [];
    let aggRss: number | null = null;
    for (let i = 0; i < runs; i++) {
      ensureBuilt();
      const r = await measure(process.execPath, aggArgs(['--logs', logs]), join(work, 'agg.out'));
      if (r.code !== 0) throw new Error(`aggregate failed (exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
      aggTimes.push(r.wallMs);
      if (r.cpuMs !== null) aggCpu.push(r.cpuMs);
      aggRss = Math.max(aggRss ?? 0, r.peakRssKb ?? 0) || r.peakRssKb;
    }
    const g = median(grepTimes);
    const a = median(aggTimes);
    console.log('');
    console.log(`input: ${mb(bytes).toFixed(1)} MB in ${files.length} files (${errorLines} lines with ' ERROR ')`);
    console.log(`grep -c ' ERROR '   : ${fmtMs(g)}  (${(mb(bytes) / (g / 1000)).toFixed(0)} MB/s; median of ${runs})`);
    console.log(`${hasAggregate ? 'plexmend aggregate' : 'readLogLines only '} : ${fmtMs(a)}  (${(mb(bytes) / (a / 1000)).toFixed(1)} MB/s; median of ${runs}; includes node start-up)`);
    console.log(`ratio               : ${(a / g).toFixed(1)}× grep (target ≤ 6×)`);
    const f = median(floorTimes);
    console.log(`JS floor            : ${fmtMs(f)}  (${(f / g).toFixed(1)}× grep; node + read + split lines + 1 byte per line, no parsing — bench/floor.mjs); aggregate = ${(a / f).toFixed(1)}× the floor`);
    if (grepCpu.length && aggCpu.length) {
      const gc = median(grepCpu);
      const ac = median(aggCpu);
      console.log(`CPU time (user+sys) : grep ${fmtMs(gc)}, aggregate ${fmtMs(ac)}, ratio ${(ac / Math.max(gc, 10)).toFixed(1)}× (less sensitive to other load)`);
    }
    console.log(`machine load average: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} CPUs`);
    console.log(`peak RSS @ ${mb(bytes).toFixed(0)} MB    : ${fmtRss(aggRss)} (target < 200 MB)`);
    if (hasAggregate) {
      const report = JSON.parse(readFileSync(join(work, 'report.json'), 'utf8')) as { totals: { byClass: Record<string, number>; errors: number }; items: unknown[] };
      const { EVENT_CLASSES } = await import('../src/logs/schema.ts');
      const missing = EVENT_CLASSES.filter((c) => !report.totals.byClass[c]);
      console.log(`report              : ${report.totals.errors} errors, ${report.items.length} items, ${EVENT_CLASSES.length - missing.length}/${EVENT_CLASSES.length} event classes present${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`);
      const ro = await measure(process.execPath, ['--import', 'tsx', 'bench/read-only.ts', '--logs', logs], join(work, 'ro.out'));
      console.log(`readLogLines only   : ${fmtMs(ro.wallMs)}  (${(mb(bytes) / (ro.wallMs / 1000)).toFixed(1)} MB/s${cpu(ro)}), peak RSS ${fmtRss(ro.peakRssKb)} — the reading half of aggregate`);
    }
    ensureBuilt();
    const startup = await measure(process.execPath, [...CLI, '--version'], join(work, 'v.out'));
    console.log(`(start-up alone, plexmend --version: ${fmtMs(startup.wallMs)}${cpu(startup)}, ${fmtRss(startup.peakRssKb)})`);
    if (hasAggregate) {
      // What every aggregate pays whatever the input: start-up, loading the log modules and zod, the report.
      const tiny = join(work, 'tiny logs');
      mkdirSync(tiny);
      writeFileSync(join(tiny, basename(files[0])), readFileSync(files[0], 'utf8').split('\n').slice(0, 200).join('\n') + '\n');
      const fixed: number[] = [];
      for (let i = 0; i < runs; i++) fixed.push((await measure(process.execPath, aggArgs(['--logs', tiny]), join(work, 'agg-tiny.out'))).wallMs);
      console.log(`(fixed cost, aggregate over 200 lines: ${fmtMs(median(fixed))} = ${(median(fixed) / g).toFixed(1)}× grep's whole run)`);
    }
    rmSync(logs, { recursive: true, force: true });

    if (archiveSize > 0) {
      const ws = join(work, 'ws-archive');
      t = performance.now();
      const arch = generate({ dir: join(ws, 'log_archive'), bytes: archiveSize, seed: seed + 1, layout: 'archive', platform: 'linux' });
      console.log('');
      console.log(`generated a ${mb(arch.bytes).toFixed(0)} MB watch archive (${arch.files.length} files) in ${fmtMs(performance.now() - t)}`);
      const input = hasAggregate ? ['--archive'] : ['--archive-dir', join(ws, 'log_archive')];
      ensureBuilt();
      const r = await measure(
        process.execPath,
        hasAggregate
          ? [...CLI, 'aggregate', ...input, '--workspace', ws, '--format', 'json', '--output', join(work, 'report-archive.json')]
          : ['--import', 'tsx', 'bench/read-only.ts', ...input],
        join(work, 'agg-archive.out'),
      );
      if (r.code !== 0) throw new Error(`aggregate --archive failed (exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
      console.log(`aggregate --archive : ${fmtMs(r.wallMs)}  (${(mb(arch.bytes) / (r.wallMs / 1000)).toFixed(1)} MB/s${cpu(r)})`);
      console.log(`peak RSS @ ${mb(arch.bytes).toFixed(0)} MB   : ${fmtRss(r.peakRssKb)} (vs ${fmtRss(aggRss)} at ${mb(bytes).toFixed(0)} MB)`);
      if (hasAggregate) {
        const ro = await measure(process.execPath, ['--import', 'tsx', 'bench/read-only.ts', '--archive-dir', join(ws, 'log_archive')], join(work, 'ro-archive.out'));
        console.log(`readLogLines only   : ${fmtMs(ro.wallMs)}  (${(mb(arch.bytes) / (ro.wallMs / 1000)).toFixed(1)} MB/s${cpu(ro)}), peak RSS ${fmtRss(ro.peakRssKb)}`);
      }
    }
    if (rebuilds) console.log(`(dist/ was older than src/ ${rebuilds}× — an edit since the last build — and was rebuilt before the measured runs)`);
  } finally {
    if (keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exitCode = 1;
});
