/**
 * The command list. Each `src/cli/<name>.ts` exports `register(program)`, which declares the command and
 * its options and imports its phase lazily inside the action, so `--help` stays fast.
 * Add a line here for a new command (small edit, never rewrite this file).
 */
import type { Command } from '@commander-js/extra-typings';

export type Register = (program: Command) => void;

export const COMMAND_MODULES: Array<() => Promise<{ register: Register }>> = [
  () => import('./aggregate.ts'),
  () => import('./diagnose.ts'),
  () => import('./test.ts'),
  () => import('./postmortem.ts'),
  () => import('./loop.ts'),
  () => import('./start.ts'),
  () => import('./watch.ts'),
  () => import('./sandbox.ts'),
  () => import('./apply.ts'),
  () => import('./rollback.ts'),
  () => import('./export.ts'),
  () => import('./reapply.ts'),
  () => import('./doctor.ts'),
  () => import('./survey.ts'),
];
