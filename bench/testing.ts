/**
 * Phase 4 proof in the sandbox (issue 6): over many scenario seeds with flaky sites on, the real test
 * procedure (runControl + runTreatment against the PMS emulator, the real agent plug-ins and their real
 * logs) keeps a good fix, rolls a useless one back, flags a header fix that trades 403 for 429 with the
 * 429 as a side effect, and calls a fix tested while its site is down INCONCLUSIVE. Prints the wrong-KEEP
 * rate, refreshes per decision and wall time per fix test, sequential against the fixed-sample procedure.
 *
 *   npm run bench:testing -- [--seeds N] [--json]
 *
 * The rig (startRig, applyAgentPatch, headerProposal) is exported for the fault-injection tests.
 * Scenario facts used here (ReelVault answers 403 without browser-like headers) are the bench's own
 * choice of test subject; plexmend's code under test never names them.
 */
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSandbox, type SandboxHandle } from '../src/sandbox/index.ts';
import { loadScenario, type Scenario } from '../src/sandbox/scenario.ts';
import { PlexClient } from '../src/plex/index.ts';
import { clearAgentCaches } from '../src/implement/index.ts';
import { folderWindow, type LogWindowPort } from '../src/testing/window.ts';
import { plexTestDeps, runControl, runTreatment, type ControlRun, type TestDeps, type TestOptions } from '../src/testing/run.ts';
import { metricPath, type LogReport } from '../src/logs/schema.ts';
import type { FixProposal } from '../src/diagnose/schema.ts';
import type { TestReport } from '../src/testing/schema.ts';
import { option } from './measure.ts';

/** The bench's test subject: an agent whose site refuses non-browser requests. */
export const SUBJECT = { agent: 'ReelVault', bundle: 'ReelVault.bundle', bundleId: 'com.plexapp.agents.ReelVault', host: 'www.reelvault.test' };

const UA_LINE = /^(\s*)HTTP\.Headers\['User-Agent'\] = .*$/m;
/** The good fix: browser-like User-Agent and Accept-Language (what real maintainers did for 403s). */
export const GOOD_HEADERS = (indent: string) =>
  `${indent}HTTP.Headers['User-Agent'] = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'\n` +
  `${indent}HTTP.Headers['Accept-Language'] = 'en-US,en;q=0.9'`;
/** A useless fix: a different, still non-browser User-Agent. */
export const USELESS_HEADERS = (indent: string) => `${indent}HTTP.Headers['User-Agent'] = 'ReelVaultAgent/2.0 (compatible; Plex)'`;

/** The default scenario with flaky sites on: seeded 5xx bursts on two sites, the subject's rate limit off unless asked. */
export function flakyScenario(o: { rateLimit: boolean }): Scenario {
  const s = structuredClone(loadScenario('default'));
  for (const site of s.sites) {
    if (site.host === SUBJECT.host) {
      site.behaviours.errors = { share: 0.1, statuses: [502, 503] };
      if (!o.rateLimit) delete site.behaviours.rateLimit;
    } else if (site.kind === 'films' && !site.behaviours.challenge) {
      site.behaviours.errors = { share: 0.3, statuses: [502, 503] };
    }
  }
  return s;
}

/** A hand-built header proposal for the subject, as diagnose would offer it. */
export function headerProposal(id = 'fix1'): FixProposal {
  const p403 = metricPath.agentHostStatus(SUBJECT.agent, SUBJECT.host, 403);
  const p429 = metricPath.agentHostStatus(SUBJECT.agent, SUBJECT.host, 429);
  return {
    id, groupId: 'g1', rank: 1, recipe: 'request_headers', composed: [], kind: 'patch',
    title: 'browser-like request headers', rationale: 'the site answers 403 to non-browser requests',
    agents: [SUBJECT.agent], bundleIds: [SUBJECT.bundleId], changes: [], preferences: [],
    expectation: {
      primary: { path: p403, direction: 'decrease', threshold: { kind: 'relative', value: 0.3 }, baseline: null, description: '403 answers decrease by ≥ 30 %' },
      secondary: [{ path: metricPath.agentMatchRate(SUBJECT.agent), direction: 'increase', threshold: { kind: 'absolute', value: 0.1 }, baseline: null, description: 'match rate rises' }],
      successIndicators: ['searches reach the result list'],
      failureIndicators: [{ path: p429, direction: 'stay', baseline: null, description: 'a new 429 on the same host means the site now rate-limits us' }],
      contingency: 'roll back; add back-off if 429s appear',
      watch: [metricPath.agentStatus(SUBJECT.agent, 429), metricPath.agentStatus(SUBJECT.agent, 503)],
      judgeBy: 'items',
      targetClasses: ['http_error'],
    },
    checklist: [], lessonsApplied: [], offered: true, source: 'recipe',
  };
}

export interface Rig {
  sb: SandboxHandle;
  plex: PlexClient;
  window: LogWindowPort;
  deps: TestDeps;
  /** Refreshes every library item once and returns the report of what the agents logged. */
  baseline(): Promise<LogReport>;
  close(): Promise<void>;
}

/** Starts a sandbox in `dir` and wires the real test dependencies to it (Plex client, log window). */
export async function startRig(o: { scenario: Scenario; seed: number; dir: string; refreshTimeoutMs?: number }): Promise<Rig> {
  const sb = await startSandbox({ scenario: o.scenario, seed: o.seed, dir: o.dir, profilePath: null, plistPollMs: 100 });
  const plex = new PlexClient({ url: sb.url, token: sb.token, clientIdentifier: 'plexmend-bench-testing' });
  const window = folderWindow({ kind: 'folder', dir: sb.logsDir }, [sb.token]);
  const timeoutMs = o.refreshTimeoutMs ?? 30_000;
  const deps = plexTestDeps(plex, window, { timeoutMs, pollIntervalMs: 200, quietMs: 1000, connectTimeoutMs: 2000 });
  return {
    sb, plex, window, deps,
    async baseline() {
      const start = await window.mark();
      for (const it of sb.scenario.items) await deps.plex.refreshAndWait(it.ratingKey);
      return (await window.since(start)).report;
    },
    close: () => sb.close(),
  };
}

/**
 * Rewrites the subject's User-Agent line (`make` gets the line's indent; null restores the original),
 * touches Info.plist so the plug-in restarts (as Plex does), clears the agent's HTTP cache, and waits
 * until the restarted plug-in has logged its start.
 */
export async function applyAgentPatch(rig: Rig, make: ((indent: string) => string) | null, original: { text?: string } = {}): Promise<void> {
  const code = join(rig.sb.pluginsDir, SUBJECT.bundle, 'Contents', 'Code', '__init__.py');
  const now = await readFile(code, 'utf8');
  original.text ??= now;
  const next = make ? original.text.replace(UA_LINE, (_l, indent: string) => make(indent)) : original.text;
  if (next === now) return;
  const mark = await rig.window.mark();
  await writeFile(code, next);
  const t = new Date();
  await utimes(join(rig.sb.pluginsDir, SUBJECT.bundle, 'Contents', 'Info.plist'), t, t);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { report } = await rig.window.since(mark);
    if ((report.agents[SUBJECT.agent]?.pluginStarts ?? 0) > 0 || (report.totals.operations.plugin_start ?? 0) > 0) break;
    if (Date.now() > deadline) throw new Error(`${SUBJECT.bundle} did not restart within 20 s after the patch`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await clearAgentCaches(rig.sb.pluginsDir, rig.sb.supportDir, [SUBJECT.bundleId]);
}

export const TEST_OPTIONS: TestOptions = { iteration: 1, target: 'sandbox', size: 20, guards: 3, seed: 1, paceMs: 0 };

interface CaseResult {
  case: 'good' | 'useless' | 'trade429' | 'siteDown';
  seed: number;
  sequential: { decision: string; refreshes: number; testRefreshes: number; ms: number; sideEffect429: boolean };
  fixed?: { decision: string; refreshes: number; testRefreshes: number; ms: number };
}

/** One seed: the four cases on one sandbox (the control is shared by the cases it applies to). */
export async function runSeed(seed: number, root: string): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const dir = join(root, `seed ${seed}`);
  const scenario = flakyScenario({ rateLimit: false });
  const rig = await startRig({ scenario, seed, dir });
  const p = headerProposal();
  const original: { text?: string } = {};
  const subjectSite = rig.sb.scenario.sites.find((s) => s.host === SUBJECT.host)!;
  const p429 = metricPath.agentHostStatus(SUBJECT.agent, SUBJECT.host, 429);
  const summary = (r: TestReport, control: ControlRun, controlMs: number) => ({
    decision: r.decision.decision,
    refreshes: control.refreshes + r.refreshes.started,
    testRefreshes: r.refreshes.started,
    ms: controlMs + r.durationMs,
    sideEffect429: r.sideEffects.some((e) => e.path === p429),
  });
  try {
    const baseline = await rig.baseline();
    const c0 = Date.now();
    const control = await runControl(p, baseline, rig.deps, TEST_OPTIONS);
    const controlMs = Date.now() - c0;
    const both = async (name: CaseResult['case']) => {
      const seq = await runTreatment(p, control, baseline, rig.deps, TEST_OPTIONS);
      await clearAgentCaches(rig.sb.pluginsDir, rig.sb.supportDir, [SUBJECT.bundleId]);
      const fixed = await runTreatment(p, control, baseline, rig.deps, { ...TEST_OPTIONS, sequential: false });
      const s = summary(fixed, control, controlMs);
      out.push({ case: name, seed, sequential: summary(seq, control, controlMs), fixed: { decision: s.decision, refreshes: s.refreshes, testRefreshes: s.testRefreshes, ms: s.ms } });
    };
    await applyAgentPatch(rig, GOOD_HEADERS, original);
    await both('good');
    await applyAgentPatch(rig, USELESS_HEADERS, original);
    await both('useless');
    // The site starts rate-limiting once requests get through: the header fix trades 403 for 429.
    subjectSite.behaviours.rateLimit = { requests: 6, windowMs: 1000, retryAfterS: 1 };
    await applyAgentPatch(rig, GOOD_HEADERS, original);
    const trade = await runTreatment(p, control, baseline, rig.deps, TEST_OPTIONS);
    out.push({ case: 'trade429', seed, sequential: summary(trade, control, controlMs) });
    delete subjectSite.behaviours.rateLimit;
    // The site goes down (its proxy answers 502/503 to everything, before the application could look at
    // headers): control and test both run while it is down.
    await applyAgentPatch(rig, null, original);
    subjectSite.behaviours.errors = { share: 1, statuses: [502, 503] };
    subjectSite.behaviours.browserOnly = false;
    const d0 = Date.now();
    const downControl = await runControl(p, baseline, rig.deps, TEST_OPTIONS);
    const downMs = Date.now() - d0;
    await applyAgentPatch(rig, GOOD_HEADERS, original);
    const down = await runTreatment(p, downControl, baseline, rig.deps, TEST_OPTIONS);
    out.push({ case: 'siteDown', seed, sequential: summary(down, downControl, downMs) });
  } finally {
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

async function main(): Promise<void> {
  const seeds = Number(option('seeds', '50'));
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error('--seeds takes a whole number ≥ 1');
  const root = await mkdtemp(join(tmpdir(), 'plexmend bench testing '));
  const results: CaseResult[] = [];
  const t0 = Date.now();
  try {
    for (let i = 0; i < seeds; i++) {
      const seed = 1000 + i;
      const r = await runSeed(seed, root);
      results.push(...r);
      process.stderr.write(`seed ${seed}: ${r.map((x) => `${x.case}=${x.sequential.decision}${x.fixed ? `/${x.fixed.decision}` : ''}${x.case === 'trade429' ? (x.sequential.sideEffect429 ? ' (429 flagged)' : ' (429 NOT flagged)') : ''}`).join(' ')}  [${((Date.now() - t0) / 1000).toFixed(0)} s]\n`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const of = (c: CaseResult['case']) => results.filter((r) => r.case === c);
  const count = (rs: CaseResult[], d: string, k: 'sequential' | 'fixed' = 'sequential') => rs.filter((r) => r[k]?.decision === d).length;
  // Decisions where KEEP would be wrong: the useless fix (sequential and fixed-20) and the site-down test.
  const wrongKeepPool = of('useless').length * 2 + of('siteDown').length;
  const wrongKeeps = count(of('useless'), 'KEEP') + count(of('useless'), 'KEEP', 'fixed') + count(of('siteDown'), 'KEEP');
  const judged = of('good').concat(of('useless'));
  const lines = [
    `plexmend bench:testing — ${seeds} scenario seeds (default scenario, flaky sites on), ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    `good fix (browser headers):          KEEP ${count(of('good'), 'KEEP')}/${seeds} sequential, ${count(of('good'), 'KEEP', 'fixed')}/${seeds} fixed-20`,
    `useless fix (other UA):              ROLLBACK ${count(of('useless'), 'ROLLBACK')}/${seeds} sequential, ${count(of('useless'), 'ROLLBACK', 'fixed')}/${seeds} fixed-20`,
    `header fix trading 403 for 429:      429 flagged as side effect ${of('trade429').filter((r) => r.sequential.sideEffect429).length}/${seeds}; decisions ${['KEEP', 'MONITOR', 'ROLLBACK', 'INCONCLUSIVE'].map((d) => `${d} ${count(of('trade429'), d)}`).join(', ')}`,
    `fix tested while its site is down:   INCONCLUSIVE ${count(of('siteDown'), 'INCONCLUSIVE')}/${seeds}`,
    `wrong KEEP (useless or site down):   ${wrongKeeps} of ${wrongKeepPool} decisions = ${(100 * wrongKeeps / Math.max(1, wrongKeepPool)).toFixed(1)} %`,
    `refreshes per decision (control + test), good and useless fixes: sequential ${mean(judged.map((r) => r.sequential.refreshes)).toFixed(1)}, fixed-20 ${mean(judged.map((r) => r.fixed!.refreshes)).toFixed(1)}`,
    `  of which the test with the fix: good fix ${mean(of('good').map((r) => r.sequential.testRefreshes)).toFixed(1)} vs ${mean(of('good').map((r) => r.fixed!.testRefreshes)).toFixed(1)}, useless fix ${mean(of('useless').map((r) => r.sequential.testRefreshes)).toFixed(1)} vs ${mean(of('useless').map((r) => r.fixed!.testRefreshes)).toFixed(1)} (sequential vs fixed-20; the control is the same in both)`,
    `wall time per fix test (control + test):                         sequential ${(mean(judged.map((r) => r.sequential.ms)) / 1000).toFixed(2)} s, fixed-20 ${(mean(judged.map((r) => r.fixed!.ms)) / 1000).toFixed(2)} s`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(results) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    process.stderr.write(`bench:testing failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
