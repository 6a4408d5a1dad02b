/**
 * Expectations: what a fix should move, stated before anything changes, as metric paths into a LogReport
 * so "did it happen?" is computed, not guessed. The watch list covers every other status and class that
 * the change could move (the touched file may be shared by every agent), including statuses that are
 * absent today — a new 429 is the classic side effect of a header fix.
 */
import { ERROR_CLASSES, metricPath, readMetric, type EventClass, type LogReport } from '../logs/schema.ts';
import type { Expectation, MetricExpectation, RecipeName } from './schema.ts';

/** Statuses worth watching on every host an agent talks to, present or not. */
const WATCHED_STATUSES = ['403', '404', '429', '500', '502', '503', 'timeout', 'connection'];

export interface ExpectationInput {
  recipe: RecipeName;
  agent: string;
  class: EventClass;
  host?: string;
  status?: number;
  /** Agents whose files the change touches (a shared utils.py touches them all). */
  touchedAgents: string[];
  report: LogReport;
  /** Relative change to expect, from a calibrating lesson; default per recipe. */
  expectedChange?: number;
  /** Extra failure indicators from lessons (`watch` actions). */
  lessonWatches?: Array<{ metric: string; description: string }>;
}

/** Fixes for transient errors are judged by error share per request, the rest by item success. */
const JUDGE_BY_REQUESTS: ReadonlySet<RecipeName> = new Set(['retry_backoff', 'timeout_delay']);

function decrease(path: string, report: LogReport, change: number, description: string): MetricExpectation {
  return { path, direction: 'decrease', threshold: { kind: 'relative', value: change }, baseline: readMetric(report, path), description };
}

/** The primary metric: the count of the group's own errors, at the finest path the evidence gives. */
function primaryPath(i: ExpectationInput): string {
  if (i.class === 'http_error' && i.host && i.status !== undefined) return metricPath.agentHostStatus(i.agent, i.host, i.status);
  if (i.class === 'http_error' && i.status !== undefined) return metricPath.agentStatus(i.agent, i.status);
  if ((i.class === 'timeout' || i.class === 'connection_error') && i.host) {
    return metricPath.agentHostStatus(i.agent, i.host, i.class === 'timeout' ? 'timeout' : 'connection');
  }
  return metricPath.agentByClass(i.agent, i.class);
}

export function buildExpectation(i: ExpectationInput): Expectation {
  const change = i.expectedChange ?? (i.recipe === 'workaround' ? 0 : 0.5);
  const pct = Math.round(change * 100);
  const path = primaryPath(i);
  const what = i.class === 'http_error' && i.status !== undefined ? `${i.status} answers${i.host ? ` from ${i.host}` : ''}` : i.class.replace(/_/g, ' ');
  const primary: MetricExpectation =
    i.recipe === 'workaround'
      ? { path, direction: 'stay', baseline: readMetric(i.report, path), description: `${what} for ${i.agent} stay: nothing is changed in code` }
      : decrease(path, i.report, change, `${what} for ${i.agent} decrease by at least ${pct} %`);

  const secondary: MetricExpectation[] = [];
  if (i.recipe !== 'workaround') {
    const rate = metricPath.agentMatchRate(i.agent);
    secondary.push({ path: rate, direction: 'increase', baseline: readMetric(i.report, rate), description: `${i.agent}'s match rate rises` });
  }

  const failureIndicators: MetricExpectation[] = [];
  const hosts = hostsOf(i.report, i.agent, i.host);
  if (i.recipe !== 'workaround') {
    for (const host of hosts) {
      for (const s of ['429', '503']) {
        const p = metricPath.agentHostStatus(i.agent, host, s);
        if (p === path) continue;
        failureIndicators.push({ path: p, direction: 'increase', baseline: readMetric(i.report, p), description: `${host} starts answering ${s} to ${i.agent}` });
      }
    }
    const exc = metricPath.agentByClass(i.agent, 'agent_exception');
    if (exc !== path) failureIndicators.push({ path: exc, direction: 'increase', baseline: readMetric(i.report, exc), description: `new exceptions escape ${i.agent}'s code` });
  }
  for (const w of i.lessonWatches ?? []) {
    if (!failureIndicators.some((f) => f.path === w.metric)) {
      failureIndicators.push({ path: w.metric, direction: 'increase', baseline: readMetric(i.report, w.metric), description: `${w.description} (a lesson)` });
    }
  }

  const named = new Set([path, ...secondary.map((m) => m.path), ...failureIndicators.map((m) => m.path)]);
  const watch = watchList(i.report, i.touchedAgents.length ? i.touchedAgents : [i.agent]).filter((p) => !named.has(p));

  return {
    primary,
    secondary,
    successIndicators: successText(i, what),
    failureIndicators,
    contingency:
      i.recipe === 'workaround'
        ? 'nothing to roll back; re-check after the workaround'
        : `roll back (the backup restores every file byte for byte); next try: ${nextTry(i.recipe)}`,
    watch,
    judgeBy: JUDGE_BY_REQUESTS.has(i.recipe) ? 'requests' : 'items',
    targetClasses: [i.class],
  };
}

function successText(i: ExpectationInput, what: string): string[] {
  if (i.recipe === 'workaround') return [];
  return [
    `the refreshed items' ${i.agent} operations end ">> Successful!! <<" instead of failing with ${what}`,
    `no new exception or HTTP status appears for ${i.agent}`,
  ];
}

function nextTry(recipe: RecipeName): string {
  const order: Partial<Record<RecipeName, string>> = {
    request_headers: 'retry with back-off, or the workaround if the site challenges every client',
    retry_backoff: 'longer delays between requests',
    timeout_delay: 'retry with back-off',
    xpath_repair: 'graceful degradation for the field',
    title_normalisation: 'renaming the files to the site titles',
  };
  return order[recipe] ?? 'the next proposal for this group';
}

/** Hosts an agent requests (from the report), plus the group's own. */
function hostsOf(report: LogReport, agent: string, host?: string): string[] {
  const a = report.agents[agent];
  const hosts = new Set<string>(Object.keys(a?.http.requestsByHost ?? {}));
  for (const h of Object.keys(a?.http.byHost ?? {})) hosts.add(h);
  if (host) hosts.add(host);
  return [...hosts].sort();
}

/** Every class and status metric of the agents a change touches, present or not yet. */
export function watchList(report: LogReport, agents: string[]): string[] {
  const out = new Set<string>();
  for (const agent of agents) {
    for (const c of ERROR_CLASSES) out.add(metricPath.agentByClass(agent, c));
    for (const s of WATCHED_STATUSES) out.add(metricPath.agentStatus(agent, s));
    for (const host of hostsOf(report, agent)) for (const s of WATCHED_STATUSES) out.add(metricPath.agentHostStatus(agent, host, s));
    out.add(metricPath.agentMatchRate(agent));
    out.add(metricPath.agentUpdateSuccessRate(agent));
  }
  return [...out].sort();
}
