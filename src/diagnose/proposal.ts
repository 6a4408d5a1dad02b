/**
 * One fix proposal, built the same way for a recipe's change and for the LLM adviser's: the change's edits
 * rendered per file copy, lessons that calibrate or watch it applied, its Expectation, and the checklist run
 * with a parser-level Python 2.7 check. `confirmPython27` later runs the real interpreter once over every
 * proposal's files and re-runs their checklists with its verdict.
 */
import type { Rule } from './knowledge.ts';
import type { ObservedGroup } from './groups.ts';
import { buildExpectation } from './expectations.ts';
import { runChecklist, type ChecklistInput } from './validate.ts';
import { render, toFileChanges, type FileEdits, type SourceEdit } from './recipes/source.ts';
import type { RecipeChange } from './recipes/types.ts';
import { checkNamingChange, type NamingViolation } from './python/naming.ts';
import { checkPython27, parserPy27Checker, type PythonSource } from './python/py27.ts';
import { actionsFor, lessonsFor } from '../learn/ledger.ts';
import type { LogReport } from '../logs/schema.ts';
import type { FixProposal, Lesson, RecipeName } from './schema.ts';
import type { DiagnoseDeps, DiagnoseOptions } from './index.ts';

export interface BuildInput {
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

export async function buildProposal(b: BuildInput): Promise<FixProposal> {
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
export interface Pending {
  input: ChecklistInput;
  sources: PythonSource[];
  readonly proposal: FixProposal;
}

/** One interpreter run over every changed file of every proposal; re-runs their checklists with its verdict. */
export async function confirmPython27(deps: DiagnoseDeps, list: Pending[]): Promise<string | null> {
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

