/**
 * What the bench scripts share: running a command as a user would (argument array, no shell, stdout to a
 * file) and taking its wall time, CPU time and peak RSS, plus the formatting of those figures.
 * Peak RSS and CPU: `/usr/bin/time -v` when present, else polling /proc/<pid>/status VmHWM (no CPU then).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** The value after `--<name>` on the bench script's command line, else `def`. */
export function option(name: string, def: string): string;
export function option(name: string, def?: string): string | undefined;
export function option(name: string, def?: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
}

export interface Measured {
  wallMs: number;
  /** user + system CPU time (GNU time only): robust when other processes load the machine. */
  cpuMs: number | null;
  peakRssKb: number | null;
  code: number;
  stderr: string;
}

/** Runs `cmd argv…` in `cwd` with `env`, stdout to `stdoutFile`; resolves with what it cost. */
export function measureRun(cmd: string, argv: string[], stdoutFile: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const useTime = existsSync(GNU_TIME) && process.platform === 'linux';
  const file = useTime ? GNU_TIME : cmd;
  const fullArgs = useTime ? ['-v', cmd, ...argv] : argv;
  const out = openSync(stdoutFile, 'w');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, fullArgs, { cwd, env, stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    let hwm: number | null = null;
    child.stderr?.on('data', (d) => (stderr += d));
    const poll = useTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm ?? 0, Number(m[1]));
          } catch {
            /* process gone or no /proc */
          }
        }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (poll) clearInterval(poll);
      closeSync(out);
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
      const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
      const cpuMs = user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : null;
      resolve({ wallMs, cpuMs, peakRssKb: m ? Number(m[1]) : hwm, code: code ?? 1, stderr });
    });
  });
}

/** Every file below `dir`, in name order. */
export function filesIn(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesIn(p));
    else out.push(p);
  }
  return out;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const mb = (bytes: number) => bytes / 1e6;
export const fmtMs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const cpu = (m: Measured) => (m.cpuMs === null ? '' : `; CPU ${fmtMs(m.cpuMs)}`);
export const fmtRss = (kb: number | null) => (kb === null ? 'unknown' : `${(kb / 1024).toFixed(0)} MiB`);
