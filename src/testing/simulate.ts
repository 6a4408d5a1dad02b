/**
 * Monte Carlo check of the decision procedure: how often it keeps a fix whose true success rate is p, and
 * how many refreshes it spends, sequentially (curtailed) and with a fixed sample. Seeded, so a run replays.
 */
import { decide, settledDecision, DEFAULT_THRESHOLDS, type DecisionInput, type DecisionName, type Thresholds } from './decide.ts';

/** mulberry32: a small, fast, seeded generator (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulationCase {
  /** True success rate of the fix on items that did not recover alone. */
  trueRate: number;
  /** True rate at which failing items recover without any fix (transient failures). */
  controlRate: number;
  /** Items in the sample (the control refreshes all of them first). */
  planned: number;
  runs: number;
  seed: number;
  thresholds?: Thresholds;
}

export interface SimulationResult {
  runs: number;
  decisions: { sequential: Record<DecisionName, number>; fixed: Record<DecisionName, number> };
  meanRefreshes: { sequential: number; fixed: number };
}

const zero = (): Record<DecisionName, number> => ({ KEEP: 0, MONITOR: 0, ROLLBACK: 0, INCONCLUSIVE: 0 });

/** Runs the whole test procedure `runs` times: control, then treatment with and without early stopping. */
export function simulate(c: SimulationCase): SimulationResult {
  const rnd = seededRandom(c.seed);
  const t = c.thresholds ?? DEFAULT_THRESHOLDS;
  const seq = zero();
  const fixed = zero();
  let seqRefreshes = 0;
  let fixedRefreshes = 0;
  for (let r = 0; r < c.runs; r++) {
    // Control: every item refreshed once without the fix; those that recover leave the sample.
    let recovered = 0;
    for (let i = 0; i < c.planned; i++) if (rnd() < c.controlRate) recovered++;
    const control = { successes: recovered, trials: c.planned };
    const sample = c.planned - recovered;
    const outcomes = Array.from({ length: sample }, () => rnd() < c.trueRate);
    const base = (k: number, n: number): DecisionInput => ({
      mode: 'items',
      observed: { successes: k, trials: n },
      control,
      primaryMetricMet: n > 0 && k / n >= t.keepRate ? true : false,
      critical: [],
      health: { logGap: false, serverDown: false, siteDown: false, refreshes: n, incomplete: 0 },
    });
    // Fixed: all of them, then decide.
    const kAll = outcomes.filter(Boolean).length;
    fixed[decide(base(kAll, sample), t).decision]++;
    fixedRefreshes += c.planned + sample;
    // Sequential: stop as soon as the decision is settled.
    let k = 0;
    let n = 0;
    let settled: DecisionName | null = null;
    while (n < sample) {
      if (outcomes[n]) k++;
      n++;
      settled = settledDecision(base(k, n), sample, t);
      if (settled) break;
    }
    seq[settled ?? decide(base(k, n), t).decision]++;
    seqRefreshes += c.planned + n;
  }
  return {
    runs: c.runs,
    decisions: { sequential: seq, fixed },
    meanRefreshes: { sequential: seqRefreshes / c.runs, fixed: fixedRefreshes / c.runs },
  };
}
