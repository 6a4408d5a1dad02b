/**
 * The Phase 4 contract: a test report (`plexmend.test/1`) — expected vs actual per metric, side effects,
 * per-item results with their log evidence and metadata before/after, and the decision with its reasons.
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import { EVENT_CLASSES, OUTCOMES, PHASES, itemOutcomeSchema, logReportSchema } from '../logs/schema.ts';
import { metricExpectationSchema } from '../diagnose/schema.ts';
import { CRITICAL_SIGNALS, DECISIONS } from './decide.ts';

/** What one refresh of one item produced for the agent under test. */
export const ITEM_RESULTS = [...OUTCOMES, 'no_data', 'timed_out', 'file_missing'] as const;
export type ItemResult = (typeof ITEM_RESULTS)[number];

const metadataSnapshot = z.object({
  updatedAt: z.number().nullable(),
  guid: z.string().nullable(),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const testedItemSchema = z.object({
  ratingKey: z.string(),
  agent: z.string(),
  title: z.string(),
  filePath: z.string().optional(),
  phase: z.enum(PHASES),
  /** Why the item is in the sample: the class it failed with, or `guard` for a regression-guard item. */
  role: z.union([z.enum(EVENT_CLASSES), z.literal('guard')]),
  before: z.enum(OUTCOMES),
  control: z.enum(ITEM_RESULTS).optional(),
  after: z.enum(ITEM_RESULTS).optional(),
  /** Recovered during the control: transient, left the sample. */
  transient: z.boolean(),
  /** Why the item left the sample without being judged (e.g. the control did not reproduce the targeted error). */
  excluded: z.string().optional(),
  /** What the refresh says of the fix: success (matched, or the targeted error gone), failure, or no data. */
  verdict: z.enum(['success', 'failure', 'no_data']).optional(),
  /** Error classes the item's operation failed with after the fix. */
  classes: z.array(z.string()).optional(),
  /** The log lines of the operation(s) the refresh triggered, redacted. */
  evidence: z.array(z.string()),
  metadataBefore: metadataSnapshot.optional(),
  metadataAfter: metadataSnapshot.optional(),
  refreshMs: z.number().nonnegative().optional(),
});
export type TestedItem = z.infer<typeof testedItemSchema>;

export const metricResultSchema = z.object({
  expectation: metricExpectationSchema,
  role: z.enum(['primary', 'secondary', 'failure_indicator']),
  before: z.number().nullable(),
  after: z.number().nullable(),
  met: z.boolean().nullable(),
  note: z.string().optional(),
});
export type MetricResult = z.infer<typeof metricResultSchema>;

export const sideEffectSchema = z.object({
  path: z.string(),
  before: z.number().nullable(),
  after: z.number().nullable(),
  description: z.string(),
});
export type SideEffect = z.infer<typeof sideEffectSchema>;

export const testReportSchema = z.object({
  schema: z.literal('plexmend.test/1'),
  generatedAt: z.string(),
  iteration: z.number().int().positive(),
  fixId: z.string(),
  target: z.string(),
  judgeBy: z.enum(['items', 'requests']),
  sample: z.object({
    planned: z.number().int().nonnegative(),
    mapped: z.number().int().nonnegative(),
    unmapped: z.array(z.object({ title: z.string(), agent: z.string(), reason: z.string() })),
    guards: z.number().int().nonnegative(),
  }),
  control: z.object({
    refreshed: z.number().int().nonnegative(),
    recovered: z.number().int().nonnegative(),
    baselineRate: z.number().nullable(),
  }),
  refreshes: z.object({
    started: z.number().int().nonnegative(),
    completed: z.number().int().nonnegative(),
    timedOut: z.number().int().nonnegative(),
    noData: z.number().int().nonnegative(),
    /** Stopped early because the decision could not change any more. */
    stoppedEarly: z.boolean(),
  }),
  requests: z.object({ total: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }),
  items: z.array(testedItemSchema),
  metrics: z.array(metricResultSchema),
  sideEffects: z.array(sideEffectSchema),
  critical: z.array(z.enum(CRITICAL_SIGNALS)),
  logGap: z.object({ bytes: z.number().int().nonnegative(), files: z.array(z.string()) }),
  decision: z.object({
    decision: z.enum(DECISIONS),
    reasons: z.array(z.string()),
    rate: z.number().nullable(),
    interval: z.object({ low: z.number(), high: z.number() }),
    pValue: z.number().nullable(),
    baselineRate: z.number().nullable(),
  }),
  durationMs: z.number().nonnegative(),
});
export type TestReport = z.infer<typeof testReportSchema>;

export const TestReportDocument = defineDocument('plexmend.test/1', testReportSchema);

/** The control run (`plexmend.control/1`): the sample refreshed once without the fix. */
export const controlRunSchema = z.object({
  schema: z.literal('plexmend.control/1'),
  fixId: z.string(),
  items: z.array(
    z.object({
      ratingKey: z.string(),
      outcome: itemOutcomeSchema,
      role: z.union([z.enum(EVENT_CLASSES), z.literal('guard')]),
      result: z.enum(ITEM_RESULTS),
      classes: z.array(z.string()).optional(),
    }),
  ),
  unmapped: z.array(z.object({ title: z.string(), agent: z.string(), reason: z.string() })),
  report: logReportSchema,
  refreshes: z.number().int().nonnegative(),
  gapBytes: z.number().int().nonnegative(),
});
export const ControlRunDocument = defineDocument('plexmend.control/1', controlRunSchema);
