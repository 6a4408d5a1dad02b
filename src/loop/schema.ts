/**
 * The loop's state (`plexmend.loop/1`, written atomically after every step to the current iteration's
 * `loop_state.json`): where the loop is, the panel and its figure per iteration, every fix and its fate.
 * `--resume` continues from it exactly where it stopped.
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import { DECISIONS } from '../testing/decide.ts';
import { RECIPES, metricExpectationSchema } from '../diagnose/schema.ts';

export const LOOP_EXITS = ['PLATEAU', 'SUCCESS', 'EXHAUSTED', 'MAX_ITERATIONS', 'FAILURE', 'MANUAL_EXIT'] as const;
export type LoopExit = (typeof LOOP_EXITS)[number];

/** Steps of one iteration, in order. */
export const LOOP_STEPS = ['start', 'diagnose', 'fixes', 'postmortem', 'panel', 'done'] as const;
export type LoopStep = (typeof LOOP_STEPS)[number];

/** Steps of one fix, in order. */
export const FIX_STEPS = ['pending', 'control', 'applied', 'tested', 'decided'] as const;

export const panelItemSchema = z.object({ ratingKey: z.string(), title: z.string(), filePath: z.string().optional(), failing: z.boolean() });

export const panelFigureSchema = z.object({
  iteration: z.number().int().nonnegative(),
  /** Panel items matched by at least one site agent, over the panel items any agent searched. */
  success: z.number().min(0).max(1),
  matched: z.number().int().nonnegative(),
  observed: z.number().int().nonnegative(),
  perAgent: z.record(z.string(), z.object({ matched: z.number().int(), observed: z.number().int() })),
  errorsByClass: z.record(z.string(), z.number().int()),
  refreshes: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type PanelFigure = z.infer<typeof panelFigureSchema>;

export const fixEntrySchema = z.object({
  iteration: z.number().int().positive(),
  fixId: z.string(),
  groupId: z.string(),
  recipe: z.enum(RECIPES),
  composed: z.array(z.enum(RECIPES)),
  /** Who wrote the change: a recipe, or the LLM adviser (older states hold recipe fixes only). */
  source: z.enum(['recipe', 'llm']).default('recipe'),
  title: z.string(),
  agents: z.array(z.string()),
  step: z.enum(FIX_STEPS),
  decision: z.enum(DECISIONS).optional(),
  reasons: z.array(z.string()).default([]),
  expected: z.string(),
  /** The primary metric's predicted move (direction, threshold, baseline) as the proposal stated it. */
  expectedPrimary: metricExpectationSchema.optional(),
  /** Primary metric per refresh, control → treatment. */
  primaryBefore: z.number().nullable().optional(),
  primaryAfter: z.number().nullable().optional(),
  primaryMet: z.boolean().nullable().optional(),
  sideEffects: z.array(z.string()).default([]),
  rate: z.number().nullable().optional(),
  refreshes: z.number().int().nonnegative().default(0),
  durationMs: z.number().nonnegative().default(0),
  /** A re-test of an earlier iteration's MONITOR fix (which stays applied; see retest.ts). */
  retestOf: z.object({ iteration: z.number().int().positive(), fixId: z.string() }).optional(),
  /** Still applied at the end of its iteration. */
  kept: z.boolean().default(false),
});
export type FixEntry = z.infer<typeof fixEntrySchema>;

export const loopStateSchema = z.object({
  schema: z.literal('plexmend.loop/1'),
  startedAt: z.string(),
  updatedAt: z.string(),
  target: z.string(),
  goal: z.number().min(0).max(1),
  maxIterations: z.number().int().positive(),
  seed: z.number().int(),
  /** The loop's first iteration: a new loop in a workspace holding earlier iterations continues their numbering. */
  firstIteration: z.number().int().positive().optional(),
  iteration: z.number().int().positive(),
  step: z.enum(LOOP_STEPS),
  panel: z.array(panelItemSchema),
  figures: z.array(panelFigureSchema),
  fixes: z.array(fixEntrySchema),
  /** Groups no longer worked on, with the reason (inconclusive twice, no fix left). */
  parked: z.array(z.object({ groupId: z.string(), reason: z.string() })),
  /** How often a group's fix came out INCONCLUSIVE. */
  inconclusive: z.record(z.string(), z.number().int()),
  exit: z.object({ reason: z.enum(LOOP_EXITS), detail: z.string() }).optional(),
  timings: z.record(z.string(), z.number()),
});
export type LoopState = z.infer<typeof loopStateSchema>;

export const LoopStateDocument = defineDocument('plexmend.loop/1', loopStateSchema);
