/**
 * The loop's real wiring: every port of the coordinator bound to the phases (aggregate, diagnose,
 * implement, test, learn), the Plex client and the workspace's documents.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import { describeTarget } from '../config/index.ts';
import { requireFolder } from '../config/folders.ts';
import { connectPlex } from '../plex/connect.ts';
import { readDocument, writeDocument } from '../documents.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { paths, type Workspace } from '../workspace.ts';
import { InputError, PlexmendError } from '../errors.ts';
import { LogReportDocument, type LogReport } from '../logs/schema.ts';
import { DiagnosticReportDocument, LessonsLedgerDocument, type LessonsLedger } from '../diagnose/schema.ts';
import { runDiagnosis, type RunDiagnosisOptions } from '../diagnose/run.ts';
import { describeAdviserRun, type AdviserSettings } from '../diagnose/llm/index.ts';
import { ControlRunDocument, TestReportDocument } from '../testing/schema.ts';
import { runControl, runTreatment, mapItems, plexTestDeps } from '../testing/run.ts';
import { folderWindow } from '../testing/window.ts';
import { applyFix, rollbackFix, rollbackIteration, clearAgentCaches, planFromProposals, contextFromConfig, readLog } from '../implement/index.ts';
import { postMortem, PostMortemDocument } from '../learn/postmortem.ts';
import { emptyLedger } from '../learn/ledger.ts';
import { previousAccuracy } from '../learn/accuracy.ts';
import type { RestartAttempt } from '../learn/derive.ts';
import { renderAggregateText } from '../report/aggregate-text.ts';
import { renderDiagnosisMarkdown } from '../report/diagnosis-md.ts';
import { renderTestMarkdown } from '../report/test-md.ts';
import { renderLessonsMarkdown, renderPostMortemMarkdown } from '../report/postmortem-md.ts';
import { choosePanel } from './panel.ts';
import type { LoopPorts, PanelItem } from './coordinator.ts';
import { LoopStateDocument } from './schema.ts';

export interface RealLoopOptions {
  yes: boolean;
  panelSize: number;
  sampleSize: number;
  paceMs: number;
  parserOnly?: boolean;
  /** One Python 2.7 checker for every diagnosis and apply of the loop (a Jython session starts its JVM once). */
  py27?: RunDiagnosisOptions['py27'];
  probe: boolean;
  /** The LLM adviser's settings when `--llm` is on (each diagnosis consults it). */
  adviser?: AdviserSettings;
  out(line: string): void;
  interrupted(): boolean;
  ask?(question: string): Promise<boolean>;
}

const fixNo = (fixId: string) => Number(fixId.replace(/^fix/, ''));

export async function realPorts(config: Config, ws: Workspace, o: RealLoopOptions): Promise<LoopPorts> {
  const logsDir = requireFolder(config, 'logsDir');
  const pluginsDir = requireFolder(config, 'pluginsDir');
  const plex = await connectPlex(config);
  const tokens = config.target.token ? [config.target.token] : [];
  const window = folderWindow({ kind: 'folder', dir: logsDir }, tokens);
  const implement = await contextFromConfig(config, { out: o.out, prompt: o.ask ?? (async () => o.yes), noWait: true, parserOnly: o.parserOnly, py27: o.py27 });
  const testDeps = plexTestDeps(plex, window, { timeoutMs: 180_000 }, (line) => o.out(`  ${line}`));
  const target = describeTarget(config).split('\n')[0]!;
  const testOpts = (n: number) => ({ iteration: n, target, size: o.sampleSize, guards: 3, seed: n, paceMs: o.paceMs });
  const diagnoseWith = async (report: LogReport, n: number, ledger: LessonsLedger) => {
    const d = await runDiagnosis(report, {
      pluginsDir,
      reportPath: paths.aggregateJson(ws, n),
      iteration: n,
      ledger,
      probe: o.probe,
      parserOnly: o.parserOnly,
      python: config.python,
      ...(o.py27 ? { py27: o.py27 } : {}),
      hostMap: config.target.kind === 'sandbox' ? config.sandbox?.hostMap : undefined,
      ...(o.adviser ? { adviser: o.adviser, secrets: tokens } : {}),
    });
    if (d.adviser) for (const line of describeAdviserRun(d.adviser).split('\n')) o.out(`  ${line}`);
    return d;
  };
  const allBundleIds = async () => (await plex.plugins().catch(() => [])).map((p) => p.identifier).filter((id) => id.startsWith('com.plexapp.agents.'));

  return {
    now: () => new Date(),
    out: o.out,
    interrupted: o.interrupted,
    async choosePanel(seed) {
      const sections = (await plex.sections()).filter((s) => s.type === 'movie' || s.type === 'show');
      const library: Array<Omit<PanelItem, 'failing'>> = [];
      for (const s of sections) for (const it of await plex.sectionItems(s.key)) library.push({ ratingKey: it.ratingKey, title: it.title, ...(it.files[0] ? { filePath: it.files[0] } : {}) });
      if (library.length === 0) throw new InputError('the Plex library has no movie or show items', 'add a library, or run the sandbox (`npm start`)');
      // Items with failed operations in the logs so far (none in a fresh sandbox: the panel refresh finds them).
      let failing = new Set<string>();
      try {
        const r = await window.since((await import('../logs/bookmarks.ts')).emptyBookmarks());
        const bad = r.report.items.filter((i) => i.outcome !== 'matched');
        failing = new Set((await mapItems(testDeps.plex, bad, () => 'guard')).mapped.map((m) => m.ratingKey));
      } catch {
        /* no logs yet */
      }
      return choosePanel(library, failing, Math.max(o.panelSize, failing.size), seed);
    },
    async refreshPanel(items) {
      await clearAgentCaches(pluginsDir, config.paths.supportDir, await allBundleIds());
      const start = await window.mark();
      const t0 = Date.now();
      let done = 0;
      for (const it of items) {
        await plex.refreshAndWait(it.ratingKey, { timeoutMs: 180_000 });
        if (++done % 10 === 0 || done === items.length) o.out(`  panel ${done}/${items.length}`);
        if (o.paceMs) await new Promise((r) => setTimeout(r, o.paceMs));
      }
      const { report } = await window.since(start);
      return { report, refreshes: items.length, durationMs: Date.now() - t0 };
    },
    diagnose: diagnoseWith,
    clearCache: async (ids) => void (await clearAgentCaches(pluginsDir, config.paths.supportDir, ids)),
    control: (p, report, n) => runControl(p, report, testDeps, testOpts(n)),
    async apply(p, n) {
      const plan = planFromProposals([p], p.id, n);
      if (!plan) return { ok: false, reason: `${p.id} has no patch to apply`, restarts: [] };
      // Resumed after a kill: the journal has completed or undone the change; an applied fix is not applied twice.
      const log = await readLog(implement.deps.fs, implement.ws, n).catch(() => null);
      const prior = log?.fixes.filter((f) => f.fixId === p.id).pop();
      if (prior?.status === 'applied') return { ok: true, restarts: restartsOf(prior.restarts) };
      try {
        const r = await applyFix(plan, implement, { yes: o.yes, runId: `loop-${n}` });
        return { ok: r.status === 'applied', reason: r.reasons.join('; ') || r.status, restarts: restartsOf(r.record?.restarts ?? []) };
      } catch (err) {
        // A plan that no longer fits the files, or a refused change, is this fix's outcome, not the loop's end.
        if (!(err instanceof PlexmendError)) throw err;
        return { ok: false, stale: /does not apply|context lines|changed since|differs from the code/.test(err.message), reason: err.message, restarts: [] };
      }
    },
    async refreshProposal(p, report, n, ledger) {
      const d = await diagnoseWith(report, n, ledger);
      const fresh = d.groups.find((g) => g.id === p.groupId)?.proposals.find((x) => x.offered && x.kind === 'patch' && x.recipe === p.recipe && x.source === p.source);
      return fresh ? { ...fresh, id: p.id } : null;
    },
    treatment: (p, control, report, n) => runTreatment(p, control, report, testDeps, testOpts(n)),
    async rollback(fixId, n, reason) {
      const log = await readLog(implement.deps.fs, implement.ws, n).catch(() => null);
      if (log?.fixes.filter((f) => f.fixId === fixId).pop()?.status !== 'applied') return;
      await rollbackFix(fixId, implement, { iteration: n, reason });
    },
    rollbackIteration: async (n, reason) => void (await rollbackIteration(implement, n, reason)),
    postmortem: async (n, entries, ledger) =>
      postMortem(n, entries.map((e) => ({ iteration: n, ...e })), ledger, await previousAccuracy(ws, n), new Date()),
    store: {
      saveState: (s) => writeDocument(LoopStateDocument, paths.loopState(ws, s.iteration), s),
      async saveReport(n, r) {
        await writeDocument(LogReportDocument, paths.aggregateJson(ws, n), r);
        await writeFileAtomic(paths.aggregateText(ws, n), renderAggregateText(r));
      },
      loadReport: (n) => readDocument(LogReportDocument, paths.aggregateJson(ws, n)),
      async saveDiagnosis(n, d) {
        await writeDocument(DiagnosticReportDocument, paths.diagnosisJson(ws, n), d);
        await writeFileAtomic(paths.diagnosisMd(ws, n), renderDiagnosisMarkdown(d));
      },
      loadDiagnosis: (n) => readDocument(DiagnosticReportDocument, paths.diagnosisJson(ws, n)),
      saveControl: (n, fixId, c) => writeDocument(ControlRunDocument, paths.controlRun(ws, n, fixNo(fixId)), { schema: 'plexmend.control/1', ...c }),
      loadControl: async (n, fixId) => (existsSync(paths.controlRun(ws, n, fixNo(fixId))) ? readDocument(ControlRunDocument, paths.controlRun(ws, n, fixNo(fixId))) : null),
      async saveTest(n, t) {
        await writeDocument(TestReportDocument, paths.testReportJson(ws, n, fixNo(t.fixId)), t);
        await writeFileAtomic(paths.testReportMd(ws, n, fixNo(t.fixId)), renderTestMarkdown(t));
      },
      loadTest: async (n, fixId) => (existsSync(paths.testReportJson(ws, n, fixNo(fixId))) ? readDocument(TestReportDocument, paths.testReportJson(ws, n, fixNo(fixId))) : null),
      saveRestarts: async () => undefined,
      async loadRestarts(n, fixId) {
        const log = await readLog(implement.deps.fs, implement.ws, n).catch(() => null);
        return restartsOf(log?.fixes.filter((f) => f.fixId === fixId).pop()?.restarts ?? []);
      },
      loadLedger: async (): Promise<LessonsLedger> => (existsSync(paths.lessons(ws)) ? readDocument(LessonsLedgerDocument, paths.lessons(ws)) : emptyLedger()),
      saveLedger: (l) => writeDocument(LessonsLedgerDocument, paths.lessons(ws), l),
      async savePostMortem(n, pm, ledger) {
        await writeDocument(PostMortemDocument, paths.postMortemJson(ws, n), pm);
        await writeFileAtomic(paths.postMortemMd(ws, n), renderPostMortemMarkdown(pm));
        await writeFileAtomic(paths.lessonsLearnedMd(ws, n), renderLessonsMarkdown(ledger, n));
      },
      previousAccuracy: (n) => previousAccuracy(ws, n),
    },
  };
}

function restartsOf(rs: Array<{ strategy: string; outcome: string; detail: string }>): RestartAttempt[] {
  return rs.map((r) => ({ strategy: r.strategy, ok: r.outcome === 'ok', detail: r.detail }));
}


export type { LogReport };
