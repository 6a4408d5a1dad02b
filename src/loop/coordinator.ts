/**
 * Phase 5: the loop as a resumable state machine. Each step reads the state, does one thing through the
 * ports, and saves the state atomically, so a kill at any moment resumes exactly there (a half-applied
 * fix is completed or undone by implement's journal on the next apply/rollback).
 *
 *   start → [diagnose → fixes (per fix: control → apply → test → decide) → postmortem → panel]* → done
 */
import type { DiagnosticReport, FixProposal, LessonsLedger } from '../diagnose/schema.ts';
import type { LogReport } from '../logs/schema.ts';
import type { TestReport } from '../testing/schema.ts';
import type { ControlRun } from '../testing/run.ts';
import type { PostMortem } from '../learn/postmortem.ts';
import type { RestartAttempt } from '../learn/derive.ts';
import { exitFor } from './exits.ts';
import { panelFigure } from './panel.ts';
import { proposalOf, retestEntries, sourceOf } from './retest.ts';
import type { FixEntry, LoopState, PanelFigure } from './schema.ts';
import { leftOver } from './leftover.ts';

export interface PanelItem {
  ratingKey: string;
  title: string;
  filePath?: string;
  failing: boolean;
}

/** Everything the loop does to the world, injected (real wiring in run.ts; tests pass fakes). */
export interface LoopPorts {
  now(): Date;
  out(line: string): void;
  /** Ctrl-C was pressed: finish the step, save, exit. */
  interrupted(): boolean;
  /** The panel: items that failed (from existing logs) plus a seeded sample of the library. */
  choosePanel(seed: number): Promise<PanelItem[]>;
  /** Refreshes the panel and reports the log lines those refreshes produced. */
  refreshPanel(items: PanelItem[]): Promise<{ report: LogReport; refreshes: number; durationMs: number }>;
  diagnose(report: LogReport, iteration: number, ledger: LessonsLedger): Promise<DiagnosticReport>;
  clearCache(bundleIds: string[]): Promise<void>;
  control(p: FixProposal, report: LogReport, iteration: number): Promise<ControlRun>;
  /** `stale`: the patch no longer fits the files (an earlier fix of this iteration changed them). */
  apply(p: FixProposal, iteration: number): Promise<{ ok: boolean; stale?: boolean; reason?: string; restarts: RestartAttempt[] }>;
  /** The same group's proposal re-derived from the code as it is now, keeping the fix id; null when none fits. */
  refreshProposal(p: FixProposal, report: LogReport, iteration: number, ledger: LessonsLedger): Promise<FixProposal | null>;
  treatment(p: FixProposal, control: ControlRun | null, report: LogReport, iteration: number): Promise<TestReport>;
  rollback(fixId: string, iteration: number, reason: string): Promise<void>;
  rollbackIteration(iteration: number, reason: string): Promise<void>;
  postmortem(iteration: number, entries: Array<{ proposal: FixProposal; test: TestReport | null; restarts: RestartAttempt[] }>, ledger: LessonsLedger): Promise<{ doc: PostMortem; ledger: LessonsLedger }>;
  /** Documents of the workspace. */
  store: {
    saveState(s: LoopState): Promise<void>;
    saveReport(iteration: number, r: LogReport): Promise<void>;
    loadReport(iteration: number): Promise<LogReport>;
    saveDiagnosis(iteration: number, d: DiagnosticReport): Promise<void>;
    loadDiagnosis(iteration: number): Promise<DiagnosticReport>;
    saveControl(iteration: number, fixId: string, c: ControlRun): Promise<void>;
    loadControl(iteration: number, fixId: string): Promise<ControlRun | null>;
    saveTest(iteration: number, t: TestReport): Promise<void>;
    loadTest(iteration: number, fixId: string): Promise<TestReport | null>;
    saveRestarts(iteration: number, fixId: string, r: RestartAttempt[]): Promise<void>;
    loadRestarts(iteration: number, fixId: string): Promise<RestartAttempt[]>;
    loadLedger(): Promise<LessonsLedger>;
    saveLedger(l: LessonsLedger): Promise<void>;
    savePostMortem(iteration: number, pm: PostMortem, ledger: LessonsLedger): Promise<void>;
    previousAccuracy(iteration: number): Promise<PostMortem['recipeAccuracy']>;
  };
}

export interface LoopOptions {
  goal: number;
  maxIterations: number;
  seed: number;
  target: string;
  /**
   * First iteration number (default 1). A workspace that already holds iterations (an earlier loop, or
   * phases run by hand) continues after them: reusing a number would meet that iteration's journal, where a
   * fix id already "applied" would be skipped, and a rollback would undo the earlier run's kept fix.
   */
  firstIteration?: number;
}

export function newState(o: LoopOptions, now: Date): LoopState {
  return {
    schema: 'plexmend.loop/1',
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    target: o.target,
    goal: o.goal,
    maxIterations: o.maxIterations,
    seed: o.seed,
    firstIteration: o.firstIteration ?? 1,
    iteration: o.firstIteration ?? 1,
    step: 'start',
    panel: [],
    figures: [],
    fixes: [],
    parked: [],
    inconclusive: {},
    timings: {},
  };
}

/** The proposals an iteration tries: per group, its first offered code fix, unless parked or already failed. */
export function chooseFixes(d: DiagnosticReport, s: LoopState): FixProposal[] {
  const out: FixProposal[] = [];
  for (const g of d.groups) {
    if (s.parked.some((p) => p.groupId === g.id)) continue;
    // The first offered change this group has not had yet: a change rolled back (or kept) before is not tried
    // again, but the next proposal (e.g. the adviser's, ranked after the recipe's) still gets its turn.
    const earlier = s.fixes.filter((f) => f.groupId === g.id && f.iteration < d.iteration && (f.decision === 'ROLLBACK' || f.kept));
    const p = g.proposals.find((x) => x.offered && x.kind === 'patch' && !earlier.some((f) => sameChange(f, x)));
    if (p) out.push(p);
  }
  return out;
}

/** Same recipe, same composition and same author: what the loop treats as "the same change". */
function sameChange(f: FixEntry, p: FixProposal): boolean {
  return f.recipe === p.recipe && f.composed.join() === p.composed.join() && f.source === p.source;
}

function entryFor(p: FixProposal, iteration: number): FixEntry {
  return {
    iteration,
    fixId: p.id,
    groupId: p.groupId,
    recipe: p.recipe,
    composed: p.composed,
    source: p.source,
    title: p.title,
    agents: p.agents,
    step: 'pending',
    reasons: [],
    expected: p.expectation.primary.description,
    expectedPrimary: p.expectation.primary,
    sideEffects: [],
    refreshes: 0,
    durationMs: 0,
    kept: false,
  };
}

/** Runs (or resumes) the loop until it exits or is interrupted. Returns the final state. */
export async function runLoop(state: LoopState, ports: LoopPorts): Promise<LoopState> {
  let s = state;
  const save = async () => {
    s.updatedAt = ports.now().toISOString();
    await ports.store.saveState(s);
  };
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      s.timings[name] = (s.timings[name] ?? 0) + (Date.now() - t0);
    }
  };
  if (s.exit?.reason === 'MANUAL_EXIT') delete s.exit;

  while (s.step !== 'done') {
    if (ports.interrupted()) {
      s.exit = { reason: 'MANUAL_EXIT', detail: `stopped by the user at iteration ${s.iteration}, step ${s.step}; plexmend loop --resume continues here (a sandbox rehearsal, plexmend start, starts over instead)` };
      await save();
      return s;
    }
    const n = s.iteration;
    switch (s.step) {
      case 'start': {
        // The panel is saved as soon as it is chosen: a kill during the first refresh resumes with the same
        // panel (choosing again would read the logs that refresh wrote and could pick other items).
        if (s.panel.length === 0) {
          ports.out('choosing the panel…');
          s.panel = await ports.choosePanel(s.seed);
          await save();
        }
        ports.out(`panel: ${s.panel.length} items (${s.panel.filter((p) => p.failing).length} with failed operations); refreshing it for the starting figure`);
        const r = await timed('panel', () => ports.refreshPanel(s.panel));
        s.figures.push(panelFigure(0, s.panel, r.report, r.refreshes, r.durationMs));
        await ports.store.saveReport(s.iteration, r.report);
        ports.out(`panel at start: ${pct(s.figures[0]!.success)} of ${s.figures[0]!.observed} items matched by a site agent`);
        s.step = 'diagnose';
        break;
      }
      case 'diagnose': {
        const report = await ports.store.loadReport(n);
        const ledger = await ports.store.loadLedger();
        ports.out(`iteration ${n}: diagnosing (${ledger.lessons.length} lessons loaded)…`);
        const d = await timed('diagnose', () => ports.diagnose(report, n, ledger));
        await ports.store.saveDiagnosis(n, d);
        const chosen = chooseFixes(d, s);
        for (const p of chosen) s.fixes.push(entryFor(p, n));
        const retests = retestEntries(s, d, n);
        s.fixes.push(...retests);
        ports.out(`iteration ${n}: ${d.groups.length} error groups, ${chosen.length} fixes to try${retests.length ? `, ${retests.length} MONITOR fixes to re-test` : ''}`);
        if (chosen.length === 0 && retests.length === 0) {
          // The start figure is judged here too: a panel that already meets the goal is a SUCCESS, not EXHAUSTED.
          const now = last(s.figures).success;
          s.exit =
            now >= s.goal
              ? { reason: 'SUCCESS', detail: `the panel is at ${pct(now)} (goal ${pct(s.goal)}) and no fix is needed` }
              : { reason: 'EXHAUSTED', detail: `no actionable fix left; the panel is at ${pct(now)}, the goal ${pct(s.goal)}. Left: ${leftOver(d.groups, s) || 'nothing diagnosable'}` };
          s.step = 'done';
        } else s.step = 'fixes';
        break;
      }
      case 'fixes': {
        const entry = s.fixes.find((f) => f.iteration === n && f.step !== 'decided');
        if (!entry) {
          s.step = 'postmortem';
          break;
        }
        await fixStep(entry, s, ports, timed);
        break;
      }
      case 'postmortem': {
        const entries = [];
        for (const f of s.fixes.filter((x) => x.iteration === n)) {
          const proposal = proposalOf(f, await ports.store.loadDiagnosis(sourceOf(f).iteration));
          if (proposal) entries.push({ proposal, test: await ports.store.loadTest(n, f.fixId), restarts: await ports.store.loadRestarts(n, f.fixId) });
        }
        const { doc, ledger } = await ports.postmortem(n, entries, await ports.store.loadLedger());
        await ports.store.saveLedger(ledger);
        await ports.store.savePostMortem(n, doc, ledger);
        ports.out(`iteration ${n}: post-mortem — lessons ${doc.lessons.added.length} new, ${doc.lessons.confirmed.length} confirmed, ${doc.lessons.contradicted.length} contradicted`);
        s.step = 'panel';
        break;
      }
      case 'panel': {
        // The figure is saved before anything acts on it: a kill during the FAILURE rollback resumes to the
        // same figure (refreshing again would measure the half-rolled-back panel and judge differently).
        if (!s.figures.some((f) => f.iteration === n)) {
          ports.out(`iteration ${n}: refreshing the panel…`);
          const r = await timed('panel', () => ports.refreshPanel(s.panel));
          s.figures.push(panelFigure(n, s.panel, r.report, r.refreshes, r.durationMs));
          ports.out(`iteration ${n}: panel ${pct(s.figures[s.figures.length - 2]!.success)} → ${pct(last(s.figures).success)}`);
          if (!exitOf(s, n)) await ports.store.saveReport(n + 1, r.report);
          await save();
        }
        const exit = exitOf(s, n);
        if (exit?.reason === 'FAILURE') {
          await ports.rollbackIteration(n, exit.detail);
          // This iteration's own fixes; a re-tested MONITOR fix belongs to its earlier iteration and stays.
          for (const f of s.fixes.filter((x) => x.iteration === n && !x.retestOf)) f.kept = false;
        }
        if (exit) {
          s.exit = exit;
          s.step = 'done';
        } else {
          s.iteration = n + 1;
          s.step = 'diagnose';
        }
        break;
      }
    }
    await save();
  }
  return s;
}

async function fixStep(f: FixEntry, s: LoopState, ports: LoopPorts, timed: <T>(name: string, fn: () => Promise<T>) => Promise<T>): Promise<void> {
  const n = f.iteration;
  const src = sourceOf(f);
  const d = await ports.store.loadDiagnosis(src.iteration);
  const p = proposalOf(f, d)!;
  const report = await ports.store.loadReport(src.iteration);
  switch (f.step) {
    case 'pending': {
      ports.out(`${f.fixId} (${f.title}): control — refreshing its items without the fix`);
      await ports.clearCache(p.bundleIds);
      const c = await timed('test', () => ports.control(p, report, n));
      await ports.store.saveControl(n, f.fixId, c);
      f.refreshes += c.refreshes;
      f.step = 'control';
      return;
    }
    case 'control': {
      ports.out(`${f.fixId}: applying`);
      let r = await timed('apply', () => ports.apply(p, n));
      if (r.stale) {
        // An earlier fix of this iteration changed the same files: derive this fix again on the current code.
        ports.out(`${f.fixId}: the patch no longer fits (${r.reason}); re-deriving it on the current code`);
        const fresh = await ports.refreshProposal(p, report, n, await ports.store.loadLedger());
        if (fresh) {
          for (const g of d.groups) g.proposals = g.proposals.map((x) => (x.id === p.id ? fresh : x));
          await ports.store.saveDiagnosis(n, d);
          r = await timed('apply', () => ports.apply(fresh, n));
        }
      }
      await ports.store.saveRestarts(n, f.fixId, r.restarts);
      if (!r.ok) {
        f.decision = r.stale ? 'INCONCLUSIVE' : 'ROLLBACK';
        f.reasons = [r.stale ? `not applied: ${r.reason}` : `rolled back at once: ${r.reason ?? 'the change failed its immediate validation'}`];
        // A patch that does not fit counts towards "inconclusive twice, then parked" like an inconclusive test.
        if (r.stale) countInconclusive(f, s);
        f.step = 'decided';
        return;
      }
      f.step = 'applied';
      return;
    }
    case 'applied': {
      ports.out(`${f.fixId}: testing — refreshing its items with the fix`);
      await ports.clearCache(p.bundleIds);
      const control = await ports.store.loadControl(n, f.fixId);
      const t = await timed('test', () => ports.treatment(p, control, report, n));
      await ports.store.saveTest(n, t);
      f.refreshes += t.refreshes.started;
      f.durationMs += t.durationMs;
      f.decision = t.decision.decision;
      f.reasons = t.decision.reasons;
      f.rate = t.decision.rate;
      const primary = t.metrics.find((m) => m.role === 'primary');
      f.primaryBefore = primary?.before ?? null;
      f.primaryAfter = primary?.after ?? null;
      f.primaryMet = primary?.met ?? null;
      f.sideEffects = t.sideEffects.map((e) => `${e.path}: ${e.description}`);
      f.step = 'tested';
      return;
    }
    case 'tested': {
      if (f.retestOf) {
        // Re-test of a MONITOR fix: no evidence (INCONCLUSIVE) leaves it applied; ROLLBACK undoes it where it was applied.
        const original = s.fixes.find((x) => x.iteration === src.iteration && x.fixId === src.fixId);
        const keep = f.decision !== 'ROLLBACK';
        if (!keep) await ports.rollback(src.fixId, src.iteration, `re-test ${f.fixId}: ${f.decision}: ${f.reasons.join('; ')}`);
        if (original) original.kept = keep;
        f.kept = keep;
        ports.out(`${f.fixId}: re-test of ${src.fixId} ${f.decision}${keep ? ' (stays)' : ' (rolled back)'} — ${f.reasons.join('; ')}`);
        f.step = 'decided';
        return;
      }
      const keep = f.decision === 'KEEP' || f.decision === 'MONITOR';
      if (!keep) {
        if (f.decision === 'INCONCLUSIVE') countInconclusive(f, s);
        await ports.rollback(f.fixId, n, `${f.decision}: ${f.reasons.join('; ')}`);
      }
      f.kept = keep;
      ports.out(`${f.fixId}: ${f.decision}${keep ? ' (kept)' : ' (rolled back)'} — ${f.reasons.join('; ')}`);
      f.step = 'decided';
      return;
    }
    case 'decided':
      return;
  }
}

/** INCONCLUSIVE once: retried next iteration; twice: the group is parked with the reason. */
function countInconclusive(f: FixEntry, s: LoopState): void {
  s.inconclusive[f.groupId] = (s.inconclusive[f.groupId] ?? 0) + 1;
  if (s.inconclusive[f.groupId]! >= 2 && !s.parked.some((p) => p.groupId === f.groupId)) {
    s.parked.push({ groupId: f.groupId, reason: `${f.fixId} was inconclusive twice: ${f.reasons.join('; ')}` });
  }
}

/** Exit rules count this loop's iterations (a loop may start after earlier ones in its workspace). */
const exitOf = (s: LoopState, n: number) => exitFor({ figures: s.figures, goal: s.goal, iteration: n - (s.firstIteration ?? 1) + 1, maxIterations: s.maxIterations, actionableLeft: 1 });

const pct = (x: number) => `${Math.round(x * 100)} %`;
const last = (f: PanelFigure[]) => f[f.length - 1]!;
