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
export type { Recovery } from './journal.ts';
