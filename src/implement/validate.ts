/**
 * Immediate validation of a change: the touched Python files compile as Python 2.7 and keep the plug-in
 * sandbox's naming rules (Plex runs agent code under RestrictedPython: a new name starting with `_` stops
 * the plug-in from loading), then — after the restart — the plug-in's log shows no new CRITICAL or traceback
 * other than framework noise within a short window. The checker is injected (diagnose/python provides the
 * real ones: a Python 2.7 interpreter or a parser-level check).
 */
import type { Validation } from './history.ts';
import type { LogTail } from './restart.ts';
import { scanWindow } from './logwindow.ts';

/** Python 2.7 compile + naming-rule checker over files (absolute paths). */
export interface CodeChecker {
  /** `before` holds each file's text before the change (absent for new files), so only new violations count. */
  checkFiles(paths: string[], before?: ReadonlyMap<string, string>): Promise<{ ok: boolean; checker: string; errors: Array<{ file: string; line: number; message: string }> }>;
}

/** Step 1, before any restart: the code checks on the touched `.py` files. */
export async function checkCode(checker: CodeChecker | undefined, files: string[], before?: ReadonlyMap<string, string>): Promise<Pick<Validation, 'checker' | 'codeErrors' | 'reasons'> & { ok: boolean }> {
  const py = files.filter((f) => f.endsWith('.py'));
  if (py.length === 0) return { ok: true, checker: 'none (no Python file touched)', codeErrors: [], reasons: [] };
  if (!checker) return { ok: true, checker: 'none', codeErrors: [], reasons: ['no Python 2.7 checker available: compile and naming rules were NOT checked'] };
  const r = await checker.checkFiles(py, before);
  const reasons = r.ok ? [] : [`${r.checker} rejected the change: ` + r.errors.slice(0, 3).map((e) => `${e.file}:${e.line}: ${e.message}`).join('; ')];
  return { ok: r.ok, checker: r.checker, codeErrors: r.errors, reasons };
}

/**
 * Step 2, after the restart: waits `windowMs`, then scans each restarted plug-in's log from its fresh start.
 */
export async function checkLogs(
  deps: { logs: LogTail; sleep(ms: number): Promise<void> },
  restarted: string[],
  markers: Map<string, Set<string>>,
  windowMs: number,
): Promise<Pick<Validation, 'logFindings' | 'noiseIgnored' | 'reasons'> & { ok: boolean }> {
  if (restarted.length === 0) return { ok: true, logFindings: [], noiseIgnored: 0, reasons: [] };
  await deps.sleep(windowMs);
  const logFindings: Validation['logFindings'] = [];
  let noiseIgnored = 0;
  for (const id of restarted) {
    const scan = scanWindow((await deps.logs.read(id)) ?? '', markers.get(id) ?? new Set());
    noiseIgnored += scan.noise;
    for (const f of scan.findings) logFindings.push({ bundleId: id, line: f.head });
  }
  const reasons = logFindings.length
    ? [`new error in the plug-in log after the restart: ${logFindings[0]!.line.slice(0, 240)}${logFindings.length > 1 ? ` (+${logFindings.length - 1} more)` : ''}`]
    : [];
  return { ok: logFindings.length === 0, logFindings, noiseIgnored, reasons };
}
