/**
 * The Phase 2 contracts: the diagnostic report (`plexmend.diagnosis/1`), its fix proposals with their
 * Expectations (what later phases measure), and the lessons ledger (`plexmend.lessons/1`), whose first
 * reader is diagnose. Names defined here once; add, never rename.
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import { EVENT_CLASSES, codeLocationSchema, logEventSchema } from '../logs/schema.ts';

/** The fix taxonomy real maintainers used (reference §6), one recipe each. */
export const RECIPES = [
  'request_headers',
  'retry_backoff',
  'timeout_delay',
  'url_change',
  'xpath_repair',
  'title_normalisation',
  'graceful_degradation',
  'search_string_length',
  'preference_change',
  'config_file',
  'workaround',
] as const;
export type RecipeName = (typeof RECIPES)[number];

/** What a proposal changes. `workaround` and `none` change nothing: the cause has no code fix. */
export const PROPOSAL_KINDS = ['patch', 'preference', 'config', 'workaround', 'none'] as const;

export const DIRECTIONS = ['decrease', 'increase', 'zero', 'stay'] as const;

/** A metric the fix is expected to move, read by JSON Pointer from a LogReport (see logs/schema.ts metricPath). */
export const metricExpectationSchema = z.object({
  path: z.string().startsWith('/'),
  direction: z.enum(DIRECTIONS),
  /** For decrease/increase: relative change (0.3 = by ≥ 30 %) or absolute change. */
  threshold: z.object({ kind: z.enum(['relative', 'absolute']), value: z.number().nonnegative() }).optional(),
  /** Value observed before the fix (from the report the diagnosis read). */
  baseline: z.number().nullable(),
  description: z.string(),
});
export type MetricExpectation = z.infer<typeof metricExpectationSchema>;

export const expectationSchema = z.object({
  /** The metric the decision reads ("did it happen?"). */
  primary: metricExpectationSchema,
  secondary: z.array(metricExpectationSchema),
  successIndicators: z.array(z.string()),
  /** Metrics whose movement means the fix misfired (e.g. a new 429 on the same host). */
  failureIndicators: z.array(metricExpectationSchema),
  contingency: z.string(),
  /** Every other metric the change may move, watched for side effects. */
  watch: z.array(z.string().startsWith('/')),
  /** Judge by item success or by error share per request (transient-error fixes). */
  judgeBy: z.enum(['items', 'requests']),
  /** Error classes whose items the test samples. */
  targetClasses: z.array(z.enum(EVENT_CLASSES)),
});
export type Expectation = z.infer<typeof expectationSchema>;

export const fileChangeSchema = z.object({
  /** Path relative to the Plug-ins folder, `/`-separated (`GEVI.bundle/Contents/Code/utils.py`). */
  path: z.string(),
  /** Unified diff (jsdiff format) against the current file. */
  diff: z.string(),
  /** sha256 of the file the diff was made against. */
  baseHash: z.string(),
  /** Copies of one logical file (PGMA's utils.py in every bundle) share a group id: patch all, hashes agree. */
  sharedGroup: z.string().optional(),
});
export type FileChange = z.infer<typeof fileChangeSchema>;

export const preferenceChangeSchema = z.object({
  bundleId: z.string(),
  key: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  /** Through Plex (`/:/plugins/<id>/prefs`) or the saved preferences file; DefaultPrefs.json does not override saved settings. */
  via: z.enum(['plex', 'saved_preferences_file']),
});

export const CHECKLIST_POINTS = [
  'error_alignment',
  'expected_vs_observed',
  'code_location',
  'patch_applies',
  'python27',
  'plugin_sandbox_rules',
  'dependencies',
  'scope',
  'side_effects',
  'testing_feasibility',
  'measurable_expectation',
  'lessons_honoured',
] as const;
export type ChecklistPoint = (typeof CHECKLIST_POINTS)[number];

export const checkResultSchema = z.object({
  point: z.enum(CHECKLIST_POINTS),
  pass: z.boolean(),
  /** A failing blocking point keeps the proposal from being offered. */
  blocking: z.boolean(),
  reason: z.string(),
  /** For python27: which checker ran (e.g. `jython 2.7.3`, `parser-level`). */
  checker: z.string().optional(),
});

export const lessonEffectSchema = z.object({
  lessonId: z.string(),
  effect: z.string(),
});

export const proposalSchema = z.object({
  id: z.string(),
  groupId: z.string(),
  rank: z.number().int().positive(),
  recipe: z.enum(RECIPES),
  /** Further recipes composed into this proposal (e.g. retry_backoff added by a lesson). */
  composed: z.array(z.enum(RECIPES)),
  kind: z.enum(PROPOSAL_KINDS),
  title: z.string(),
  rationale: z.string(),
  agents: z.array(z.string()),
  bundleIds: z.array(z.string()),
  changes: z.array(fileChangeSchema),
  preferences: z.array(preferenceChangeSchema),
  /** For workaround/none: what the user can do (rename to X, disable the lookup…). */
  workaround: z.string().optional(),
  expectation: expectationSchema,
  checklist: z.array(checkResultSchema),
  lessonsApplied: z.array(lessonEffectSchema),
  offered: z.boolean(),
  /** Where the proposal came from: a recipe, or the optional LLM adviser. */
  source: z.enum(['recipe', 'llm']),
  /** For `source: 'llm'`: the model that wrote it, as the endpoint reported it. */
  model: z.string().optional(),
});
export type FixProposal = z.infer<typeof proposalSchema>;

export const codeEvidenceSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  text: z.string(),
  why: z.string(),
});

export const errorGroupSchema = z.object({
  id: z.string(),
  class: z.enum(EVENT_CLASSES),
  agent: z.string(),
  host: z.string().optional(),
  status: z.number().int().optional(),
  templateId: z.string().optional(),
  events: z.number().int().nonnegative(),
  itemsAffected: z.number().int().nonnegative(),
  observed: z.string(),
  expected: z.string(),
  cause: z.object({
    id: z.string(),
    summary: z.string(),
    fixable: z.boolean(),
    evidence: z.object({ log: z.array(logEventSchema), code: z.array(codeEvidenceSchema) }),
    location: codeLocationSchema.optional(),
  }),
  proposals: z.array(proposalSchema),
});
export type ErrorGroup = z.infer<typeof errorGroupSchema>;

/** What became of one group put to the LLM adviser (`plexmend diagnose --llm`). */
export const ADVICE_OUTCOMES = ['accepted', 'discarded', 'declined', 'failed', 'skipped'] as const;

export const adviceRecordSchema = z.object({
  groupId: z.string(),
  outcome: z.enum(ADVICE_OUTCOMES),
  /** Why it was discarded, declined, failed or skipped; for accepted: what the checklist said. */
  reason: z.string(),
  /** The proposal built from the answer (offered when accepted, held back when discarded by the checklist). */
  proposalId: z.string().optional(),
});

/** The adviser's part of a diagnosis: where it was asked, by which policy, and what each group got. */
export const adviserSummarySchema = z.object({
  /** The endpoint's base URL without credentials or query. */
  endpoint: z.string(),
  model: z.string(),
  policy: z.enum(['unfixed', 'all']),
  consulted: z.array(adviceRecordSchema),
  /** An endpoint failure that stopped the consultation (key refused, unreachable, timeout). */
  error: z.object({ message: z.string(), hint: z.string().optional() }).optional(),
});
export type AdviserSummary = z.infer<typeof adviserSummarySchema>;

export const diagnosticReportSchema = z.object({
  schema: z.literal('plexmend.diagnosis/1'),
  generatedAt: z.string(),
  iteration: z.number().int().positive(),
  /** Path of the aggregate report read. */
  report: z.string(),
  pluginsDir: z.string(),
  python27Checker: z.string(),
  groups: z.array(errorGroupSchema),
  /** Knowledge-base rules that fired on no group of this report. */
  rulesNotFired: z.array(z.string()),
  lessonsLoaded: z.number().int().nonnegative(),
  notes: z.array(z.string()),
  /** Present when the LLM adviser was on (`--llm`); absent in every diagnosis without it. */
  adviser: adviserSummarySchema.optional(),
});
export type DiagnosticReport = z.infer<typeof diagnosticReportSchema>;

export const DiagnosticReportDocument = defineDocument('plexmend.diagnosis/1', diagnosticReportSchema);

/** Phases a lesson can steer. */
export const LESSON_PHASES = ['diagnose', 'implement', 'test'] as const;

/**
 * What a lesson does when read, mechanically:
 * - `compose`: proposals of `recipe` in scope also carry `with` (e.g. headers for this host need back-off);
 * - `demote`: rank `recipe` last in scope (it failed before);
 * - `restart_order`: try restart strategies in this order on this server;
 * - `threshold`: a test threshold to use in scope;
 * - `watch`: proposals in scope carry this metric as a failure indicator (a side effect seen before).
 */
export const lessonActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('compose'), recipe: z.enum(RECIPES), with: z.enum(RECIPES) }),
  z.object({ type: z.literal('demote'), recipe: z.enum(RECIPES) }),
  z.object({ type: z.literal('restart_order'), order: z.array(z.string()) }),
  z.object({ type: z.literal('threshold'), name: z.string(), value: z.number() }),
  z.object({ type: z.literal('watch'), metric: z.string().startsWith('/'), description: z.string() }),
]);
export type LessonAction = z.infer<typeof lessonActionSchema>;

export const lessonSchema = z.object({
  id: z.string(),
  kind: z.enum(['DO', 'DONT']),
  phase: z.enum(LESSON_PHASES),
  scope: z.object({
    agent: z.string().optional(),
    host: z.string().optional(),
    class: z.enum(EVENT_CLASSES).optional(),
    recipe: z.enum(RECIPES).optional(),
  }),
  /** Generated from the evidence, never a literal in the code. */
  text: z.string(),
  action: lessonActionSchema,
  evidence: z.array(
    z.object({
      iteration: z.number().int(),
      fixId: z.string(),
      metric: z.string().optional(),
      expected: z.string().optional(),
      observed: z.string(),
    }),
  ),
  /** New 2; confirmed +1; contradicted −1; removed at 0; capped per scope. */
  weight: z.number().int().nonnegative(),
  created: z.string(),
  updated: z.string(),
});
export type Lesson = z.infer<typeof lessonSchema>;

export const lessonsLedgerSchema = z.object({
  schema: z.literal('plexmend.lessons/1'),
  lessons: z.array(lessonSchema),
});
export type LessonsLedger = z.infer<typeof lessonsLedgerSchema>;

export const LessonsLedgerDocument = defineDocument('plexmend.lessons/1', lessonsLedgerSchema);
