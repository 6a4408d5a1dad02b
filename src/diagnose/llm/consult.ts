/**
 * One consultation of the adviser for one error group: decide whether the group is put to it (the policy),
 * build the prompt, ask, read the answer and turn its edits into a RecipeChange that diagnose() makes into
 * a proposal exactly as it does a recipe's — same diff rendering, Expectation, and twelve-point checklist.
 * Every outcome is recorded for the report; none ends the diagnosis. An endpoint failure (key refused,
 * unreachable, timeout) stops further consultations of this run.
 */
import { fill, type Rule } from '../knowledge.ts';
import type { RecipeChange, RecipeContext } from '../recipes/types.ts';
import type { AdviserSummary, FixProposal, LessonsLedger, RecipeName } from '../schema.ts';
import { lessonsFor } from '../../learn/ledger.ts';
import type { Adviser } from './adviser.ts';
import { parseAdvice } from './answer.ts';
import { codeContext } from './context.ts';
import { convertEdits } from './edits.ts';
import { AdviserError } from './errors.ts';
import { buildAdvicePrompt, scrub } from './prompt.ts';

/** One group's outcome in the report's adviser part. */
export type AdviceRecord = AdviserSummary['consulted'][number];

/** The running state of one diagnosis's consultations. */
export interface AdviserRun {
  adviser: Adviser;
  summary: AdviserSummary;
  asked: number;
}

/** A fresh consultation state for one diagnosis. */
export function startAdviserRun(adviser: Adviser): AdviserRun {
  return { adviser, asked: 0, summary: { endpoint: adviser.endpoint, model: adviser.model, policy: adviser.policy, consulted: [] } };
}

/** Proposal kinds that change code or settings (a fix), as opposed to a workaround. */
const FIX_KINDS = new Set<FixProposal['kind']>(['patch', 'preference', 'config']);

/**
 * Whether a group goes to the adviser, and if not why (pure). See ConsultPolicy for the policies.
 */
export function consultDecision(run: Pick<AdviserRun, 'adviser' | 'asked' | 'summary'>, rule: Rule, proposals: FixProposal[], haveBundle: boolean): { consult: true; why: string } | { consult: false; why: string } {
  if (run.summary.error) return { consult: false, why: 'the adviser is unavailable (see its error)' };
  if (!rule.recipes.some((r) => r !== 'workaround')) return { consult: false, why: `the knowledge base names no code remedy for ${rule.id}` };
  if (!haveBundle) return { consult: false, why: 'the agent\'s bundle is not in the Plug-ins folder: no code to show' };
  if (run.asked >= run.adviser.maxGroups) return { consult: false, why: `at most ${run.adviser.maxGroups} groups are sent per diagnosis` };
  const fixed = proposals.some((p) => p.offered && FIX_KINDS.has(p.kind));
  if (run.adviser.policy === 'all') return { consult: true, why: fixed ? 'policy all: a second opinion next to the recipes' : 'no fix was offered' };
  if (!fixed) return { consult: true, why: 'no fix was offered' };
  if (rule.unprobedOnly) return { consult: true, why: `the offered fix rests on ${rule.id}, a rule that fired without probing the site` };
  return { consult: false, why: 'a fix was offered (policy unfixed; --llm-consult all asks anyway)' };
}

/** What diagnose() holds for a group when it asks the adviser. */
export interface ConsultInput {
  ctx: RecipeContext;
  rule: Rule;
  proposals: FixProposal[];
  /** Notes the diagnosis made for this group so far (recipes not proposed and why). */
  notes: string[];
  ledger: LessonsLedger;
}

/** An answer turned into a recipe-shaped change; `record` is its line in the report, settled after the checklist. */
export interface AdvisedChange {
  recipe: RecipeName;
  change: RecipeChange;
  model: string;
  record: AdviceRecord;
}

function describeProposal(p: FixProposal): string {
  const failed = p.checklist.filter((c) => !c.pass && c.blocking).map((c) => c.point);
  return `${p.id} ${p.recipe} (${p.kind}): ${p.title} — ${p.offered ? 'offered' : `held back (${failed.join(', ')})`}`;
}

/**
 * Asks the adviser about one group (the caller has checked {@link consultDecision}). Returns the change to
 * build a proposal from, or null when the answer was discarded, declined or the endpoint failed — each
 * recorded in `run.summary`. Non-PlexmendError exceptions (bugs) propagate.
 */
export async function consultGroup(run: AdviserRun, i: ConsultInput): Promise<AdvisedChange | null> {
  const g = i.ctx.group;
  const record = (outcome: AdviceRecord['outcome'], reason: string): AdviceRecord => {
    const r: AdviceRecord = { groupId: g.id, outcome, reason: scrub(reason, run.adviser.secrets) };
    run.summary.consulted.push(r);
    return r;
  };
  const context = codeContext(i.ctx);
  const vars = { agent: g.agent, host: g.host, status: g.status, detail: g.examples[0]?.message.slice(0, 160) };
  const lessons = [
    ...lessonsFor(i.ledger, { phase: 'diagnose', agent: g.agent, host: g.host, class: g.class }),
    ...lessonsFor(i.ledger, { phase: 'test', agent: g.agent, host: g.host, class: g.class }),
  ];
  const messages = buildAdvicePrompt({
    group: { id: g.id, class: g.class, agent: g.agent, host: g.host, status: g.status, events: g.events, itemsAffected: g.items.length },
    cause: { ruleId: i.rule.id, summary: fill(i.rule.cause, vars) + (i.ctx.probe ? ` (site probe: ${i.ctx.probe.detail})` : ''), expected: fill(i.rule.expected, vars), fixable: i.rule.fixable },
    remedies: i.rule.recipes,
    evidence: g.examples,
    context,
    lessons,
    tried: [...i.proposals.map(describeProposal), ...i.notes],
    secrets: [...run.adviser.secrets],
  });
  run.asked++;
  let content: string;
  let model: string;
  try {
    const reply = await run.adviser.ask(messages);
    content = reply.content;
    model = reply.model.slice(0, 100);
  } catch (err) {
    if (!(err instanceof AdviserError)) throw err;
    if (err.scope === 'endpoint') {
      run.summary.error = { message: scrub(err.message, run.adviser.secrets), ...(err.hint ? { hint: err.hint } : {}) };
      record('failed', err.message);
    } else record('discarded', err.message);
    return null;
  }
  let parsed;
  try {
    parsed = parseAdvice(content);
  } catch (err) {
    if (!(err instanceof AdviserError)) throw err;
    record('discarded', err.message);
    return null;
  }
  if (parsed.kind === 'declined') {
    record('declined', `the model sees no code fix: ${parsed.reason.slice(0, 300)}`);
    return null;
  }
  const a = parsed.answer;
  const converted = convertEdits(i.ctx.inspection, a.edits, i.ctx.text, shownRanges(i.ctx, context));
  if (!converted.ok) {
    record('discarded', converted.reason);
    return null;
  }
  // The code evidence is plexmend's own (the anchors shown), limited to the files the model changed: the
  // checklist's alignment and code-location points then hold the edits to the lines the evidence names.
  const evidence = context.anchors.filter((x) => converted.files.includes(x.file) || converted.files.some((f) => sameLogicalFile(i.ctx, f, x.file)));
  const claims = a.expectedChange !== undefined ? ` The model expects a ${Math.round(a.expectedChange * 100)} % fall; plexmend judges the fix against its own threshold.` : '';
  const change: RecipeChange = {
    title: scrub(a.title.replace(/\s+/g, ' ').trim(), run.adviser.secrets),
    rationale: `LLM adviser (${model}): ${scrub(a.rationale.replace(/\s+/g, ' ').trim(), run.adviser.secrets)}${claims}`,
    kind: 'patch',
    edits: converted.edits,
    evidence,
    preferences: [],
  };
  return { recipe: a.recipe, change, model, record: record('accepted', 'pending the checklist') };
}

/** The line ranges the prompt showed, by logical file. */
function shownRanges(ctx: RecipeContext, context: ReturnType<typeof codeContext>): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const s of context.snippets) {
    const [bundle, ...rest] = s.file.split('/');
    const sha = ctx.inspection.bundles.find((b) => b.bundle === bundle)?.files.find((f) => f.path === rest.join('/'))?.sha256;
    if (sha) out.set(sha, [...(out.get(sha) ?? []), [s.from, s.to]]);
  }
  return out;
}

/** True when two Plug-ins-relative paths are copies of one logical file (PGMA's shared utils.py). */
function sameLogicalFile(ctx: RecipeContext, a: string, b: string): boolean {
  const sha = (p: string) => {
    const [bundle, ...rest] = p.split('/');
    return ctx.inspection.bundles.find((x) => x.bundle === bundle)?.files.find((f) => f.path === rest.join('/'))?.sha256;
  };
  const x = sha(a);
  return x !== undefined && x === sha(b);
}

/**
 * After the last checklist run (the Python 2.7 interpreter's verdict is in): each proposal the adviser wrote
 * is accepted when offered, else discarded with the failing blocking points.
 */
export function settleRecords(summary: AdviserSummary, proposals: FixProposal[]): void {
  for (const r of summary.consulted) {
    if (!r.proposalId) continue;
    const p = proposals.find((x) => x.id === r.proposalId);
    if (!p) continue;
    const failed = p.checklist.filter((c) => !c.pass && c.blocking);
    if (p.offered) {
      r.outcome = 'accepted';
      r.reason = `passed the twelve-point checklist (${p.checklist.filter((c) => c.pass).length}/12 pass)`;
    } else {
      r.outcome = 'discarded';
      r.reason = `failed the checklist: ${failed.map((c) => `${c.point} (${c.reason})`).join('; ')}`;
    }
  }
}

/** One line (two on failure, with the hint) saying what the adviser did in a diagnosis: for the CLI and the loop. */
export function describeAdviserRun(a: AdviserSummary): string {
  const count = (o: AdviceRecord['outcome']) => a.consulted.filter((r) => r.outcome === o).length;
  const asked = a.consulted.length - count('skipped');
  const line = `LLM adviser ${a.model} at ${a.endpoint}: ${asked} groups asked; ${count('accepted')} proposals accepted, ${count('discarded')} discarded, ${count('declined')} declined`;
  return a.error ? `${line}\nthe LLM adviser failed: ${a.error.message}${a.error.hint ? `\n  hint: ${a.error.hint}` : ''}` : line;
}
