/**
 * The one typed Config every command receives (STYLE habit 8: config is a value). Defaults live in the
 * schema; `resolve.ts` layers flags, the config file, the environment, the sandbox profile and discovery into
 * it, and records where each connection value came from so every command can say what it acts on.
 */
import { z } from 'zod';
import { sandboxProfileDoc } from '../sandbox/profile.ts';

export const DEFAULT_PLEX_URL = 'http://127.0.0.1:32400';

export const pathMappingSchema = z.object({ server: z.string().min(1), local: z.string().min(1) }).strict();

/** The LLM adviser's defaults (`plexmend diagnose --llm`); it stays off unless --llm is given. No key here: only its variable's name. */
export const llmFileSchema = z
  .object({
    url: z.string().url().optional(),
    model: z.string().min(1).optional(),
    keyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    consult: z.enum(['unfixed', 'all']).optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();

/** `plexmend.yaml` (or `--config FILE`): every key optional, unknown keys rejected (a typo must not be ignored). */
export const configFileSchema = z
  .object({
    url: z.string().url().optional(),
    token: z.string().min(1).optional(),
    dataDir: z.string().min(1).optional(),
    pluginsDir: z.string().min(1).optional(),
    logsDir: z.string().min(1).optional(),
    pathMappings: z.array(pathMappingSchema).optional(),
    timeoutMs: z.number().int().positive().optional(),
    python: z.string().min(1).optional(),
    sandbox: z.boolean().optional(),
    workspace: z.string().min(1).optional(),
    llm: llmFileSchema.optional(),
  })
  .strict();
export type ConfigFile = z.infer<typeof configFileSchema>;

/** Where a value came from, e.g. `flag --token`, `env PLEX_TOKEN`, `file /x/plexmend.yaml`, `sandbox profile`, `Preferences.xml`, `default`. */
export const sourceSchema = z.string();

export const TARGET_KINDS = ['server', 'sandbox'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** The profile a running `plexmend sandbox` writes; its schema is defined once, by src/sandbox/profile.ts. */
export const sandboxProfileSchema = sandboxProfileDoc.schema;
export type SandboxProfile = z.infer<typeof sandboxProfileSchema>;

export const configSchema = z.object({
  target: z.object({
    kind: z.enum(TARGET_KINDS).default('server'),
    url: z.string().default(DEFAULT_PLEX_URL),
    /** Secret: never print. */
    token: z.string().optional(),
    urlSource: sourceSchema.default('default'),
    tokenSource: sourceSchema.optional(),
    /** Why this target was chosen (printed by describeTarget). */
    reason: z.string().default(''),
  }).prefault({}),
  sandbox: sandboxProfileSchema.optional(),
  paths: z.object({
    dataDir: z.string().optional(),
    pluginsDir: z.string().optional(),
    logsDir: z.string().optional(),
    supportDir: z.string().optional(),
    /** Where each path came from. */
    sources: z.record(z.string(), sourceSchema).default({}),
    /** Every folder discovery looked at, for "not found; tried …" messages. */
    tried: z.record(z.string(), z.array(z.string())).default({}),
  }).prefault({}),
  pathMappings: z.array(pathMappingSchema).default([]),
  timeoutMs: z.number().int().positive().default(15_000),
  retries: z.number().int().min(0).default(3),
  python: z.string().optional(),
  workspace: z.string().optional(),
  /** LLM adviser defaults (file, PLEXMEND_LLM_URL/_MODEL) and its key read from `keyEnv`; absent when none is set. */
  llm: llmFileSchema
    .omit({ keyEnv: true })
    .extend({ keyEnv: z.string().optional(), /** Secret: never print. */ key: z.string().optional() })
    .optional(),
  userConfigDir: z.string(),
  configFile: z.string().optional(),
  sandboxProfilePath: z.string(),
  platform: z.string().default(process.platform),
  /** What discovery did or could not do (unreadable Preferences.xml, stale sandbox profile…). */
  notes: z.array(z.string()).default([]),
});
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
