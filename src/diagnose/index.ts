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
import { RECIPE_IMPLS } from './recipes/index.ts';
import type { RecipeChange, RecipeContext } from './recipes/types.ts';
import type { Py27Report, PythonSource } from './python/py27.ts';
import type { BundleInfo, BundleInspection, LogicalFile } from './inspect/types.ts';
import { actionsFor } from '../learn/ledger.ts';
import { buildProposal, confirmPython27, type Pending } from './proposal.ts';
import type { Adviser } from './llm/adviser.ts';
import { consultDecision, consultGroup, settleRecords, startAdviserRun } from './llm/consult.ts';
import type { LogReport } from '../logs/schema.ts';
import type { DiagnosticReport, ErrorGroup, FixProposal, LessonsLedger, RecipeName } from './schema.ts';

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
