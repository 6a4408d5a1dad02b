/**
 * Which Python 2.7 checker patch validation will use (DESIGN.md phase 2, point 5), reported by
 * `plexmend doctor`. The choice is made by the validator's own selector (src/diagnose/python/py27.ts:
 * the configured interpreter, then `python2.7`, `python2`, `pypy`, `jython`, each probed by running it; else the
 * tree-sitter parser-level fallback), so doctor says exactly what `apply` and `diagnose` will do.
 */
import { selectPy27Checker } from '../diagnose/python/py27.ts';
import type { ProcessRunner } from '../diagnose/python/process.ts';

export interface PythonChecker {
  kind: 'interpreter' | 'parser-level fallback';
  command?: string;
  version?: string;
  /** Candidates looked at and why each was not used. */
  skipped: string[];
}

/** Probes the interpreters (configured one first). Never throws: the parser is always there. */
export async function findPython27(runner: ProcessRunner, configured?: string): Promise<PythonChecker> {
  const { checker, tried } = await selectPy27Checker(runner, { configured });
  const skipped = tried.filter((t) => !t.used).map((t) => `${t.candidate}: ${t.reason}`);
  if (checker.info.kind === 'interpreter') return { kind: 'interpreter', command: checker.info.name, version: checker.info.version, skipped };
  return { kind: 'parser-level fallback', skipped };
}
