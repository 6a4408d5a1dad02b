/**
 * The decision on a fix: one pure function of what the test measured (DESIGN.md §Phase 4).
 *
 * KEEP — success ≥ 75 %, Wilson lower bound ≥ 50 %, better than the control (exact binomial test) and the
 * primary expected metric met; MONITOR — 50–74 %, or not yet significant; ROLLBACK — < 50 %, or a confirmed
 * critical signal in the touched bundles; INCONCLUSIVE — refreshes did not complete, server or site down, a
 * gap in the log window, too little data. Side effects (a new status or class elsewhere) are not vetoes.
 */
import { binomialUpperTail, wilson, type Interval } from './stats.ts';

export const DECISIONS = ['KEEP', 'MONITOR', 'ROLLBACK', 'INCONCLUSIVE'] as const;
export type DecisionName = (typeof DECISIONS)[number];

/** Signals that roll a fix back at once (each confirmed by one retry before it gets here). */
export const CRITICAL_SIGNALS = ['plugin_failed_to_start', 'new_traceback', 'regression_guard_failed'] as const;
export type CriticalSignal = (typeof CRITICAL_SIGNALS)[number];

export interface Thresholds {
  /** Minimum success rate to keep. */
  keepRate: number;
  /** Minimum Wilson lower bound to keep. */
  keepLowerBound: number;
  /** Below this rate the fix is rolled back. */
  rollbackBelow: number;
  /** Significance level of the one-sided test against the control's baseline. */
  alpha: number;
  /** Fewer trials with data than this is INCONCLUSIVE. */
  minTrials: number;
  /** Share of refreshes that did not complete above which the test is INCONCLUSIVE. */
  maxIncompleteShare: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  keepRate: 0.75,
  keepLowerBound: 0.5,
  rollbackBelow: 0.5,
  alpha: 0.05,
  minTrials: 5,
  maxIncompleteShare: 0.5,
};

export interface Count {
  successes: number;
  trials: number;
}

export interface DecisionInput {
  /** `items`: item success; `requests`: share of requests free of the targeted transient error. */
  mode: 'items' | 'requests';
  /** Observed with the fix: trials = items (or requests) that produced data. */
  observed: Count;
  /** The control's baseline (items that recovered without the fix, or the control's clean-request share). */
  control: Count | null;
  /** Whether the fix's primary expected metric was met; null when it could not be measured. */
  primaryMetricMet: boolean | null;
  /** Confirmed critical signals in the touched bundles. */
  critical: CriticalSignal[];
  health: {
    /** Bytes of the test's log window were rotated away before they were read. */
    logGap: boolean;
    serverDown: boolean;
    /** The site failed every request (down, or blocking everyone): no fix could have shown. */
    siteDown: boolean;
    /** Refreshes started and those that did not complete (timed out). */
    refreshes: number;
    incomplete: number;
  };
}

export interface Decision {
  decision: DecisionName;
  reasons: string[];
  rate: number | null;
  interval: Interval;
  /** One-sided exact p-value against the control's baseline rate; null without a control. */
  pValue: number | null;
  baselineRate: number | null;
}

/** Decides KEEP / MONITOR / ROLLBACK / INCONCLUSIVE. Pure; table-tested. */
export function decide(input: DecisionInput, t: Thresholds = DEFAULT_THRESHOLDS): Decision {
  const { successes: k, trials: n } = input.observed;
  const rate = n > 0 ? k / n : null;
  const interval = wilson(k, n);
  const baselineRate = input.control && input.control.trials > 0 ? input.control.successes / input.control.trials : null;
  const pValue = baselineRate === null ? null : binomialUpperTail(k, n, baselineRate);
  const out = (decision: DecisionName, reasons: string[]): Decision => ({ decision, reasons, rate, interval, pValue, baselineRate });

  if (input.critical.length > 0) {
    return out('ROLLBACK', input.critical.map((s) => `critical signal: ${s.replace(/_/g, ' ')}`));
  }
  const blockers: string[] = [];
  if (input.health.serverDown) blockers.push('the Plex server was down during the test');
  if (input.health.siteDown) blockers.push('the site failed every request: no fix could have shown');
  if (input.health.logGap) blockers.push('log lines of the test window were rotated away before they were read');
  const { refreshes, incomplete } = input.health;
  if (refreshes > 0 && incomplete / refreshes > t.maxIncompleteShare) {
    blockers.push(`${incomplete} of ${refreshes} refreshes did not complete`);
  }
  if (n < t.minTrials) blockers.push(`only ${n} ${input.mode} produced data (need ${t.minTrials})`);
  if (blockers.length > 0) return out('INCONCLUSIVE', blockers);

  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const rateText = `${k}/${n} = ${pct(rate!)} (95 % CI ${pct(interval.low)}–${pct(interval.high)})`;
  if (rate! < t.rollbackBelow) return out('ROLLBACK', [`success ${rateText} is below ${pct(t.rollbackBelow)}`]);

  const wanting: string[] = [];
  if (rate! < t.keepRate) wanting.push(`success ${rateText} is below ${pct(t.keepRate)}`);
  if (interval.low < t.keepLowerBound) wanting.push(`lower bound ${pct(interval.low)} is below ${pct(t.keepLowerBound)}: not yet significant`);
  if (baselineRate !== null && pValue! > t.alpha) {
    wanting.push(`not better than the control's ${pct(baselineRate)} (p = ${pValue!.toFixed(3)} > ${t.alpha})`);
  }
  if (input.primaryMetricMet === false) wanting.push('the primary expected metric was not met');
  if (input.primaryMetricMet === null) wanting.push('the primary expected metric could not be measured');
  if (wanting.length > 0) return out('MONITOR', wanting);

  const why = [`success ${rateText}`, 'primary expected metric met'];
  if (baselineRate !== null) why.push(`better than the control's ${pct(baselineRate)} (p = ${pValue!.toFixed(4)})`);
  else why.push('no control baseline (no item recovered on its own)');
  return out('KEEP', why);
}

const ORDER: Record<DecisionName, number> = { INCONCLUSIVE: -1, ROLLBACK: 0, MONITOR: 1, KEEP: 2 };

/**
 * Sequential stopping by curtailment: with `planned` trials in the plan and `observed` so far, the decision
 * is settled when the worst and the best completion of the plan decide the same (decide() is monotone in
 * successes). Stopping then cannot change the answer, so the error rates are those of the full fixed plan.
 * Returns the settled decision, or null to go on.
 */
export function settledDecision(input: DecisionInput, planned: number, t: Thresholds = DEFAULT_THRESHOLDS): DecisionName | null {
  const { successes: k, trials: n } = input.observed;
  const remaining = Math.max(0, planned - n);
  const at = (succ: number): DecisionName =>
    decide({ ...input, observed: { successes: succ, trials: n + remaining } }, t).decision;
  const worst = at(k);
  const best = at(k + remaining);
  if (worst === best && ORDER[worst] >= 0) return worst;
  return null;
}
