/**
 * Phase 3 — implement: change agent code safely. Entry points (everything else here is internal):
 * `applyFix`, `rollbackFix`, `recover` (call at the start of apply/rollback/loop), `clearAgentCache`
 * (before control and treatment), `exportFixes` / `reapplyExports`, `contextFromConfig`, and the FixPlan
 * contract diagnose emits (`FixPlanDocument`, `planFromProposals`).
 */
export { applyFix, type ApplyOptions, type ApplyResult } from './apply.ts';
export { rollbackFix, rollbackIteration, type RollbackOptions, type RollbackResult } from './rollback.ts';
export { recover, type ImplementContext, type ImplementDeps } from './context.ts';
export { clearAgentCache, type CacheClearResult } from './cache.ts';
export { exportFixes, reapplyExports, type ReapplyOutcome } from './export.ts';
export { contextFromConfig, type SetupIo } from './setup.ts';
export { FixPlanDocument, FixPlanSchema, planFromProposals, type FixPlan, type FixPlanInput, type FileChange } from './plan.ts';
export { ImplementationLogDocument, readLog, readHistory, fileAsOf, type FixRecord, type ImplementationLog, type FixStatus } from './history.ts';
export { RESTART_STRATEGIES, DEFAULT_RESTART_ORDER, type PlexControl, type LogTail, type RestartStrategyName } from './restart.ts';
export { restartOrderFromLessons, restartAttemptsForLessons } from './lessons.ts';
export type { CodeChecker } from './validate.ts';
export { memoryFs, type MemFs } from './memfs.ts';
export { nodeFs, type ImplementFs } from './files.ts';
export type { Recovery } from './journal.ts';

import { clearAgentCache as clearOne } from './cache.ts';
import { nodeFs } from './files.ts';
import { layoutFor } from './scope.ts';

/** Clears the HTTP caches of these agents in a Plug-ins folder on disk (re-test hygiene for control and treatment). */
export async function clearAgentCaches(pluginsDir: string, supportDir: string | undefined, bundleIds: string[]): Promise<number> {
  let removed = 0;
  for (const id of bundleIds) removed += (await clearOne(layoutFor(pluginsDir, supportDir), id, nodeFs)).removed.length;
  return removed;
}
