/**
 * The loop's exit rules, one pure function of the panel figures and what is left to try (DESIGN.md
 * §Phase 5). Judged on the fixed panel, so the figure does not depend on which items a test touched.
 */
import type { LoopExit, PanelFigure } from './schema.ts';

export interface ExitInput {
  figures: PanelFigure[];
  goal: number;
  iteration: number;
  maxIterations: number;
  /** Offered code fixes not yet tried or parked, for the next iteration. */
  actionableLeft: number;
  /** Improvement under which an iteration counts towards a plateau (absolute share). */
  plateauDelta?: number;
  /** A drop of the panel's success larger than this is a regression. */
  regressionDelta?: number;
}

const EPS = 1e-9;

export function exitFor(i: ExitInput): { reason: LoopExit; detail: string } | null {
  const f = i.figures;
  const now = f[f.length - 1];
  const prev = f[f.length - 2];
  if (!now) return null;
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const regression = i.regressionDelta ?? 0.05;
  // Shares are ratios of small counts (5/20 − 4/20 = 0.04999…): compare with a tolerance so an exact 5 % counts as 5 %.
  if (prev && now.success < prev.success - regression - EPS) {
    return { reason: 'FAILURE', detail: `the panel regressed from ${pct(prev.success)} to ${pct(now.success)}: this iteration's fixes are rolled back` };
  }
  if (now.success >= i.goal - EPS) return { reason: 'SUCCESS', detail: `the panel reached ${pct(now.success)} (goal ${pct(i.goal)})` };
  const delta = i.plateauDelta ?? 0.05;
  if (f.length >= 3) {
    const last2 = [f[f.length - 1]!.success - f[f.length - 2]!.success, f[f.length - 2]!.success - f[f.length - 3]!.success];
    if (last2.every((d) => d < delta - EPS)) return { reason: 'PLATEAU', detail: `less than ${pct(delta)} improvement on the panel for 2 iterations (${last2.map((d) => pct(d)).join(', ')})` };
  }
  if (i.iteration >= i.maxIterations) return { reason: 'MAX_ITERATIONS', detail: `${i.maxIterations} iterations run; the panel is at ${pct(now.success)}` };
  if (i.actionableLeft === 0) return { reason: 'EXHAUSTED', detail: `no actionable fix left; the panel is at ${pct(now.success)}, the goal ${pct(i.goal)}` };
  return null;
}
