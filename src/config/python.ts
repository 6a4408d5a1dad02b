/**
 * Which Python 2.7 checker patch validation can use (DESIGN.md phase 2, point 5): a real interpreter when one
 * is found — the configured one, then `jython`, `python2.7`, `python2`, `pypy` on PATH (a `python2`/`pypy` that
 * reports another major version is skipped) — else the parser-level fallback, which the reports name.
 */
import type { ConfigDeps, DoctorFs } from './ports.ts';

export const PYTHON27_CANDIDATES = ['jython', 'python2.7', 'python2', 'pypy'] as const;

export interface PythonChecker {
  kind: 'interpreter' | 'parser-level fallback';
  command?: string;
  path?: string;
  version?: string;
  /** Commands looked at and why each was not used. */
  skipped: string[];
}

/** Finds the checker; `configured` (plexmend.yaml `python`, PLEXMEND_PYTHON) is tried first. */
export async function findPython27(fs: DoctorFs, run: ConfigDeps['run'], configured?: string): Promise<PythonChecker> {
  const skipped: string[] = [];
  const names = [...(configured ? [configured] : []), ...PYTHON27_CANDIDATES];
  for (const name of names) {
    const path = name.includes('/') || name.includes('\\') ? ((await fs.exists(name)) ? name : undefined) : await fs.which(name);
    if (!path) {
      skipped.push(`${name}: not found`);
      continue;
    }
    if (name === 'jython') return { kind: 'interpreter', command: name, path, skipped };
    // Python 2 prints its version on stderr.
    const r = await run(path, ['--version'], 15_000);
    const text = `${r.stdout} ${r.stderr}`;
    const m = /Python (\d+\.\d+(?:\.\d+)?)/.exec(text);
    if (r.code === 0 && m && m[1]!.startsWith('2.7')) return { kind: 'interpreter', command: name, path, version: m[1], skipped };
    skipped.push(`${name}: ${m ? `Python ${m[1]}, not 2.7` : 'did not report a version'}`);
  }
  return { kind: 'parser-level fallback', skipped };
}
