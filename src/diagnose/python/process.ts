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

/** A long-running child that talks in lines (one request line in, result lines out). */
export interface LineProcess {
  /** Writes one line (a newline is added). */
  write(line: string): void;
  /** Called for every stdout line. */
  onLine(listener: (line: string) => void): void;
  /** Called once when the child ends (code null when killed), with the last stderr text. */
  onExit(listener: (code: number | null, stderr: string) => void): void;
  /** Ends stdin (the child exits at end of input) and kills it if it is still there after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** Starts line processes. */
export interface LineProcessSpawner {
  spawn(command: string, args: readonly string[]): LineProcess;
}

/**
 * The real spawner. The child is unref'd, so a forgotten process never keeps plexmend alive; when
 * plexmend exits, the child's stdin closes and it ends on its own.
 */
export const nodeLineProcessSpawner: LineProcessSpawner = {
  spawn(command, args) {
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const lineListeners: ((line: string) => void)[] = [];
    const exitListeners: ((code: number | null, stderr: string) => void)[] = [];
    let buffer = '';
    let stderr = '';
    let exited = false;
    let exitCode: number | null = null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        for (const l of lineListeners) l(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const finish = (code: number | null) => {
      if (exited) return;
      exited = true;
      exitCode = code;
      for (const l of exitListeners) l(code, stderr);
    };
    child.on('error', () => finish(127));
    child.on('close', (code) => finish(code));
    child.stdin.on('error', () => undefined);
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
    return {
      write(line) {
        if (!exited) child.stdin.write(`${line}\n`);
      },
      onLine(listener) {
        lineListeners.push(listener);
      },
      onExit(listener) {
        if (exited) listener(exitCode, stderr);
        else exitListeners.push(listener);
      },
      close(graceMs = 2000) {
        return new Promise((resolve) => {
          if (exited) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          exitListeners.push(() => {
            clearTimeout(timer);
            resolve();
          });
          child.stdin.end();
        });
      },
    };
  },
};
