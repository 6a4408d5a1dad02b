/**
 * runTreatment / runControl against an in-memory world: items with true success probabilities (seeded),
 * a fake Plex that "refreshes" an item by appending the agent's operation to a log, and a LogWindowPort
 * that aggregates the operations written since a mark into a LogReport — the same shapes the real
 * aggregate produces, so run.ts reads them through its real code paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runControl, runTreatment, fixVerdict, type TestDeps, type TestOptions } from '../../src/testing/run.ts';
import { seededRandom } from '../../src/testing/simulate.ts';
import { metricPath, type EventClass, type ItemOutcome, type LogReport, type Outcome } from '../../src/logs/schema.ts';
import { emptyBookmarks, type BookmarkDoc } from '../../src/logs/bookmarks.ts';
import type { FixProposal } from '../../src/diagnose/schema.ts';
import { proposal } from '../builders/documents.ts';
import { PlexRequestError, TokenRejectedError } from '../../src/plex/errors.ts';

const AGENT = 'SiteA';
const HOST = 'www.site-a.example';

/** One operation the agent logs for one refresh. */
export interface Op {
  outcome: Outcome;
  reasons: Array<{ class: EventClass; status?: number }>;
  /** HTTP requests: null = answered 200, a number or 'connection' = failed with it. */
  requests: Array<number | 'connection' | null>;
}

const ok = (): Op => ({ outcome: 'matched', reasons: [], requests: [null, null] });
const http = (status: number): Op => ({ outcome: 'failed', reasons: [{ class: 'http_error', status }], requests: [status] });
const noResults = (): Op => ({ outcome: 'failed', reasons: [{ class: 'no_results' }], requests: [null] });
const traceback = (): Op => ({ outcome: 'error', reasons: [{ class: 'agent_exception' }], requests: [null] });

interface WorldItem {
  ratingKey: string;
  title: string;
  filePath: string;
  /** What a refresh logs: given whether the fix is applied and a uniform random number. */
  behave(fixed: boolean, u: number, attempt: number): Op | 'nothing';
  before: Op;
}

function emptyReport(): LogReport {
  return {
    schema: 'plexmend.aggregate/1', generatedAt: '2026-01-01T00:00:00.000Z', input: { kind: 'folder', paths: ['/logs'] }, filters: {}, window: {},
    sources: [], gaps: [], problems: [],
    counts: { bytes: 0, lines: 0, records: 0, continuations: 0, lenient: 0, unparsed: 0, verbose: { debug: 0, prefDump: 0, separator: 0, info: 0 }, invalidUtf8: 0, nulBytes: 0, longLines: 0, filteredOut: 0 },
    totals: { events: 0, errors: 0, noise: 0, byClass: {}, operations: {} },
    agents: {}, patterns: [], items: [],
  };
}

/** Aggregates operations into a report, as the log aggregate would count them. */
export function reportOf(ops: Array<{ item: { title: string; filePath: string }; op: Op }>): LogReport {
  const r = emptyReport();
  for (const { item, op } of ops) {
    const a = (r.agents[AGENT] ??= {
      events: 0, errors: 0, noise: 0, byClass: {}, http: { requests: 0, requestsByHost: {}, byStatus: {}, byHost: {} },
      searches: 0, searchesMatched: 0, searchesFailed: 0, searchesErrored: 0, updates: 0, updatesSucceeded: 0, updatesFailed: 0, pluginStarts: 0, matchRate: null, updateSuccessRate: null,
    });
    a.searches++;
    if (op.outcome === 'matched') a.searchesMatched++;
    else if (op.outcome === 'failed') a.searchesFailed++;
    else a.searchesErrored++;
    a.matchRate = a.searchesMatched / a.searches;
    for (const req of op.requests) {
      a.http.requests++;
      a.http.requestsByHost[HOST] = (a.http.requestsByHost[HOST] ?? 0) + 1;
      if (req === null) continue;
      const s = String(req);
      a.http.byStatus[s] = (a.http.byStatus[s] ?? 0) + 1;
      const h = (a.http.byHost[HOST] ??= {});
      h[s] = (h[s] ?? 0) + 1;
    }
    for (const reason of op.reasons) {
      a.byClass[reason.class] = (a.byClass[reason.class] ?? 0) + 1;
      r.totals.byClass[reason.class] = (r.totals.byClass[reason.class] ?? 0) + 1;
      a.errors++;
      r.totals.errors++;
    }
    const prev = r.items.find((i) => i.filePath === item.filePath);
    const row: ItemOutcome = {
      agent: AGENT, phase: 'search', filePath: item.filePath, title: item.title, outcome: op.outcome,
      reasons: op.reasons.map((x) => ({ class: x.class, detail: `${x.class}${x.status ? ` ${x.status}` : ''}`, ...(x.status ? { status: x.status, host: HOST } : {}) })),
      operations: (prev?.operations ?? 0) + 1, matched: 0, failed: 0, errored: 0,
    };
    if (prev) r.items.splice(r.items.indexOf(prev), 1);
    r.items.push(row);
  }
  return r;
}

/** The in-memory world: a fake Plex and a fake log window over one growing list of operations. */
export class World {
  readonly log: Array<{ item: WorldItem; op: Op }> = [];
  fixed = false;
  /** Gap bytes every `since` reports (a rotation lost lines). */
  gapBytes = 0;
  refreshes = 0;
  private readonly rnd: () => number;
  private readonly attempts = new Map<string, number>();
  private readonly marks = new WeakMap<BookmarkDoc, number>();
  constructor(readonly items: WorldItem[], seed: number) {
    this.rnd = seededRandom(seed);
  }
  baseline(): LogReport {
    return reportOf(this.items.map((item) => ({ item, op: item.before })));
  }
  deps(progress?: string[]): TestDeps {
    const byPath = new Map(this.items.map((i) => [i.filePath, i]));
    return {
      plex: {
        refreshAndWait: async (rk) => {
          const item = this.items.find((i) => i.ratingKey === rk)!;
          this.refreshes++;
          const n = (this.attempts.get(rk) ?? 0) + 1;
          this.attempts.set(rk, n);
          const op = item.behave(this.fixed, this.rnd(), n);
          if (op !== 'nothing') this.log.push({ item, op });
          return { result: 'ended', durationMs: 5 };
        },
        fileIndex: async () => ({ lookup: (p: string) => (byPath.has(p) ? [{ ratingKey: byPath.get(p)!.ratingKey, title: byPath.get(p)!.title }] : []) }),
        searchByTitle: async () => [],
        item: async (rk) => ({ guid: `local://${rk}`, title: this.items.find((i) => i.ratingKey === rk)!.title, cast: [] }),
      },
      logs: {
        mark: async () => this.bookmark(this.log.length),
        since: async (from) => {
          const at = this.marks.get(from) ?? 0;
          const report = reportOf(this.log.slice(at));
          if (this.gapBytes) report.gaps.push({ file: '/logs/com.plexapp.agents.SiteA.log', bytes: this.gapBytes, reason: 'rotated away unread' });
          return { report, next: this.bookmark(this.log.length) };
        },
      },
      now: () => 1_700_000_000_000 + this.refreshes * 1000,
      sleep: async () => undefined,
      ...(progress ? { progress: (l: string) => progress.push(l) } : {}),
    };
  }
  private bookmark(at: number): BookmarkDoc {
    const b = emptyBookmarks(new Date(0));
    this.marks.set(b, at);
    return b;
  }
}

/** `n` items that failed with 403 before; with the fix each succeeds with probability `p`. */
export function items403(n: number, o: { p: number; recoverAlone?: number; without?: (i: number) => Op; withFix?: (i: number, u: number) => Op | 'nothing' }): WorldItem[] {
  return Array.from({ length: n }, (_, i) => ({
    ratingKey: String(100 + i),
    title: `Film ${i}`,
    filePath: `/data/Films/Film ${i} (2020).mp4`,
    before: http(403),
    behave: (fixed, u) => {
      if (!fixed) return o.without?.(i) ?? (u < (o.recoverAlone ?? 0) ? ok() : http(403));
      if (o.withFix) return o.withFix(i, u);
      return u < o.p ? ok() : http(403);
    },
  }));
}

function guardItems(n: number, behave: WorldItem['behave'] = () => ok()): WorldItem[] {
  return Array.from({ length: n }, (_, i) => ({ ratingKey: String(900 + i), title: `Guard ${i}`, filePath: `/data/Films/Guard ${i} (2019).mp4`, before: ok(), behave }));
}

const headerFix = (over: Partial<FixProposal['expectation']> = {}): FixProposal => {
  const p = proposal({ agents: [AGENT] });
  return { ...p, expectation: { ...p.expectation, primary: { ...p.expectation.primary, path: metricPath.agentHostStatus(AGENT, HOST, 403) }, ...over } };
};
const opts = (over: Partial<TestOptions> = {}): TestOptions => ({ iteration: 1, target: 'world', size: 20, guards: 2, seed: 3, paceMs: 0, ...over });

async function controlThenTreatment(world: World, p: FixProposal, o: TestOptions = opts()) {
  const baseline = world.baseline();
  const control = await runControl(p, baseline, world.deps(), o);
  world.fixed = true;
  const report = await runTreatment(p, control, baseline, world.deps(), o);
  return { control, report };
}

test('a good fix is kept; transients leave the sample; refreshing stops once KEEP is settled', async () => {
  // Items 0 and 1 recover without the fix (transient); the rest fail with 403 until the fix, then match.
  const world = new World([...items403(20, { p: 1, without: (i) => (i < 2 ? ok() : http(403)) }), ...guardItems(2)], 11);
  const { control, report } = await controlThenTreatment(world, headerFix());
  assert.equal(control.items.length, 22);
  assert.equal(control.refreshes, 22);
  assert.equal(report.decision.decision, 'KEEP', report.decision.reasons.join('; '));
  const transients = report.items.filter((i) => i.transient);
  assert.deepEqual(transients.map((i) => i.title).sort(), ['Film 0', 'Film 1']);
  assert.ok(transients.every((i) => i.after === undefined), 'transient items are not refreshed with the fix');
  assert.equal(report.control.recovered, 2);
  assert.equal(report.control.baselineRate, 2 / 20);
  assert.equal(report.refreshes.stoppedEarly, true);
  const judged = report.items.filter((i) => i.role !== 'guard' && i.after !== undefined).length;
  assert.ok(judged < 18, `stopped before all 18 targets (judged ${judged})`);
  // 14 of 14 is the first count whose worst completion (14/18) still keeps.
  assert.equal(judged, 14);
  assert.equal(report.refreshes.started, judged + 2, 'targets judged plus the two guards');
  assert.equal(report.metrics[0]!.role, 'primary');
  assert.equal(report.metrics[0]!.met, true);
  assert.equal(report.metrics[0]!.after, 0);
});

test('the same fix with sequential stopping off refreshes every target (the fixed procedure)', async () => {
  const world = new World([...items403(20, { p: 1, without: (i) => (i < 2 ? ok() : http(403)) }), ...guardItems(2)], 11);
  const { report } = await controlThenTreatment(world, headerFix(), opts({ sequential: false }));
  assert.equal(report.decision.decision, 'KEEP');
  assert.equal(report.refreshes.stoppedEarly, false);
  assert.equal(report.refreshes.started, 18 + 2);
});

test('a useless fix is rolled back, early', async () => {
  const world = new World([...items403(20, { p: 0 }), ...guardItems(2)], 5);
  const { report } = await controlThenTreatment(world, headerFix());
  assert.equal(report.decision.decision, 'ROLLBACK', report.decision.reasons.join('; '));
  assert.equal(report.refreshes.stoppedEarly, true);
  // 11 failures of 20: the best completion is 9/20 < 50 %.
  assert.equal(report.items.filter((i) => i.role !== 'guard' && i.after !== undefined).length, 11);
  assert.equal(report.metrics[0]!.met, false, '403 did not decrease');
});

test('items whose control does not reproduce the targeted error are excluded with the reason', async () => {
  // Items 0-4 fail with no_results in the control (the 403 of the baseline is gone): they cannot judge the fix.
  const world = new World(items403(20, { p: 1, without: (i) => (i < 5 ? noResults() : http(403)) }), 2);
  const { report } = await controlThenTreatment(world, headerFix(), opts({ guards: 0 }));
  const excluded = report.items.filter((i) => i.excluded);
  assert.equal(excluded.length, 5);
  assert.match(excluded[0]!.excluded!, /control failed for other reasons \(no_results\)/);
  assert.ok(excluded.every((i) => i.after === undefined && !i.transient));
  assert.equal(report.decision.decision, 'KEEP');
  assert.equal(report.decision.baselineRate, 0, 'the baseline counts only items that reproduced the error (or recovered)');
});

test('a refresh after which the agent logged nothing is no data, not a failure', async () => {
  // With the fix, every third item produces no operation at all; the rest match.
  const world = new World(items403(20, { p: 1, withFix: (i) => (i % 3 === 0 ? 'nothing' : ok()) }), 4);
  const { report } = await controlThenTreatment(world, headerFix(), opts({ guards: 0, sequential: false }));
  const none = report.items.filter((i) => i.after === 'no_data');
  assert.equal(none.length, 7);
  assert.ok(none.every((i) => i.verdict === 'no_data'));
  assert.equal(report.refreshes.noData, 7);
  assert.equal(report.decision.rate, 1, '13 of 13 with data');
  assert.equal(report.decision.decision, 'KEEP');
});

test('a gap in the log window makes the test INCONCLUSIVE, whatever the counts say', async () => {
  const world = new World(items403(20, { p: 1 }), 7);
  const baseline = world.baseline();
  const control = await runControl(headerFix(), baseline, world.deps(), opts({ guards: 0 }));
  world.fixed = true;
  world.gapBytes = 4096;
  const report = await runTreatment(headerFix(), control, baseline, world.deps(), opts({ guards: 0 }));
  assert.equal(report.decision.decision, 'INCONCLUSIVE');
  assert.match(report.decision.reasons.join(' '), /rotated away/);
  assert.equal(report.logGap.bytes, 4096);
  assert.deepEqual(report.logGap.files, ['/logs/com.plexapp.agents.SiteA.log']);
});

test('a gap of unknown size (the live file rotated off before its new lines were read) is INCONCLUSIVE too', async () => {
  const world = new World(items403(20, { p: 1 }), 7);
  const baseline = world.baseline();
  const control = await runControl(headerFix(), baseline, world.deps(), opts({ guards: 0 }));
  world.fixed = true;
  const deps = world.deps();
  const lossy: TestDeps = { ...deps, logs: { ...deps.logs, since: async (from) => {
    const r = await deps.logs.since(from);
    r.report.gaps.push({ file: '/logs/com.plexapp.agents.SiteA.log', bytes: 0, reason: 'what was written to it after the last read is lost, an unknown number of bytes' });
    return r;
  } } };
  const report = await runTreatment(headerFix(), control, baseline, lossy, opts({ guards: 0 }));
  assert.equal(report.decision.decision, 'INCONCLUSIVE', report.decision.reasons.join('; '));
  assert.ok(report.logGap.bytes >= 1);
});

test('a site that fails every request (down) makes the test INCONCLUSIVE, not ROLLBACK', async () => {
  const world = new World(items403(20, { p: 0, without: () => http(503), withFix: () => ({ outcome: 'failed', reasons: [{ class: 'http_error', status: 503 }], requests: [503, 503] }) }), 8);
  // The baseline saw 403s, the control and the treatment only 503s: nothing answers.
  const p = headerFix();
  const { report } = await controlThenTreatment(world, p, opts({ guards: 0 }));
  assert.equal(report.decision.decision, 'INCONCLUSIVE', report.decision.reasons.join('; '));
  assert.match(report.decision.reasons.join(' '), /site failed every request/);
});

test('every request failing only after the fix is blamed on the fix (a broken URL looks like this): ROLLBACK', async () => {
  // The control reached the site (403s); with the fix every request gets 503. The health gate needs both
  // windows down, so this is not excused as a site outage.
  const world = new World(items403(20, { p: 0, withFix: () => http(503) }), 8);
  const { report } = await controlThenTreatment(world, headerFix(), opts({ guards: 0 }));
  assert.equal(report.decision.decision, 'ROLLBACK', report.decision.reasons.join('; '));
});

test('a regression-guard item that breaks, confirmed by a retry, rolls the fix back at once', async () => {
  const world = new World([...items403(20, { p: 1 }), ...guardItems(2, (fixed) => (fixed ? { outcome: 'failed', reasons: [{ class: 'title_match_failure' }], requests: [null] } : ok()))], 9);
  const { report } = await controlThenTreatment(world, headerFix());
  assert.deepEqual(report.critical, ['regression_guard_failed']);
  assert.equal(report.decision.decision, 'ROLLBACK');
  assert.match(report.decision.reasons[0]!, /critical signal: regression guard failed/);
});

test('a guard that fails once but matches on the retry is no critical signal', async () => {
  const guard = guardItems(1, (fixed, _u, attempt) => (fixed && attempt === 2 ? { outcome: 'failed', reasons: [{ class: 'http_error', status: 503 }], requests: [503] } : ok()));
  const world = new World([...items403(20, { p: 1 }), ...guard], 9);
  const { report } = await controlThenTreatment(world, headerFix(), opts({ guards: 1 }));
  assert.deepEqual(report.critical, []);
  assert.equal(report.decision.decision, 'KEEP');
});

test('a new traceback in the touched agent, confirmed by a retry, rolls the fix back', async () => {
  const world = new World(items403(20, { p: 1, withFix: (i) => (i % 2 === 0 ? traceback() : ok()) }), 10);
  const { report } = await controlThenTreatment(world, headerFix(), opts({ guards: 0 }));
  assert.deepEqual(report.critical, ['new_traceback']);
  assert.equal(report.decision.decision, 'ROLLBACK');
});

test('without a control the sample is selected and mapped by the treatment itself', async () => {
  const world = new World([...items403(12, { p: 1 }), ...guardItems(1)], 12);
  world.fixed = true;
  const p = headerFix();
  const report = await runTreatment(p, null, world.baseline(), world.deps(), opts({ size: 10, guards: 1 }));
  assert.equal(report.sample.mapped, 11);
  assert.equal(report.sample.guards, 1);
  assert.equal(report.control.baselineRate, null);
  assert.equal(report.decision.decision, 'KEEP');
  assert.match(report.decision.reasons.join(' '), /no control baseline/);
});

test('fixVerdict: a request-level fix is credited when the next layer fails; an XPath fix is strict', () => {
  const headers = headerFix();
  const xpath: FixProposal = { ...headerFix({ targetClasses: ['xpath_failure'] }), recipe: 'xpath_repair' };
  assert.equal(fixVerdict(headers, { result: 'matched', classes: [] }), 'success');
  assert.equal(fixVerdict(headers, { result: 'failed', classes: ['no_results'] }), 'success', 'the 403 hid a title the site lacks');
  assert.equal(fixVerdict(headers, { result: 'failed', classes: ['title_match_failure', 'no_results'] }), 'success');
  assert.equal(fixVerdict(headers, { result: 'failed', classes: ['http_error'] }), 'failure', 'still the targeted class');
  assert.equal(fixVerdict(headers, { result: 'failed', classes: ['no_results', 'unknown_error'] }), 'failure', 'not only next-layer classes');
  assert.equal(fixVerdict(headers, { result: 'failed', classes: [] }), 'failure', 'a failure that logged no class is not credited');
  assert.equal(fixVerdict(headers, { result: 'error', classes: ['agent_exception'] }), 'failure');
  assert.equal(fixVerdict(xpath, { result: 'failed', classes: ['no_results'] }), 'failure', 'an XPath fix must match');
  assert.equal(fixVerdict(xpath, { result: 'matched', classes: [] }), 'success');
  for (const r of ['no_data', 'timed_out', 'file_missing'] as const) assert.equal(fixVerdict(headers, { result: r, classes: [] }), 'no_data');
});

test('a refresh that timed out counts as incomplete; most of them make the test INCONCLUSIVE', async () => {
  const world = new World(items403(20, { p: 1 }), 13);
  const deps = world.deps();
  const baseline = world.baseline();
  const control = await runControl(headerFix(), baseline, deps, opts({ guards: 0 }));
  world.fixed = true;
  let n = 0;
  const stalling: TestDeps = { ...deps, plex: { ...deps.plex, refreshAndWait: async (rk) => (++n % 4 === 0 ? deps.plex.refreshAndWait(rk) : { result: 'timed_out', durationMs: 120_000 }) } };
  const report = await runTreatment(headerFix(), control, baseline, stalling, opts({ guards: 0 }));
  assert.equal(report.decision.decision, 'INCONCLUSIVE', report.decision.reasons.join('; '));
  assert.ok(report.refreshes.timedOut > report.refreshes.started / 2);
  assert.ok(report.items.some((i) => i.after === 'timed_out' && i.verdict === 'no_data'));
});

test('a refresh Plex refused (5xx) counts as incomplete and the test goes on; a rejected token ends it', async () => {
  const world = new World(items403(20, { p: 1 }), 14);
  const deps = world.deps();
  const baseline = world.baseline();
  const control = await runControl(headerFix(), baseline, deps, opts({ guards: 0 }));
  world.fixed = true;
  let n = 0;
  const refusing: TestDeps = { ...deps, plex: { ...deps.plex, refreshAndWait: async (rk) => {
    if (++n % 5 === 0) throw new PlexRequestError('PUT', `http://127.0.0.1:32400/library/metadata/${rk}/refresh`, 500, 'Internal Server Error');
    return deps.plex.refreshAndWait(rk);
  } } };
  const report = await runTreatment(headerFix(), control, baseline, refusing, opts({ guards: 0, sequential: false }));
  assert.equal(report.refreshes.timedOut, 4);
  assert.equal(report.items.filter((i) => i.after === 'timed_out').length, 4);
  assert.equal(report.decision.decision, 'KEEP', '16 of 16 with data; 4 of 20 incomplete is under the limit');
  const rejecting: TestDeps = { ...deps, plex: { ...deps.plex, refreshAndWait: async () => { throw new TokenRejectedError('http://127.0.0.1:32400/library/metadata/1/refresh', true); } } };
  await assert.rejects(runTreatment(headerFix(), control, baseline, rejecting, opts({ guards: 0 })), TokenRejectedError);
});
