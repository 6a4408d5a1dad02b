/**
 * Real adapters for the Phase 3 ports: the plug-in log tail (reads `PMS Plugin Logs/<id>.log`), the
 * process runner (execFile with an argument array, never a shell string, never sudo), a terminal prompt,
 * the clock and `isAlive(pid)`.
 */
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { checkBundleId } from './scope.ts';
import type { LogTail, ProcessRunner } from './restart.ts';

/** Reads the last `maxBytes` of `<logsDir>/<bundle id>.log` (the current file; a start rotates it). */
export function fileLogTail(logsDir: string, maxBytes = 512 * 1024): LogTail {
  return {
    async read(bundleId) {
      const path = join(logsDir, `${checkBundleId(bundleId)}.log`);
      let fh;
      try {
        fh = await open(path, 'r');
      } catch {
        return undefined;
      }
      try {
        const { size } = await fh.stat();
        const start = Math.max(0, size - maxBytes);
        const buf = Buffer.alloc(size - start);
        await fh.read(buf, 0, buf.length, start);
        return buf.toString('utf8');
      } finally {
        await fh.close();
      }
    },
  };
}

/** Runs programs with execFile (argument arrays; a non-zero exit is a result, not an exception). */
export const execRunner: ProcessRunner = {
  run: (cmd, args) =>
    new Promise((resolve) => {
      execFile(cmd, args, { timeout: 120_000, windowsHide: true }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 127) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr || (err ? err.message : '')) });
      });
    }),
};

/** A y/N question on the terminal; false when there is no terminal to ask. */
export function terminalPrompt(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr) {
  return async (question: string): Promise<boolean> => {
    if (!input.isTTY) return false;
    const rl = createInterface({ input, output });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}

/** Whether a process exists: the journal's owner check uses the same liveness test as the lock files. */
export { processAlive as isAlive } from '../io/process.ts';

export const realClock = { now: () => new Date(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
