/**
 * An in-memory world for the loop coordinator: a library whose items fail because of planted defects, fixes
 * that have a true effect on what the panel refresh reports, and the workspace's documents kept in maps
 * (cloned on every save and load, as a disk would). A kill is simulated by a port throwing `Killed` at the
 * k-th port call, either before the call's effect or after it (the effect happened, the caller never heard).
 */
import type { DiagnosticReport, ErrorGroup, FixProposal, LessonsLedger } from '../../src/diagnose/schema.ts';
import type { ItemOutcome, LogReport } from '../../src/logs/schema.ts';
import { metricPath } from '../../src/logs/schema.ts';
import type { ControlRun } from '../../src/testing/run.ts';
import type { TestReport } from '../../src/testing/schema.ts';
import type { DecisionName } from '../../src/testing/decide.ts';
import type { LoopPorts, PanelItem } from '../../src/loop/coordinator.ts';
import type { LoopState } from '../../src/loop/schema.ts';
import type { PostMortem } from '../../src/learn/postmortem.ts';
import type { RestartAttempt } from '../../src/learn/derive.ts';
import { postMortem } from '../../src/learn/postmortem.ts';
import { actionsFor, emptyLedger } from '../../src/learn/ledger.ts';
import { choosePanel } from '../../src/loop/panel.ts';
import { proposal, testReport } from '../builders/documents.ts';

/**
 * How a planted defect's fix behaves:
 * - cures: the fix makes the group's items match; its test says KEEP, and the site answers 429 a few times (a side effect)
 * - monitor: cures, but its test says MONITOR
 * - harmful: no effect; its test says ROLLBACK
 * - flaky: no effect; its test says INCONCLUSIVE
 * - stale: its first patch no longer fits once another fix of the iteration is applied; re-derived, it cures (KEEP)
 * - sneaky: cures its items and tests KEEP, but breaks `breaks` healthy items (the panel regresses)
 * - broken: the apply itself fails its validation (rolled back at once)
 * - fades: no real effect, but its first test says MONITOR (a lucky sample); its re-test next iteration says ROLLBACK
 */
export type Behaviour = 'cures' | 'monitor' | 'harmful' | 'flaky' | 'stale' | 'sneaky' | 'broken' | 'fades';
const CURING: Behaviour[] = ['cures', 'monitor', 'stale', 'sneaky'];

export interface Defect {
  groupId: string;
  agent: string;
  items: number;
  behaviour: Behaviour;
  breaks?: number;
  /** stale: the patch never fits, and deriving it again finds nothing. */
  neverFits?: boolean;
}

export class Killed extends Error {
  constructor(readonly at: number) {
    super(`killed at port call ${at}`);
  }
}

const NOW = new Date('2026-11-24T03:00:00Z');
const host = (d: Defect) => `www.${d.groupId}.example`;

function emptyReport(items: ItemOutcome[], failedByAgent: Record<string, number>): LogReport {
  const errors = Object.values(failedByAgent).reduce((a, b) => a + b, 0);
  const agents: LogReport['agents'] = {};
  for (const a of new Set(items.map((i) => i.agent))) {
    const mine = items.filter((i) => i.agent === a);
    const matched = mine.filter((i) => i.outcome === 'matched').length;
    agents[a] = {
      events: mine.length, errors: failedByAgent[a] ?? 0, noise: 0, byClass: failedByAgent[a] ? { http_error: failedByAgent[a] } : {},
      http: { requests: mine.length, requestsByHost: {}, byStatus: {}, byHost: {} },
      searches: mine.length, searchesMatched: matched, searchesFailed: mine.length - matched, searchesErrored: 0,
      updates: 0, updatesSucceeded: 0, updatesFailed: 0, pluginStarts: 0, matchRate: mine.length ? matched / mine.length : null, updateSuccessRate: null,
    };
  }
  return {
    schema: 'plexmend.aggregate/1', generatedAt: NOW.toISOString(), input: { kind: 'folder', paths: [] }, filters: {}, window: {}, sources: [], gaps: [], problems: [],
    counts: { bytes: 0, lines: 0, records: 0, continuations: 0, lenient: 0, unparsed: 0, verbose: { debug: 0, prefDump: 0, separator: 0, info: 0 }, invalidUtf8: 0, nulBytes: 0, longLines: 0, filteredOut: 0 },
    totals: { events: items.length, errors, noise: 0, byClass: errors ? { http_error: errors } : {}, operations: {} },
    agents, patterns: [], items,
  };
}

interface Library {
  item: PanelItem & { agent: string; defect?: string };
}

export interface WorldOptions {
  defects: Defect[];
  healthy: number;
}

/** The world that survives a kill: the library, the applied fixes and the workspace's documents. */
export class World {
  readonly library: Array<Library['item']> = [];
  /** Applied fixes, `iteration:fixId` → the group and behaviour (what is in the Plug-ins folder now). */
  readonly applied = new Map<string, { groupId: string; iteration: number; behaviour: Behaviour }>();
  readonly docs = new Map<string, unknown>();
  readonly log: string[] = [];
  lastState: LoopState | null = null;

  constructor(readonly o: WorldOptions) {
    let k = 0;
    for (const d of o.defects) for (let i = 0; i < d.items; i++) this.library.push(this.newItem(++k, d.agent, d.groupId));
    for (let i = 0; i < o.healthy; i++) this.library.push(this.newItem(++k, 'Healthy', undefined));
  }

  private newItem(k: number, agent: string, defect: string | undefined) {
    return { ratingKey: String(k), title: `Film ${k}`, filePath: `/media/Film ${k}.mkv`, failing: false, agent, ...(defect ? { defect } : {}) };
  }

  defect(groupId: string): Defect {
    return this.o.defects.find((d) => d.groupId === groupId)!;
  }

  /** Whether an item matches now, given the fixes applied. */
  matches(it: Library['item']): boolean {
    const fixes = [...this.applied.values()];
    const broken = fixes.filter((f) => f.behaviour === 'sneaky').reduce((n, f) => n + (this.defect(f.groupId).breaks ?? 0), 0);
    if (!it.defect) return Number(it.ratingKey) - this.o.defects.reduce((n, d) => n + d.items, 0) > broken;
    return fixes.some((f) => f.groupId === it.defect && CURING.includes(f.behaviour));
  }

  report(items: Array<Library['item']>): LogReport {
    const rows: ItemOutcome[] = [];
    const failed: Record<string, number> = {};
    for (const it of items) {
      const ok = this.matches(it);
      if (!ok) failed[it.agent] = (failed[it.agent] ?? 0) + 1;
      rows.push({ agent: it.agent, phase: 'search', filePath: it.filePath, title: it.title, outcome: ok ? 'matched' : 'failed', reasons: [], operations: 1, matched: ok ? 1 : 0, failed: ok ? 0 : 1, errored: 0 });
    }
    return emptyReport(rows, failed);
  }

  diagnosis(report: LogReport, n: number, ledger: LessonsLedger): DiagnosticReport {
    const failingGroups = new Set(report.items.filter((r) => r.outcome !== 'matched').map((r) => this.library.find((i) => i.filePath === r.filePath)?.defect).filter(Boolean));
    const groups: ErrorGroup[] = [];
    for (const d of this.o.defects) {
      if (!failingGroups.has(d.groupId)) continue;
      const compose = actionsFor(ledger, { phase: 'diagnose', host: host(d), recipe: 'request_headers' }, 'compose');
      const p = proposal({
        id: `fix-${d.groupId}`,
        groupId: d.groupId,
        agents: [d.agent],
        bundleIds: [`com.plexapp.agents.${d.agent}`],
        rationale: d.behaviour === 'stale' ? 'derived before the other fixes' : d.behaviour,
        composed: compose.map((c) => c.action.with),
        lessonsApplied: compose.map((c) => ({ lessonId: c.lesson.id, effect: `composed ${c.action.with}` })),
        expectation: { ...proposal().expectation, primary: { ...proposal().expectation.primary, path: metricPath.agentHostStatus(d.agent, host(d), 403) } },
      });
      groups.push({
        id: d.groupId, class: 'http_error', agent: d.agent, host: host(d), status: 403, events: d.items, itemsAffected: d.items, observed: '403', expected: '200',
        cause: { id: `cause-${d.groupId}`, summary: 'the site refuses the request', fixable: true, evidence: { log: [], code: [] } },
        proposals: [p],
      });
    }
    return { schema: 'plexmend.diagnosis/1', generatedAt: NOW.toISOString(), iteration: n, report: '', pluginsDir: '/plug-ins', python27Checker: 'parser-level', groups, rulesNotFired: [], lessonsLoaded: ledger.lessons.length, notes: [] };
  }

  treatment(p: FixProposal, n: number): TestReport {
    const d = this.defect(p.groupId);
    const retest = p.id !== `fix-${d.groupId}`;
    const decision: Record<Behaviour, DecisionName> = { cures: 'KEEP', monitor: 'MONITOR', harmful: 'ROLLBACK', flaky: 'INCONCLUSIVE', stale: 'KEEP', sneaky: 'KEEP', broken: 'ROLLBACK', fades: retest ? 'ROLLBACK' : 'MONITOR' };
    const cured = CURING.includes(d.behaviour);
    const primaryPath = p.expectation.primary.path;
    return testReport({
      iteration: n,
      fixId: p.id,
      metrics: [{ expectation: p.expectation.primary, role: 'primary', before: 2, after: cured ? 0 : 2, met: cured }],
      sideEffects: d.behaviour === 'cures' && !p.composed.includes('retry_backoff') ? [{ path: metricPath.agentHostStatus(d.agent, host(d), 429), before: 0, after: 4, description: `429 from ${host(d)} rose` }] : [],
      decision: { decision: decision[d.behaviour], reasons: [`${d.behaviour} fix (${primaryPath})`], rate: cured ? 1 : 0, interval: { low: 0, high: 1 }, pValue: null, baselineRate: 0 },
    });
  }
}

/** The loop's ports over a world. `kill` (1-based port call number) throws `Killed` there; `after` lets the effect happen first. */
export function worldPorts(w: World, o: { kill?: number; after?: boolean; interruptAt?: number } = {}): { ports: LoopPorts; calls(): number } {
  let calls = 0;
  let interruptChecks = 0;
  const doc = <T>(key: string): T => {
    if (!w.docs.has(key)) throw new Error(`no document ${key}`);
    return structuredClone(w.docs.get(key)) as T;
  };
  const put = (key: string, v: unknown) => void w.docs.set(key, structuredClone(v));
  const ports: LoopPorts = {
    now: () => NOW,
    out: () => undefined,
    interrupted: () => o.interruptAt !== undefined && ++interruptChecks >= o.interruptAt,
    choosePanel: async (seed) => {
      const failing = new Set(w.library.filter((i) => i.defect).map((i) => i.ratingKey));
      return choosePanel(w.library.map(({ ratingKey, title, filePath }) => ({ ratingKey, title, filePath })), failing, w.library.length, seed);
    },
    refreshPanel: async (items) => ({ report: w.report(items.map((p) => w.library.find((i) => i.ratingKey === p.ratingKey)!)), refreshes: items.length, durationMs: 5 }),
    diagnose: async (report, n, ledger) => w.diagnosis(report, n, ledger),
    clearCache: async () => undefined,
    control: async (p, report): Promise<ControlRun> => ({ fixId: p.id, items: [], unmapped: [], report, refreshes: 2, gapBytes: 0 }),
    apply: async (p, n) => {
      const d = w.defect(p.groupId);
      const key = `${n}:${p.id}`;
      if (w.applied.has(key)) return { ok: true, restarts: [] }; // resumed: the journal says it is applied
      if (d.behaviour === 'stale' && p.rationale !== 're-derived' && (d.neverFits || [...w.applied.values()].some((a) => a.iteration === n))) {
        return { ok: false, stale: true, reason: 'context lines differ from the code', restarts: [] };
      }
      if (d.behaviour === 'broken') return { ok: false, reason: 'python 2.7 check failed', restarts: [] };
      w.applied.set(key, { groupId: p.groupId, iteration: n, behaviour: d.behaviour });
      w.log.push(`apply ${key}`);
      return { ok: true, restarts: [{ strategy: 'info-plist-touch', ok: true }] };
    },
    refreshProposal: async (p) => {
      w.log.push(`re-derive ${p.id}`);
      return w.defect(p.groupId).neverFits ? null : { ...p, rationale: 're-derived' };
    },
    treatment: async (p, _c, _r, n) => w.treatment(p, n),
    rollback: async (fixId, n) => {
      if (w.applied.delete(`${n}:${fixId}`)) w.log.push(`rollback ${n}:${fixId}`);
    },
    rollbackIteration: async (n) => {
      for (const [k, a] of w.applied) if (a.iteration === n) w.applied.delete(k);
      w.log.push(`rollback iteration ${n}`);
    },
    postmortem: async (n, entries, ledger) => postMortem(n, entries.map((e) => ({ iteration: n, ...e })), ledger, await ports.store.previousAccuracy(n), NOW),
    store: {
      saveState: async (s) => {
        w.lastState = structuredClone(s);
      },
      saveReport: async (n, r) => put(`report/${n}`, r),
      loadReport: async (n) => doc(`report/${n}`),
      saveDiagnosis: async (n, d) => put(`diagnosis/${n}`, d),
      loadDiagnosis: async (n) => doc(`diagnosis/${n}`),
      saveControl: async (n, id, c) => put(`control/${n}/${id}`, c),
      loadControl: async (n, id) => (w.docs.has(`control/${n}/${id}`) ? doc(`control/${n}/${id}`) : null),
      saveTest: async (n, t) => put(`test/${n}/${t.fixId}`, t),
      loadTest: async (n, id) => (w.docs.has(`test/${n}/${id}`) ? doc(`test/${n}/${id}`) : null),
      saveRestarts: async (n, id, r) => put(`restarts/${n}/${id}`, r),
      loadRestarts: async (n, id) => (w.docs.has(`restarts/${n}/${id}`) ? doc<RestartAttempt[]>(`restarts/${n}/${id}`) : []),
      loadLedger: async () => (w.docs.has('lessons') ? doc<LessonsLedger>('lessons') : emptyLedger()),
      saveLedger: async (l) => put('lessons', l),
      savePostMortem: async (n, pm) => put(`postmortem/${n}`, pm),
      previousAccuracy: async (n) => {
        for (let k = n - 1; k >= 1; k--) if (w.docs.has(`postmortem/${k}`)) return doc<PostMortem>(`postmortem/${k}`).recipeAccuracy;
        return {};
      },
    },
  };
  // Count every call that reaches the world or the workspace; the k-th one is where the process dies.
  const wrap = <T extends object>(obj: T, skip: string[]): T => {
    for (const [name, f] of Object.entries(obj)) {
      if (typeof f !== 'function' || skip.includes(name)) continue;
      (obj as Record<string, unknown>)[name] = async (...args: unknown[]) => {
        const at = ++calls;
        if (o.kill === at && !o.after) throw new Killed(at);
        const r = await (f as (...a: unknown[]) => Promise<unknown>)(...args);
        if (o.kill === at && o.after) throw new Killed(at);
        return r;
      };
    }
    return obj;
  };
  wrap(ports, ['now', 'out', 'interrupted']);
  wrap(ports.store, []);
  return { ports, calls: () => calls };
}
