/**
 * Phase 2 entry: `diagnose(report, deps, options)` turns an aggregate report into root causes with
 * evidence and ranked, validated fix proposals, each with its Expectation. Lessons from the ledger are
 * applied mechanically (compose, demote, calibrate, watch) and every proposal says which changed it.
 * With `deps.adviser` (`--llm`), groups the knowledge base could not fix are also put to an LLM (llm/); its
 * answer becomes a proposal through the same buildProposal and checklist, or is discarded with the reason.
 */
import { RULES, explain, fill, type Rule } from './knowledge.ts';
import { errorGroups, type ObservedGroup } from './groups.ts';
import { probeSite, type HttpGet, type ProbeResult } from './probe.ts';
import { buildExpectation } from './expectations.ts';
import { runChecklist, type ChecklistInput } from './validate.ts';
import { RECIPE_IMPLS } from './recipes/index.ts';
import { render, toFileChanges, type FileEdits, type SourceEdit } from './recipes/source.ts';
import type { RecipeChange, RecipeContext } from './recipes/types.ts';
import { checkNamingChange, type NamingViolation } from './python/naming.ts';
import { checkPython27, parserPy27Checker, type Py27Report, type PythonSource } from './python/py27.ts';
import type { BundleInfo, BundleInspection, LogicalFile } from './inspect/types.ts';
import { actionsFor, lessonsFor } from '../learn/ledger.ts';
import type { Adviser } from './llm/adviser.ts';
import { consultDecision, consultGroup, settleRecords, startAdviserRun } from './llm/consult.ts';
import type { LogReport } from '../logs/schema.ts';
import type { DiagnosticReport, ErrorGroup, FixProposal, Lesson, LessonsLedger, RecipeName } from './schema.ts';

export interface DiagnoseDeps {
  inspection: BundleInspection;
  /** Reads a file by its path relative to the Plug-ins folder. */
  readText(relPath: string): Promise<string>;
  http: HttpGet;
  /** Python 2.7 check of changed files (interpreter or parser-level). */
  py27(files: PythonSource[]): Promise<Py27Report>;
  /** Top-level module names in a bundle's Contents/Libraries/Shared. */
  bundleLibraries?(bundle: string): Promise<Set<string>>;
  now(): Date;
  /** The optional LLM adviser (`--llm`); absent: the diagnosis is the knowledge base's alone. */
  adviser?: Adviser;
}

export interface DiagnoseOptions {
  iteration: number;
  reportPath: string;
  pluginsDir: string;
  ledger: LessonsLedger;
  /** Ask the sites (at most two requests per host): tells header refusals from challenges. */
  probe: boolean;
  /** Items needed to judge a fix (checklist point 10). */
  minItems: number;
}

/** The bundle of a group's agent: by bundle id, else by folder or id suffix. */
export function bundleFor(inspection: BundleInspection, g: ObservedGroup): BundleInfo | undefined {
  return (
    inspection.bundles.find((b) => g.bundleId && b.identifier === g.bundleId) ??
    inspection.bundles.find((b) => b.bundle === `${g.agent}.bundle`) ??
    inspection.bundles.find((b) => b.identifier?.toLowerCase().endsWith(`.${g.agent.toLowerCase()}`))
  );
}

/** Headers the agent sends today, as far as static code says (for the probe's "as the agent" request). */
function agentHeaders(inspection: BundleInspection, bundle: BundleInfo | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!bundle) return out;
  for (const f of bundle.files) {
    const file = inspection.files.find((x) => x.sha256 === f.sha256);
    for (const h of file?.inspection.headers ?? []) if (h.func === 'Start' && h.value !== null) out[h.header] = h.value;
  }
  return out;
}

const PROBED_CLASSES = new Set(['http_error', 'timeout', 'connection_error']);

export async function diagnose(report: LogReport, deps: DiagnoseDeps, options: DiagnoseOptions): Promise<DiagnosticReport> {
  const groups = errorGroups(report);
  const probes = new Map<string, ProbeResult>();
  const fired = new Set<string>();
  const notes: string[] = [];
  const out: ErrorGroup[] = [];
  let fixNo = 0;
  const pending: Pending[] = [];
  const adviserRun = deps.adviser ? startAdviserRun(deps.adviser) : null;
  const texts = new Map<string, string>();
  const textOf = async (file: LogicalFile) => {
    if (!texts.has(file.sha256)) texts.set(file.sha256, await deps.readText(`${file.copies[0]!.bundle}/${file.copies[0]!.path}`));
    return texts.get(file.sha256)!;
  };
  // Any file of the inspection, for recipes that look beyond the group's bundle (callers of a shared
  // helper in other bundles): read once per diagnosis; a failure is remembered, not retried.
  const unreadable = new Map<string, unknown>();
  const read = async (file: LogicalFile): Promise<string> => {
    if (unreadable.has(file.sha256)) throw unreadable.get(file.sha256);
    try {
      return await textOf(file);
    } catch (err) {
      unreadable.set(file.sha256, err);
      throw err;
    }
  };

  for (const g of groups) {
    const bundle = bundleFor(deps.inspection, g);
    let probe: ProbeResult | null = null;
    const url = g.examples.find((e) => e.url)?.url;
    if (options.probe && url && PROBED_CLASSES.has(g.class)) {
      const key = `${g.host ?? url}|${g.status ?? g.class}`;
      if (!probes.has(key)) probes.set(key, await probeSite(deps.http, url, agentHeaders(deps.inspection, bundle)));
      probe = probes.get(key)!;
    }
    const explained = explain(g.class, g.status, probe?.verdict ?? null);
    // Without the bundle no recipe can run: the rule's workaround (or, when it has none, "point plexmend at
    // the bundle") is what is offered, so the note below holds for every rule.
    const rule = explained && !bundle ? withWorkaround(explained, g.agent, options.pluginsDir) : explained;
    const vars = { agent: g.agent, host: g.host, status: g.status, detail: g.examples[0]?.message.slice(0, 160) };
    if (!rule) {
      notes.push(`no rule explains ${g.id}${probe ? ` (probe: ${probe.verdict})` : ''}`);
      continue;
    }
    fired.add(rule.id);
    const proposals: FixProposal[] = [];
    const codeEvidence: ErrorGroup['cause']['evidence']['code'] = [];
    if (!bundle) notes.push(`${g.id}: no bundle for agent ${g.agent} in ${options.pluginsDir}; only a workaround can be offered`);
    else noteSyntaxErrors(deps.inspection, bundle, notes);
    for (const files of bundle ? deps.inspection.files.filter((f) => bundle.files.some((b) => b.sha256 === f.sha256)) : []) await textOf(files);

    const plan = recipeOrder(rule, g, options.ledger);
    let rank = 0;
    let haveCodeFix = false;
    for (const step of plan) {
      // One passing code fix per group; the workaround stays listed as the fallback.
      if (haveCodeFix && step.recipe !== 'workaround') continue;
      const ctx: RecipeContext | null = bundle
        ? { group: g, rule, probe, report, inspection: deps.inspection, bundle, text: (f) => texts.get(f.sha256) ?? '', read, http: deps.http }
        : null;
      if (!ctx && step.recipe !== 'workaround') continue;
      const outcome = ctx
        ? await RECIPE_IMPLS[step.recipe].run(ctx)
        : await RECIPE_IMPLS.workaround.run({ group: g, rule, probe, report, inspection: deps.inspection, bundle: emptyBundle(g), text: () => '', http: deps.http });
      if (!outcome.ok) {
        notes.push(`${g.id}: ${step.recipe} not proposed: ${outcome.reason}`);
        continue;
      }
      const change: RecipeChange = outcome;
      const { composed, applied } = ctx ? await composeByLessons(ctx, change, step.recipe, options.ledger) : { composed: [], applied: [] };
      applied.unshift(...step.applied);
      fixNo++;
      rank++;
      const proposal = await buildProposal({ g, rule, step: step.recipe, composed, change, applied, rank, id: `fix${fixNo}`, deps, options, report, texts, pending });
      proposals.push(proposal);
      codeEvidence.push(...change.evidence);
      if (proposal.offered && proposal.kind !== 'workaround') haveCodeFix = true;
    }
    if (adviserRun) {
      // The adviser's proposal is built and checked exactly like a recipe's (buildProposal, same checklist).
      const decision = consultDecision(adviserRun, rule, proposals, Boolean(bundle));
      if (!decision.consult) adviserRun.summary.consulted.push({ groupId: g.id, outcome: 'skipped', reason: decision.why });
      else {
        const ctx: RecipeContext = { group: g, rule, probe, report, inspection: deps.inspection, bundle: bundle!, text: (f) => texts.get(f.sha256) ?? '', read, http: deps.http };
        const groupNotes = notes.filter((n) => n.startsWith(`${g.id}: `)).map((n) => n.slice(g.id.length + 2));
        const advice = await consultGroup(adviserRun, { ctx, rule, proposals, notes: groupNotes, ledger: options.ledger });
        if (advice) {
          // Lessons apply to the adviser's change as to a recipe's (e.g. back-off composed into a header fix).
          const { composed, applied } = await composeByLessons(ctx, advice.change, advice.recipe, options.ledger);
          fixNo++;
          rank++;
          const proposal = await buildProposal({ g, rule, step: advice.recipe, composed, change: advice.change, applied, rank, id: `fix${fixNo}`, deps, options, report, texts, pending, origin: { model: advice.model } });
          advice.record.proposalId = proposal.id;
          proposals.push(proposal);
          codeEvidence.push(...advice.change.evidence);
        }
      }
    }
    out.push({
      id: g.id,
      class: g.class,
      agent: g.agent,
      ...(g.host ? { host: g.host } : {}),
      ...(g.status !== undefined ? { status: g.status } : {}),
      ...(g.templateId ? { templateId: g.templateId } : {}),
      events: g.events,
      itemsAffected: g.items.length,
      observed: `${g.events} ${g.class.replace(/_/g, ' ')} events${g.status ? ` (${g.status})` : ''}${g.host ? ` from ${g.host}` : ''} for ${g.agent}, ${g.items.length} items affected`,
      expected: fill(rule.expected, vars),
      cause: {
        id: rule.id,
        summary: fill(rule.cause, vars) + (probe ? ` — probe: ${probe.detail}` : ''),
        fixable: rule.fixable && proposals.some((p) => p.offered && p.kind !== 'workaround'),
        evidence: { log: g.examples.slice(0, 3), code: dedupeEvidence(codeEvidence).slice(0, 8) },
        ...(g.examples.find((e) => e.location)?.location ? { location: g.examples.find((e) => e.location)!.location! } : {}),
      },
      proposals,
    });
  }
  const checkerName = (await confirmPython27(deps, pending)) ?? 'none (no code change proposed)';
  if (adviserRun) settleRecords(adviserRun.summary, out.flatMap((g) => g.proposals));
  return {
    schema: 'plexmend.diagnosis/1',
    generatedAt: deps.now().toISOString(),
    iteration: options.iteration,
    report: options.reportPath,
    pluginsDir: options.pluginsDir,
    python27Checker: checkerName,
    groups: out,
    rulesNotFired: RULES.filter((r) => !fired.has(r.id)).map((r) => r.id),
    lessonsLoaded: options.ledger.lessons.length,
    notes,
    ...(adviserRun ? { adviser: adviserRun.summary } : {}),
  };
}

/**
 * `compose` lessons in scope of `step` (e.g. "HTTP fixes for this host need back-off"): each named recipe's
 * edits and evidence are added to `change` (mutated), and the lesson recorded as applied.
 */
async function composeByLessons(ctx: RecipeContext, change: RecipeChange, step: RecipeName, ledger: LessonsLedger): Promise<{ composed: RecipeName[]; applied: Array<{ lessonId: string; effect: string }> }> {
  const g = ctx.group;
  const composed: RecipeName[] = [];
  const applied: Array<{ lessonId: string; effect: string }> = [];
  for (const c of actionsFor(ledger, { phase: 'diagnose', agent: g.agent, host: g.host, class: g.class, recipe: step }, 'compose')) {
    const extra = await RECIPE_IMPLS[c.action.with].run(ctx);
    if (!extra.ok) continue;
    for (const [sha, edits] of extra.edits) change.edits.set(sha, [...(change.edits.get(sha) ?? []), ...edits]);
    change.evidence.push(...extra.evidence);
    change.title += ` + ${extra.title.charAt(0).toLowerCase()}${extra.title.slice(1)}`;
    composed.push(c.action.with);
    applied.push({ lessonId: c.lesson.id, effect: `added ${c.action.with} (${c.lesson.text})` });
  }
  return { composed, applied };
}

/**
 * A bundle whose code does not parse: Plex cannot load it either, inspection misses what follows the
 * error, and any patch of that file fails the Python 2.7 point. Said once per file, before the proposals.
 */
function noteSyntaxErrors(inspection: BundleInspection, bundle: BundleInfo, notes: string[]): void {
  for (const f of bundle.files) {
    const errors = inspection.files.find((x) => x.sha256 === f.sha256)?.inspection.syntaxErrors ?? [];
    if (errors.length === 0) continue;
    const note = `${bundle.bundle}/${f.path}:${errors[0]!.line}: syntax error (${errors[0]!.text.trim().split(/\r?\n/)[0]!.slice(0, 80)}); Plex cannot load this file and its inspection is incomplete; fix it first — patches of it are not offered`;
    if (!notes.includes(note)) notes.push(note);
  }
}

function withWorkaround(rule: Rule, agent: string, pluginsDir: string): Rule {
  if (rule.recipes.includes('workaround')) return rule;
  return {
    ...rule,
    recipes: [...rule.recipes, 'workaround'],
    workaround: `The ${agent} bundle is not in ${pluginsDir}, so its code could not be inspected: pass the Plug-ins folder that holds it with --plugins-dir and diagnose again.`,
  };
}

function emptyBundle(g: ObservedGroup): BundleInfo {
  return { bundle: `${g.agent}.bundle`, identifier: g.bundleId ?? null, files: [], prefs: [], wrappers: [], problems: [] };
}

function dedupeEvidence<T extends { file: string; line: number }>(xs: T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(`${x.file}:${x.line}`) ? false : (seen.add(`${x.file}:${x.line}`), true)));
}

/** The rule's recipes in order, with recipes a lesson demotes moved last (the lesson recorded). */
function recipeOrder(rule: Rule, g: ObservedGroup, ledger: LessonsLedger): Array<{ recipe: RecipeName; applied: Array<{ lessonId: string; effect: string }> }> {
  const demoted = actionsFor(ledger, { phase: 'diagnose', agent: g.agent, class: g.class, host: g.host }, 'demote');
  const steps = rule.recipes.map((recipe) => ({ recipe, applied: [] as Array<{ lessonId: string; effect: string }> }));
  const order = (r: RecipeName) => (demoted.some((d) => d.action.recipe === r) ? 1 : 0);
  steps.sort((a, b) => order(a.recipe) - order(b.recipe));
  for (const d of demoted) {
    const s = steps.find((x) => x.recipe === d.action.recipe);
    if (s) s.applied.push({ lessonId: d.lesson.id, effect: `ranked ${d.action.recipe} last (${d.lesson.text})` });
  }
  return steps;
}

interface BuildInput {
  g: ObservedGroup;
  rule: Rule;
  step: RecipeName;
  composed: RecipeName[];
  change: RecipeChange;
  applied: Array<{ lessonId: string; effect: string }>;
  rank: number;
  id: string;
  deps: DiagnoseDeps;
  options: DiagnoseOptions;
  report: LogReport;
  texts: Map<string, string>;
  pending: Pending[];
  /** Set for a proposal the LLM adviser wrote: the model that answered. */
  origin?: { model: string };
}

async function buildProposal(b: BuildInput): Promise<FixProposal> {
  const { g, rule, change, deps, options } = b;
  const inspection = deps.inspection;
  const fileEdits: FileEdits[] = [];
  for (const [sha, edits] of change.edits) {
    const file = inspection.files.find((f) => f.sha256 === sha);
    if (!file) continue;
    fileEdits.push({ sha256: sha, text: b.texts.get(sha) ?? '', copies: [...file.copies], edits });
  }
  const changes = toFileChanges(fileEdits);
  const current = new Map<string, string>();
  const after = new Map<string, string>();
  const editedLines = new Map<string, number[]>();
  const naming = new Map<string, NamingViolation[]>();
  const pySources: PythonSource[] = [];
  for (const f of fileEdits) {
    const rendered = render(f.text, f.edits);
    const violations = /\.py$/.test(f.copies[0]!.path) ? await checkNamingChange(f.text, rendered) : [];
    for (const c of f.copies) {
      const path = `${c.bundle}/${c.path}`;
      if (!changes.some((x) => x.path === path)) continue;
      current.set(path, await deps.readText(path));
      after.set(path, rendered);
      editedLines.set(path, editLines(f.edits));
      if (violations.length) naming.set(path, violations);
    }
    if (changes.some((x) => x.baseHash === f.sha256) && /\.py$/.test(f.copies[0]!.path)) pySources.push({ path: `${f.copies[0]!.bundle}/${f.copies[0]!.path}`, text: rendered });
  }
  // Parser-level check now (fast); the real 2.7 interpreter checks every proposal's files in one batch at the end.
  const py27 = pySources.length ? await checkPython27(pySources, { checker: parserPy27Checker(), tried: [] }) : null;

  // Lessons: calibration and watches apply here; the rest were applied by ordering and composing.
  const applied = [...b.applied];
  const threshold = actionsFor(options.ledger, { phase: 'diagnose', agent: g.agent, recipe: b.step }, 'threshold').find((t) => t.action.name === 'expected_relative_change');
  if (threshold) applied.push({ lessonId: threshold.lesson.id, effect: `expect a ${Math.round(threshold.action.value * 100)} % change (${threshold.lesson.text})` });
  const watches = [
    ...actionsFor(options.ledger, { phase: 'test', host: g.host }, 'watch'),
    ...actionsFor(options.ledger, { phase: 'test', agent: g.agent }, 'watch'),
  ];
  for (const w of watches) if (!applied.some((a) => a.lessonId === w.lesson.id)) applied.push({ lessonId: w.lesson.id, effect: `watch ${w.action.metric} (${w.lesson.text})` });
  const touchedAgents = [...new Set(fileEdits.flatMap((f) => f.copies.map((c) => c.bundle.replace(/\.bundle$/, ''))))];
  const expectation = buildExpectation({
    recipe: b.step,
    agent: g.agent,
    class: g.class,
    host: g.host,
    status: g.status,
    touchedAgents: touchedAgents.length ? touchedAgents : [g.agent],
    report: b.report,
    ...(threshold && threshold.action.value > 0 ? { expectedChange: Math.min(0.5, threshold.action.value) } : {}),
    lessonWatches: watches.map((w) => ({ metric: w.action.metric, description: w.action.description })),
  });
  const inScope = [
    ...lessonsFor(options.ledger, { phase: 'diagnose', agent: g.agent, host: g.host, class: g.class, recipe: b.step }),
  ];
  const skipped = inScope
    .filter((l) => !applied.some((a) => a.lessonId === l.id))
    .map((l: Lesson) => ({ lessonId: l.id, reason: skipReason(l, b.step) }));
  const libs = deps.bundleLibraries ? await libsOf(deps, fileEdits) : new Set<string>();
  const checklistInput: ChecklistInput = {
    group: g,
    rule,
    recipe: b.step,
    composed: b.composed,
    kind: change.kind,
    changes,
    current,
    after,
    editedLines,
    evidence: change.evidence,
    expectation,
    py27,
    naming,
    bundleLibraries: libs,
    lessonsInScope: inScope,
    lessonsApplied: applied,
    lessonsSkipped: skipped,
    minItems: options.minItems,
  };
  const checklist = runChecklist(checklistInput);
  b.pending.push({ input: checklistInput, sources: pySources, get proposal() { return proposalRef; } });
  const proposalRef: FixProposal = {
    id: b.id,
    groupId: g.id,
    rank: b.rank,
    recipe: b.step,
    composed: b.composed,
    kind: change.kind,
    title: change.title,
    rationale: change.rationale,
    agents: [g.agent],
    bundleIds: [...new Set(changes.map((c) => inspection.bundles.find((x) => x.bundle === c.path.split('/')[0])?.identifier).filter((x): x is string => Boolean(x)))].sort(),
    changes,
    preferences: change.preferences,
    ...(change.workaround ? { workaround: change.workaround } : {}),
    expectation,
    checklist,
    lessonsApplied: applied,
    offered: checklist.every((c) => c.pass || !c.blocking),
    source: b.origin ? 'llm' : 'recipe',
    ...(b.origin ? { model: b.origin.model } : {}),
  };
  return proposalRef;
}

/** A proposal whose Python 2.7 point is confirmed by the real interpreter after the loop. */
interface Pending {
  input: ChecklistInput;
  sources: PythonSource[];
  readonly proposal: FixProposal;
}

/** One interpreter run over every changed file of every proposal; re-runs their checklists with its verdict. */
async function confirmPython27(deps: DiagnoseDeps, list: Pending[]): Promise<string | null> {
  const all = list.flatMap((p) => p.sources);
  if (all.length === 0) return null;
  const report = await deps.py27(all);
  let at = 0;
  for (const p of list) {
    // report.files answers `all` in order, so each proposal's results are its own slice.
    const files = report.files.slice(at, at + p.sources.length);
    at += p.sources.length;
    if (p.sources.length === 0) continue;
    const checklist = runChecklist({ ...p.input, py27: { ...report, files } });
    p.proposal.checklist = checklist;
    p.proposal.offered = checklist.every((c) => c.pass || !c.blocking);
  }
  return `${report.checker.name} ${report.checker.version}`;
}

function skipReason(l: Lesson, recipe: RecipeName): string {
  if (l.action.type === 'compose' || l.action.type === 'demote') return `it concerns ${l.action.recipe}, not ${recipe}`;
  return 'not applicable to this proposal';
}

/** Original line numbers an edit list touches (an insertion counts as the line it follows and the next). */
function editLines(edits: SourceEdit[]): number[] {
  return edits.flatMap((e) => (e.kind === 'insert' ? [e.afterLine, e.afterLine + 1] : [e.line]));
}

async function libsOf(deps: DiagnoseDeps, files: FileEdits[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const b of new Set(files.flatMap((f) => f.copies.map((c) => c.bundle)))) for (const m of await deps.bundleLibraries!(b)) out.add(m);
  return out;
}

