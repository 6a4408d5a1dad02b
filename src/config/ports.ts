/**
 * The outside world config/ and doctor need, as small injected interfaces (STYLE habit 4), with the real
 * adapters. Tests pass in-memory ones: a file map, a fake command runner, a pid table.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { execFile } from 'node:child_process';
import { processAlive } from '../io/process.ts';
import { isDirectory } from '../io/dir.ts';

/** Result of an external command; `code` -1 when it could not be started (not installed). */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ConfigDeps {
  /** File text; rejects with an errno-style `code` (ENOENT, EACCES…). */
  readText(path: string): Promise<string>;
  isDirectory(path: string): Promise<boolean>;
  /** Runs a command with an argument array (never a shell string). */
  run(cmd: string, args: string[], timeoutMs?: number): Promise<RunResult>;
  /** True when a process with that id exists. */
  pidAlive(pid: number): boolean;
}

/** Extra questions `plexmend doctor` asks. */
export interface DoctorFs {
  list(dir: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  writable(path: string): Promise<boolean>;
}

export const nodeConfigDeps: ConfigDeps = {
  readText: (path) => readFile(path, 'utf8'),
  isDirectory,
  run: (cmd, args, timeoutMs = 10_000) =>
    new Promise((resolve) => {
      execFile(cmd, args, { timeout: timeoutMs, windowsHide: true, encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? -1 : 1) : 0;
        resolve({ code, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') });
      });
    }),
  pidAlive: processAlive,
};

/** The real DoctorFs. */
export const nodeDoctorFs: DoctorFs = {
  list: (dir) => readdir(dir),
  async exists(path) {
    try {
      await access(path, constants.F_OK);
      return true;
    } catch {
      return false;
    }
  },
  async writable(path) {
    try {
      await access(path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
};
