/**
 * The workspace layout (DESIGN.md): `plex_improvement/` by default, one `iteration_N/` folder per loop
 * iteration. Every path a phase reads or writes is built here, never by hand elsewhere.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DEFAULT_WORKSPACE = 'plex_improvement';

export interface Workspace {
  readonly root: string;
}

export function workspaceAt(dir: string = DEFAULT_WORKSPACE, cwd: string = process.cwd()): Workspace {
  return { root: resolve(cwd, dir) };
}

/** Highest existing iteration number, or 0 when there is none yet. */
export function latestIteration(ws: Workspace): number {
  let max = 0;
  let names: string[] = [];
  try {
    names = readdirSync(ws.root);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = /^iteration_(\d+)$/.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

/** The iteration a phase works in when none is named: the latest, or 1 for a new workspace. */
export function currentIteration(ws: Workspace): number {
  return Math.max(1, latestIteration(ws));
}

export const paths = {
  iterationDir: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`),
  aggregateText: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'aggregated_logs_baseline.txt'),
  aggregateJson: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'aggregated_logs_baseline.json'),
  diagnosisMd: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'diagnostic_report.md'),
  diagnosisJson: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'diagnostic_report.json'),
  backupsDir: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, '_BACKUPS'),
  implementationLog: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'implementation_log.json'),
  testReportMd: (ws: Workspace, n: number, fix: number) => join(ws.root, `iteration_${n}`, `test_report_fix${fix}.md`),
  testReportJson: (ws: Workspace, n: number, fix: number) => join(ws.root, `iteration_${n}`, `test_report_fix${fix}.json`),
  /** The control run of a fix (before it was applied), read by the test after it. */
  controlRun: (ws: Workspace, n: number, fix: number) => join(ws.root, `iteration_${n}`, `control_fix${fix}.json`),
  loopState: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'loop_state.json'),
  postMortemJson: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'post_mortem_analysis.json'),
  postMortemMd: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'post_mortem_analysis.md'),
  lessonsLearnedMd: (ws: Workspace, n: number) => join(ws.root, `iteration_${n}`, 'lessons_learned.md'),
  finalReportMd: (ws: Workspace) => join(ws.root, 'final_comprehensive_report.md'),
  reportHtml: (ws: Workspace) => join(ws.root, 'report.html'),
  lessons: (ws: Workspace) => join(ws.root, 'lessons.json'),
  /** Drain-style template ids, stable across runs. */
  templates: (ws: Workspace) => join(ws.root, 'templates.json'),
  /** Read positions of the plug-in log files (incremental reading). */
  bookmarks: (ws: Workspace) => join(ws.root, 'bookmarks.json'),
  /** The durable copy of the plug-in logs kept by `plexmend watch`. */
  archiveDir: (ws: Workspace) => join(ws.root, 'log_archive'),
  /** Kept fixes exported as patch files. */
  exportsDir: (ws: Workspace) => join(ws.root, 'patches'),
  /** Phase 3's write-ahead journal of the change in progress (implement/journal.ts). */
  implementJournal: (ws: Workspace) => join(ws.root, 'implement_journal.json'),
  /** A fix plan (plexmend.fixplan/1) as diagnose writes it for `plexmend apply <fix>`. */
  fixPlan: (ws: Workspace, n: number, fix: number) => join(ws.root, `iteration_${n}`, `fix${fix}.plan.json`),
  lock: (ws: Workspace) => join(ws.root, '.lock'),
};
