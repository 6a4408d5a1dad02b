/**
 * Phase 4: test a fix actively. The control refreshes the sample without the fix (items that recover
 * alone are transient and leave the sample; their rate is the baseline); the treatment refreshes the
 * rest with the fix, one at a time, reading only the log lines each refresh produced, and stops as soon
 * as the decision cannot change. Never a fixed sleep: each refresh is awaited through Plex's events.
 */
import type { FixProposal } from '../diagnose/schema.ts';
import type { ItemOutcome, LogReport } from '../logs/schema.ts';
import type { BookmarkDoc } from '../logs/bookmarks.ts';
import { decide, settledDecision, DEFAULT_THRESHOLDS, type CriticalSignal, type DecisionInput, type Thresholds } from './decide.ts';
import { scoreExpectation, sideEffects, type Window } from './metrics.ts';
import { selectItems, itemKey } from './select.ts';
import type { ItemResult, TestReport, TestedItem } from './schema.ts';
import type { LogWindowPort } from './window.ts';
import { PlexmendError } from '../errors.ts';
import { TokenRejectedError } from '../plex/errors.ts';
import type { PlexClient } from '../plex/index.ts';
import type { RefreshWaitOptions } from '../plex/refresh-wait.ts';

/** What the test needs of Plex (PlexClient satisfies it). */
export interface TestPlex {
  refreshAndWait(ratingKey: string): Promise<{ result: 'ended' | 'file_missing' | 'timed_out'; durationMs: number }>;
  fileIndex(): Promise<{ lookup(serverPath: string): Array<{ ratingKey: string; title: string; year?: number }> }>;
  searchByTitle(title: string, o?: { year?: number }): Promise<Array<{ ratingKey: string; title: string; year?: number }>>;
  item(ratingKey: string): Promise<{ updatedAt?: number; guid: string; title: string; summary?: string; studio?: string; originallyAvailableAt?: string; thumb?: string; cast: string[] }>;
}

export interface TestDeps {
  plex: TestPlex;
  logs: LogWindowPort;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Progress: one line per refresh. */
  progress?(line: string): void;
}

/** The real ports of a test: a Plex client (refreshes waited for with `refresh`), a log window, the clock. */
export function plexTestDeps(plex: PlexClient, logs: LogWindowPort, refresh: RefreshWaitOptions, progress?: (line: string) => void): TestDeps {
  return {
    plex: {
      refreshAndWait: (rk) => plex.refreshAndWait(rk, refresh),
      fileIndex: () => plex.fileIndex(),
      searchByTitle: (t, x) => plex.searchByTitle(t, x),
      item: (rk) => plex.item(rk),
    },
    logs,
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    ...(progress ? { progress } : {}),
  };
}

export interface TestOptions {
  iteration: number;
  target: string;
  size: number;
  guards: number;
  seed: number;
  thresholds?: Thresholds;
  /** Minimum time between two refreshes (a site's rate limit and an IP ban are real risks). */
  paceMs: number;
  /** Stop refreshing once the decision is settled (default true); false runs the fixed-sample procedure. */
  sequential?: boolean;
}

export interface MappedItem {
  ratingKey: string;
  outcome: ItemOutcome;
  role: TestedItem['role'];
}

/** The control run, saved between `test --control` (before apply) and `test` (after). */
export interface ControlRun {
  fixId: string;
  items: Array<MappedItem & { result: ItemResult; classes?: string[] }>;
  unmapped: Array<{ title: string; agent: string; reason: string }>;
  report: LogReport;
  refreshes: number;
  gapBytes: number;
}

/** Maps outcome rows to Plex items: by the file path the agent logged, else by title and year. */
export async function mapItems(plex: TestPlex, items: ItemOutcome[], role: (i: ItemOutcome) => TestedItem['role']) {
  const mapped: MappedItem[] = [];
  const unmapped: ControlRun['unmapped'] = [];
  const index = await plex.fileIndex();
  for (const it of items) {
    let hits = it.filePath ? index.lookup(it.filePath) : [];
    let how = 'file path';
    if (hits.length === 0) {
      hits = await plex.searchByTitle(it.title, it.year ? { year: it.year } : {});
      how = 'title and year';
    }
    if (hits.length === 1) mapped.push({ ratingKey: hits[0]!.ratingKey, outcome: it, role: role(it) });
    else unmapped.push({ title: it.title, agent: it.agent, reason: hits.length === 0 ? `no Plex item with this ${how}` : `${hits.length} Plex items share this ${how}` });
  }
  return { mapped, unmapped };
}

const canon = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** The result of one item in a window: the agent's own search operation for it, else no data. */
export function resultIn(report: LogReport, m: MappedItem): ItemResult {
  return observe(report, m).result;
}

/** The item's result in a window and the error classes its operation failed with. */
export function observe(report: LogReport, m: MappedItem): { result: ItemResult; classes: string[] } {
  const rows = report.items.filter(
    (r) =>
      r.agent === m.outcome.agent &&
      r.phase === 'search' &&
      (m.outcome.filePath && r.filePath ? r.filePath === m.outcome.filePath : canon(r.title) === canon(m.outcome.title) && (r.year ?? 0) === (m.outcome.year ?? 0)),
  );
  if (rows.length === 0) return { result: 'no_data', classes: [] };
  const last = rows[rows.length - 1]!;
  return { result: last.outcome, classes: [...new Set(last.reasons.map((r) => r.class))] };
}

/** Recipes that change only how requests are made: they cannot change what a page says. */
const REQUEST_RECIPES = new Set(['request_headers', 'retry_backoff', 'timeout_delay', 'url_change']);
/** Failures that come from what the site's data says, revealed once requests get through. */
const NEXT_LAYER = new Set(['no_results', 'title_match_failure', 'studio_match_failure', 'date_match_failure', 'duration_match_failure', 'filename_format_error']);

/**
 * Did the fix do its job for this item? Matched, or — for a request-level fix — the item no longer fails
 * with the targeted error but with what the site's data says (a title the site lacks), which the 403 or
 * 429 had hidden. Any failure in a target class, or of another kind, counts against the fix.
 */
export function fixVerdict(p: FixProposal, o: { result: ItemResult; classes: string[] }): 'success' | 'failure' | 'no_data' {
  if (o.result === 'matched') return 'success';
  if (o.result !== 'failed' && o.result !== 'error') return 'no_data';
  if (o.classes.some((c) => p.expectation.targetClasses.includes(c as never))) return 'failure';
  if (REQUEST_RECIPES.has(p.recipe) && o.classes.length > 0 && o.classes.every((c) => NEXT_LAYER.has(c))) return 'success';
  return 'failure';
}

/**
 * One paced refresh. A refresh Plex refused or lost (a 5xx, the server unreachable or restarting) did not
 * complete: it counts as incomplete, like a timeout, so a flaky server makes the test INCONCLUSIVE instead
 * of ending it. A rejected token is not the server's mood: it still ends the test.
 */
async function refreshOne(deps: TestDeps, m: MappedItem, paceMs: number, last: { at: number }): ReturnType<TestPlex['refreshAndWait']> {
  const wait = last.at + paceMs - deps.now();
  if (wait > 0) await deps.sleep(wait);
  last.at = deps.now();
  try {
    return await deps.plex.refreshAndWait(m.ratingKey);
  } catch (err) {
    if (!(err instanceof PlexmendError) || err instanceof TokenRejectedError) throw err;
    deps.progress?.(`refresh of ${m.ratingKey} did not complete: ${err.message}`);
    return { result: 'timed_out', durationMs: deps.now() - last.at };
  }
}

/** Control: the sample refreshed once without the fix. */
export async function runControl(p: FixProposal, baseline: LogReport, deps: TestDeps, o: TestOptions): Promise<ControlRun> {
  const sel = selectItems(baseline, p, { size: o.size, guards: o.guards, seed: o.seed });
  const targetKeys = new Set(sel.targets.map(itemKey));
  const { mapped, unmapped } = await mapItems(deps.plex, [...sel.targets, ...sel.guards], (i) =>
    targetKeys.has(itemKey(i)) ? i.reasons.find((r) => p.expectation.targetClasses.includes(r.class))!.class : 'guard',
  );
  const start = await deps.logs.mark();
  const last = { at: 0 };
  let cursor = start;
  const items: ControlRun['items'] = [];
  for (const m of mapped) {
    const r = await refreshOne(deps, m, o.paceMs, last);
    const { report, next } = await deps.logs.since(cursor);
    cursor = next;
    const seen = r.result === 'ended' ? observe(report, m) : { result: r.result, classes: [] };
    const result = seen.result;
    items.push({ ...m, result, classes: seen.classes });
    deps.progress?.(`control ${items.length}/${mapped.length}: ${m.outcome.agent} · ${m.outcome.title} → ${result}`);
  }
  const whole = await deps.logs.since(start);
  return { fixId: p.id, items, unmapped, report: whole.report, refreshes: mapped.length, gapBytes: gapBytes(whole.report) };
}

/**
 * Bytes lost from the window. A live file that rotated away before any of its new lines were read is a gap
 * of unknown size (the reader reports 0 bytes, "an unknown number"): it counts as at least one byte, so
 * the test is INCONCLUSIVE rather than judged on what may be partial data.
 */
const gapBytes = (r: LogReport) => r.gaps.reduce((s, g) => s + Math.max(1, g.bytes), 0);

/** Treatment: the non-transient sample refreshed with the fix, stopping when the decision is settled. */
export async function runTreatment(p: FixProposal, control: ControlRun | null, baseline: LogReport, deps: TestDeps, o: TestOptions): Promise<TestReport> {
  const t = o.thresholds ?? DEFAULT_THRESHOLDS;
  const began = deps.now();
  let sample: Array<MappedItem & { control?: ItemResult; controlClasses?: string[] }>;
  let unmapped: ControlRun['unmapped'];
  if (control) {
    sample = control.items.map((i) => ({ ratingKey: i.ratingKey, outcome: i.outcome, role: i.role, control: i.result, controlClasses: i.classes ?? [] }));
    unmapped = control.unmapped;
  } else {
    const sel = selectItems(baseline, p, { size: o.size, guards: o.guards, seed: o.seed });
    const targetKeys = new Set(sel.targets.map(itemKey));
    const m = await mapItems(deps.plex, [...sel.targets, ...sel.guards], (i) => (targetKeys.has(itemKey(i)) ? i.reasons.find((r) => p.expectation.targetClasses.includes(r.class))!.class : 'guard'));
    sample = m.mapped;
    unmapped = m.unmapped;
  }
  const transient = (i: { control?: ItemResult; role: TestedItem['role'] }) => i.role !== 'guard' && i.control === 'matched';
  // Items whose control failed only for other reasons do not reproduce the targeted error: they cannot judge the fix.
  const reproduces = (i: (typeof sample)[number]) => !i.control || i.control === 'no_data' || i.control === 'timed_out' || (i.controlClasses ?? []).some((c) => p.expectation.targetClasses.includes(c as never));
  const targets = sample.filter((i) => i.role !== 'guard' && !transient(i) && reproduces(i));
  const guards = sample.filter((i) => i.role === 'guard');
  const controlTargets = control ? control.items.filter((i) => i.role !== 'guard' && (i.result === 'matched' || (i.classes ?? []).some((c) => p.expectation.targetClasses.includes(c as never)))) : [];
  const controlCount = controlTargets.length ? { successes: controlTargets.filter((i) => i.result === 'matched').length, trials: controlTargets.filter((i) => i.result !== 'no_data' && i.result !== 'timed_out').length } : null;

  const start = await deps.logs.mark();
  let cursor: BookmarkDoc = start;
  const last = { at: 0 };
  const results = new Map<string, { result: ItemResult; classes: string[]; ms: number }>();
  let started = 0;
  let timedOut = 0;
  let stoppedEarly = false;
  const before = new Map<string, Awaited<ReturnType<TestPlex['item']>>>();
  const after = new Map<string, Awaited<ReturnType<TestPlex['item']>>>();
  const snapshot = async (m: MappedItem, into: typeof before) => {
    try {
      into.set(m.ratingKey, await deps.plex.item(m.ratingKey));
    } catch {
      /* the metadata snapshot is informative only */
    }
  };
  const refresh = async (m: MappedItem) => {
    await snapshot(m, before);
    started++;
    const r = await refreshOne(deps, m, o.paceMs, last);
    const { report, next } = await deps.logs.since(cursor);
    cursor = next;
    if (r.result === 'timed_out') timedOut++;
    const seen = r.result === 'ended' ? observe(report, m) : { result: r.result as ItemResult, classes: [] };
    await snapshot(m, after);
    return { ...seen, ms: r.durationMs };
  };
  const counts = () => {
    const data = targets.filter((m) => results.has(m.ratingKey)).map((m) => fixVerdict(p, results.get(m.ratingKey)!)).filter((v) => v !== 'no_data');
    return { successes: data.filter((v) => v === 'success').length, trials: data.length };
  };
  const decisionInput = (window: Window | null, critical: CriticalSignal[], primaryMet: boolean | null, health: Partial<DecisionInput['health']> = {}): DecisionInput => ({
    mode: 'items',
    observed: counts(),
    control: controlCount,
    primaryMetricMet: primaryMet,
    critical,
    health: { logGap: false, serverDown: false, siteDown: false, refreshes: started, incomplete: timedOut, ...health },
  });

  for (const m of targets) {
    const r = await refresh(m);
    results.set(m.ratingKey, r);
    deps.progress?.(`treatment ${results.size}/${targets.length}: ${m.outcome.agent} · ${m.outcome.title} → ${r.result}`);
    if (o.sequential !== false && p.expectation.judgeBy === 'items') {
      // The primary metric is read on the window so far: a settled KEEP still needs it met.
      const so = await deps.logs.since(start);
      const ctrlWin: Window | null = control ? { report: control.report, refreshes: control.refreshes } : null;
      const met = ctrlWin ? scoreExpectation(p.expectation, ctrlWin, { report: so.report, refreshes: started })[0]!.met : null;
      const settled = settledDecision(decisionInput(null, [], met ?? counts().successes / Math.max(1, counts().trials) >= t.keepRate), targets.length, t);
      if (settled && results.size < targets.length) {
        stoppedEarly = true;
        deps.progress?.(`decision settled (${settled}) after ${results.size} of ${targets.length}: stopping early`);
        break;
      }
    }
  }
  for (const g of guards) {
    const r = await refresh(g);
    results.set(g.ratingKey, r);
    deps.progress?.(`guard: ${g.outcome.agent} · ${g.outcome.title} → ${r.result}`);
  }

  // Critical signals, each confirmed by one retry.
  const critical: CriticalSignal[] = [];
  const brokenGuard = guards.find((g) => ['failed', 'error'].includes(results.get(g.ratingKey)?.result ?? ''));
  if (brokenGuard && ['failed', 'error'].includes((await refresh(brokenGuard)).result)) critical.push('regression_guard_failed');
  const whole = await deps.logs.since(start);
  const treatmentWin: Window = { report: whole.report, refreshes: started };
  const controlWin: Window = control ? { report: control.report, refreshes: control.refreshes } : { report: baseline, refreshes: Math.max(1, baseline.items.length) };
  const exceptionsNow = sumAgents(whole.report, p.agents, 'agent_exception');
  const exceptionsBefore = control ? sumAgents(control.report, p.agents, 'agent_exception') : 0;
  if (exceptionsNow > exceptionsBefore) {
    const victim = targets.find((m) => results.get(m.ratingKey)?.result === 'error');
    if (victim) {
      const mark = await deps.logs.mark();
      await refreshOne(deps, victim, o.paceMs, last);
      started++;
      const again = await deps.logs.since(mark);
      if (sumAgents(again.report, p.agents, 'agent_exception') > 0) critical.push('new_traceback');
    }
  }
  const metrics = scoreExpectation(p.expectation, controlWin, treatmentWin);
  const effects = sideEffects(p.expectation, controlWin, treatmentWin, p.agents);
  const gap = gapBytes(whole.report) + (control?.gapBytes ?? 0);
  const siteDown = hostDown(whole.report, p.agents) && (!control || hostDown(control.report, p.agents));
  let input = decisionInput(treatmentWin, critical, metrics[0]!.met, { logGap: gap > 0, siteDown });
  if (p.expectation.judgeBy === 'requests') {
    const req = requestCounts(whole.report, p);
    const ctrl = control ? requestCounts(control.report, p) : null;
    input = { ...input, mode: 'requests', observed: { successes: req.total - req.failed, trials: req.total }, control: ctrl ? { successes: ctrl.total - ctrl.failed, trials: ctrl.total } : null };
  }
  const decision = decide(input, t);
  const req = requestCounts(whole.report, p);
  const items: TestedItem[] = sample.map((m) => {
    const r = results.get(m.ratingKey);
    const b = before.get(m.ratingKey);
    const a = after.get(m.ratingKey);
    return {
      ratingKey: m.ratingKey,
      agent: m.outcome.agent,
      title: m.outcome.title,
      ...(m.outcome.filePath ? { filePath: m.outcome.filePath } : {}),
      phase: 'search',
      role: m.role,
      before: m.outcome.outcome,
      ...(m.control ? { control: m.control } : {}),
      ...(r ? { after: r.result, refreshMs: r.ms } : {}),
      transient: transient(m),
      ...(m.role !== 'guard' && !transient(m) && !reproduces(m) ? { excluded: `the control failed for other reasons (${(m.controlClasses ?? []).join(', ') || 'none logged'})` } : {}),
      ...(r ? { verdict: fixVerdict(p, r), classes: r.classes } : {}),
      evidence: evidenceFor(whole.report, m),
      ...(b ? { metadataBefore: snap(b) } : {}),
      ...(a ? { metadataAfter: snap(a) } : {}),
    };
  });
  return {
    schema: 'plexmend.test/1',
    generatedAt: new Date(deps.now()).toISOString(),
    iteration: o.iteration,
    fixId: p.id,
    target: o.target,
    judgeBy: p.expectation.judgeBy,
    sample: { planned: o.size, mapped: sample.length, unmapped, guards: guards.length },
    control: {
      refreshed: control?.refreshes ?? 0,
      recovered: control ? control.items.filter((i) => i.role !== 'guard' && i.result === 'matched').length : 0,
      baselineRate: controlCount && controlCount.trials ? controlCount.successes / controlCount.trials : null,
    },
    refreshes: { started, completed: started - timedOut, timedOut, noData: [...results.values()].filter((r) => r.result === 'no_data').length, stoppedEarly },
    requests: req,
    items,
    metrics,
    sideEffects: effects,
    critical,
    logGap: { bytes: gap, files: whole.report.gaps.map((g) => g.file) },
    decision,
    durationMs: deps.now() - began,
  };
}

function sumAgents(r: LogReport, agents: string[], cls: 'agent_exception'): number {
  return agents.reduce((s, a) => s + (r.agents[a]?.byClass[cls] ?? 0), 0);
}

/** Every request of the agents failed with a server or network failure: the site is down (or blocks everyone). */
function hostDown(r: LogReport, agents: string[]): boolean {
  let total = 0;
  let dead = 0;
  for (const a of agents) {
    const h = r.agents[a]?.http;
    if (!h) continue;
    total += h.requests;
    for (const [status, n] of Object.entries(h.byStatus)) if (/^(5\d\d|timeout|connection)$/.test(status)) dead += n;
  }
  return total >= 3 && dead >= total;
}

/** Requests of the fix's agents and those failing with the primary status (or any, without one). */
function requestCounts(r: LogReport, p: FixProposal): { total: number; failed: number } {
  let total = 0;
  let failed = 0;
  for (const a of p.agents) {
    const h = r.agents[a]?.http;
    if (!h) continue;
    total += h.requests;
    failed += Object.values(h.byStatus).reduce((s, n) => s + n, 0);
  }
  return { total, failed: Math.min(failed, total) };
}

function evidenceFor(r: LogReport, m: MappedItem): string[] {
  const row = r.items.filter((x) => x.agent === m.outcome.agent && (x.filePath ? x.filePath === m.outcome.filePath : x.title === m.outcome.title)).pop();
  if (!row) return [];
  return [`${row.agent} ${row.phase}: ${row.outcome}${row.reasons.length ? ` — ${row.reasons.map((x) => x.detail).join('; ')}` : ''}`];
}

function snap(i: Awaited<ReturnType<TestPlex['item']>>): TestedItem['metadataBefore'] {
  return {
    updatedAt: i.updatedAt ?? null,
    guid: i.guid ?? null,
    fields: { title: i.title, summary: i.summary ? i.summary.slice(0, 200) : null, studio: i.studio ?? null, originallyAvailableAt: i.originallyAvailableAt ?? null, thumb: i.thumb ?? null, cast: i.cast.length },
  };
}
