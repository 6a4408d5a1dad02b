/**
 * The child-process port the Python 2.7 checkers use, and its real adapter (node:child_process).
 * Arguments are always an array (never a shell string); stdin carries the data.
 */
import { spawn } from 'node:child_process';

/** What a finished child process produced. `code` is null when it was killed (timeout, signal). */
export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the timeout ended it. */
  readonly timedOut: boolean;
}

/** Runs one program. `input` is written to its stdin; a missing program resolves with code 127. */
export interface ProcessRunner {
  run(command: string, args: readonly string[], options: { input?: string; timeoutMs: number }): Promise<ProcessResult>;
}

/** The real runner: `spawn` without a shell; stdout/stderr read as UTF-8. */
export const nodeProcessRunner: ProcessRunner = {
  run(command, args, { input, timeoutMs }) {
    return new Promise((resolve) => {
      let child;
      try {
        child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
      } catch (err) {
        resolve({ code: 127, stdout: '', stderr: String((err as Error).message), timedOut: false });
        return;
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let settled = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const finish = (code: number | null, extra = '') => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({
          code,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8') + extra,
          timedOut,
        });
      };
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ENOENT' ? 127 : null, e.message));
      child.on('close', (code) => finish(code));
      child.stdin.on('error', () => undefined); // the child may exit before reading everything
      child.stdin.end(input ?? '');
    });
  },
};
