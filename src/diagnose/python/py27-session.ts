/**
 * A Python 2.7 interpreter kept running between checks. Jython is a JVM: each start costs seconds
 * (tens on a loaded machine), and diagnose and implement check one proposal at a time; a session pays
 * the start once. Same results as {@link interpreterPy27Checker}; the protocol is one JSON batch per
 * line in, one result line per file plus `{"done": true}` out.
 */
import type { LineProcess, LineProcessSpawner, ProcessRunner } from './process.ts';
import {
  byDistinctContent,
  interpretResultLines,
  PY27_SERVER_PROGRAM,
  selectPy27Checker,
  type Py27Checker,
  type Py27Report,
  type Py27SelectOptions,
  type PythonSource,
} from './py27.ts';

/** A checker that owns a process: call `close()` when done (an unclosed one ends when plexmend exits). */
export interface Py27Session extends Py27Checker {
  close(): Promise<void>;
}

/**
 * A persistent interpreter checker. Checks run one at a time; if the process dies or a batch takes
 * longer than `timeoutMs`, the check throws (so {@link checkPython27} falls back to the parser) and the
 * next check starts a fresh process.
 */
export function persistentPy27Checker(spawner: LineProcessSpawner, command: string, version: string, timeoutMs = 180_000): Py27Session {
  let proc: LineProcess | null = null;
  let pending: { lines: string[]; resolve: (lines: string[]) => void; reject: (e: Error) => void } | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  const start = (): LineProcess => {
    const p = spawner.spawn(command, ['-c', PY27_SERVER_PROGRAM]);
    p.onLine((line) => {
      if (!pending) return;
      if (/^\s*\{"done": true\}\s*$/.test(line)) {
        const done = pending;
        pending = null;
        done.resolve(done.lines);
      } else pending.lines.push(line);
    });
    p.onExit((code, stderr) => {
      if (proc === p) proc = null;
      if (pending) {
        const failed = pending;
        pending = null;
        const why = stderr.trim().split('\n').slice(-1)[0] ?? '';
        failed.reject(new Error(`${command} exited (code ${code})${why ? `: ${why}` : ''}`));
      }
    });
    return p;
  };

  const batch = (unique: readonly (PythonSource & { id: string })[]): Promise<string[]> =>
    new Promise<string[]>((resolve, reject) => {
      proc ??= start();
      const p = proc;
      const timer = setTimeout(() => {
        if (!pending) return;
        pending = null;
        if (proc === p) proc = null;
        void p.close(0);
        reject(new Error(`${command} did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      pending = {
        lines: [],
        resolve: (lines) => {
          clearTimeout(timer);
          resolve(lines);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      p.write(JSON.stringify(unique.map((f) => ({ id: f.id, path: f.path, text: f.text }))));
    });

  return {
    info: { kind: 'interpreter', name: command, version },
    check(files) {
      const run = queue.then(() =>
        byDistinctContent(files, async (unique) => {
          if (unique.length === 0) return new Map();
          return interpretResultLines(await batch(unique), unique, command, '');
        }),
      );
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await queue;
      const p = proc;
      proc = null;
      if (p) await p.close();
    },
  };
}

/**
 * {@link selectPy27Checker}, but an interpreter found is kept running ({@link persistentPy27Checker}).
 * The parser needs no process; its `close()` does nothing.
 */
export async function selectPy27Session(
  runner: ProcessRunner,
  spawner: LineProcessSpawner,
  options: Py27SelectOptions = {},
): Promise<{ checker: Py27Session; tried: Py27Report['tried'] }> {
  const { checker, tried } = await selectPy27Checker(runner, options);
  if (checker.info.kind === 'parser') return { checker: { ...checker, close: async () => undefined }, tried };
  return { checker: persistentPy27Checker(spawner, checker.info.name, checker.info.version), tried };
}
