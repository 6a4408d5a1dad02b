/**
 * Expected vs actual. Counts from two log windows of different lengths are not comparable, so every
 * metric is read per refresh: the control window (the same items refreshed without the fix) is "before",
 * the treatment window "after". Rates (match rate) are read as they are.
 */
import { readMetric, type LogReport } from '../logs/schema.ts';
import type { Expectation, MetricExpectation } from '../diagnose/schema.ts';
import type { MetricResult, SideEffect } from './schema.ts';

export interface Window {
  report: LogReport;
  refreshes: number;
}

/** A metric's value per refresh (counts) or as is (rates). */
export function perRefresh(w: Window, path: string): number | null {
  const v = readMetric(w.report, path);
  if (v === null) return null;
  if (/Rate$/.test(path)) return v;
  return w.refreshes > 0 ? v / w.refreshes : null;
}

/** Scores one expected movement. */
export function scoreMetric(m: MetricExpectation, before: number | null, after: number | null): boolean | null {
  if (before === null || after === null) return null;
  const t = m.threshold?.value ?? 0;
  const rel = m.threshold?.kind !== 'absolute';
  switch (m.direction) {
    case 'decrease':
      return before === 0 ? after === 0 : rel ? (before - after) / before >= t : before - after >= t;
    case 'increase':
      return rel ? (before === 0 ? after > 0 : (after - before) / before >= t) : after - before >= t;
    case 'zero':
      return after === 0;
    case 'stay':
      return Math.abs(after - before) <= Math.max(0.05, Math.abs(before) * 0.25);
  }
}

/** For failure indicators, "met" means the bad thing happened: the metric rose. */
function rose(before: number | null, after: number | null): boolean | null {
  if (before === null || after === null) return null;
  return after > before * 1.5 && after - before > 0.05;
}

const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

export function scoreExpectation(e: Expectation, control: Window, treatment: Window): MetricResult[] {
  const out: MetricResult[] = [];
  const read = (m: MetricExpectation) => [r3(perRefresh(control, m.path)), r3(perRefresh(treatment, m.path))] as const;
  const [pb, pa] = read(e.primary);
  out.push({ expectation: e.primary, role: 'primary', before: pb, after: pa, met: scoreMetric(e.primary, pb, pa) });
  for (const m of e.secondary) {
    const [b, a] = read(m);
    out.push({ expectation: m, role: 'secondary', before: b, after: a, met: scoreMetric(m, b, a) });
  }
  for (const m of e.failureIndicators) {
    const [b, a] = read(m);
    out.push({ expectation: m, role: 'failure_indicator', before: b, after: a, met: rose(b, a), note: 'met = the failure happened' });
  }
  return out;
}

/**
 * Side effects: watched metrics (and any class or status either window has for the agents) that rose —
 * from nothing to something, or by half and more. Reported and passed on, never a veto.
 */
export function sideEffects(e: Expectation, control: Window, treatment: Window, agents: string[]): SideEffect[] {
  const paths = new Set(e.watch);
  for (const m of e.failureIndicators) paths.add(m.path);
  for (const w of [control, treatment]) {
    for (const a of agents) {
      const s = w.report.agents[a];
      if (!s) continue;
      for (const c of Object.keys(s.byClass)) paths.add(`/agents/${esc(a)}/byClass/${c}`);
      for (const [host, statuses] of Object.entries(s.http.byHost)) for (const st of Object.keys(statuses)) paths.add(`/agents/${esc(a)}/http/byHost/${esc(host)}/${st}`);
    }
  }
  paths.delete(e.primary.path);
  const out: SideEffect[] = [];
  for (const path of [...paths].sort()) {
    if (/Rate$/.test(path)) continue;
    const before = readMetric(control.report, path) ?? 0;
    const after = readMetric(treatment.report, path) ?? 0;
    const b = control.refreshes ? before / control.refreshes : 0;
    const a = treatment.refreshes ? after / treatment.refreshes : 0;
    if (after >= 2 && (before === 0 || a >= b * 1.5)) {
      out.push({ path, before, after, description: before === 0 ? `new: ${after} events where the control had none` : `rose from ${before} to ${after} (${b.toFixed(2)} → ${a.toFixed(2)} per refresh)` });
    }
  }
  return out;
}

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
