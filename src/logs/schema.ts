/**
 * The LogReport contract (`plexmend.aggregate/1`): what Phase 1 produces and every later phase reads.
 * Event class names and metric paths are defined here once; add names, never rename them.
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';

/** Error and noise classes (DESIGN.md §Phase 1). `framework_noise` is counted apart, never in error totals. */
export const EVENT_CLASSES = [
  'http_error',
  'timeout',
  'connection_error',
  'no_results',
  'title_match_failure',
  'studio_match_failure',
  'date_match_failure',
  'duration_match_failure',
  'filename_format_error',
  'xpath_failure',
  'agent_exception',
  'iafd_failure',
  'pms_communication_error',
  'storage_error',
  'config_error',
  'framework_noise',
  'unknown_error',
] as const;
export type EventClass = (typeof EVENT_CLASSES)[number];

/** The classes that count as errors (everything but framework noise). */
export const ERROR_CLASSES = EVENT_CLASSES.filter((c) => c !== 'framework_noise') as Exclude<EventClass, 'framework_noise'>[];

/** Operation events: the lifecycle of one search or update of one item by one agent. */
export const OPERATION_EVENTS = [
  'plugin_start',
  'search_started',
  'search_result',
  'match_success',
  'match_failure',
  'update_started',
  'update_success',
  'update_failure',
] as const;
export type OperationEvent = (typeof OPERATION_EVENTS)[number];

export const OUTCOMES = ['matched', 'failed', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const PHASES = ['search', 'update'] as const;
export type Phase = (typeof PHASES)[number];

const count = z.number().int().nonnegative();
const classCounts = z.partialRecord(z.enum(EVENT_CLASSES), count);

/** A code location: PGMA's `File: X, Line: N, Function: a -> b -> c` or a traceback's innermost bundle frame. */
export const codeLocationSchema = z.object({
  file: z.string(),
  line: z.number().int().nullable(),
  function: z.string().optional(),
});
export type CodeLocation = z.infer<typeof codeLocationSchema>;

/** One classified event, as kept in examples (the report keeps counts, not every event). */
export const logEventSchema = z.object({
  class: z.enum(EVENT_CLASSES),
  agent: z.string(),
  /** Bundle id from the file name (`com.plexapp.agents.GEVI`), when known. */
  bundleId: z.string().optional(),
  /** Timestamp as logged (local server time, no zone): `2024-07-12 13:36:56,319`. */
  ts: z.string().optional(),
  thread: z.string().optional(),
  level: z.string().optional(),
  /** Source file and 1-based line number of the record's first line. */
  source: z.string().optional(),
  lineNo: z.number().int().optional(),
  message: z.string(),
  status: z.number().int().optional(),
  host: z.string().optional(),
  url: z.string().optional(),
  exceptionType: z.string().optional(),
  /** Where the code failed (PGMA location line, or the innermost bundle frame of a traceback). */
  location: codeLocationSchema.optional(),
  /** Template id for `unknown_error` (and any mined pattern). */
  templateId: z.string().optional(),
  phase: z.enum(PHASES).optional(),
});
export type LogEvent = z.infer<typeof logEventSchema>;

/** An error pattern: events of one class × agent × (status/host or template), with one example. */
export const patternSchema = z.object({
  id: z.string(),
  class: z.enum(EVENT_CLASSES),
  agent: z.string(),
  /** Masked message template (numbers, URLs, titles, paths masked). */
  template: z.string(),
  count,
  /** Distinct items (operations' file titles) this pattern touched. */
  items: count,
  status: z.number().int().optional(),
  host: z.string().optional(),
  example: logEventSchema,
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional(),
});
export type Pattern = z.infer<typeof patternSchema>;

export const reasonSchema = z.object({
  class: z.enum(EVENT_CLASSES),
  detail: z.string(),
  status: z.number().int().optional(),
  host: z.string().optional(),
  location: codeLocationSchema.optional(),
});
export type Reason = z.infer<typeof reasonSchema>;

/**
 * One row of the item outcome table: one agent's latest operation of one phase for one file. Item
 * success is the agent's own footer (`>> Successful!! <<`), never Plex's match state (DESIGN.md).
 */
export const itemOutcomeSchema = z.object({
  agent: z.string(),
  bundleId: z.string().optional(),
  phase: z.enum(PHASES),
  /** Media file path as the agent logged it (PGMA's search header), in the server's view. */
  filePath: z.string().optional(),
  /** Title as parsed from the file name (PGMA `File Title`) or the media title. */
  title: z.string(),
  studio: z.string().optional(),
  year: z.number().int().optional(),
  outcome: z.enum(OUTCOMES),
  reasons: z.array(reasonSchema),
  /** How many operations of this agent/phase/item the window held (retries, re-refreshes). */
  operations: count,
  /** Outcome counts across those operations. */
  matched: count,
  failed: count,
  errored: count,
  firstTs: z.string().optional(),
  lastTs: z.string().optional(),
  /** Site URL of the matched film, where the footer names one. */
  siteUrl: z.string().optional(),
});
export type ItemOutcome = z.infer<typeof itemOutcomeSchema>;

export const httpStatsSchema = z.object({
  /** Outgoing requests seen (`networking: Requesting`, PGMA `Request URL`). */
  requests: count,
  requestsByHost: z.record(z.string(), count),
  /** Failed requests per HTTP status code (`"403"`), and `"timeout"`/`"connection"` where no status exists. */
  byStatus: z.record(z.string(), count),
  /** Per host, per status. */
  byHost: z.record(z.string(), z.record(z.string(), count)),
});
export type HttpStats = z.infer<typeof httpStatsSchema>;

export const agentStatsSchema = z.object({
  bundleId: z.string().optional(),
  events: count,
  errors: count,
  noise: count,
  byClass: classCounts,
  http: httpStatsSchema,
  searches: count,
  searchesMatched: count,
  searchesFailed: count,
  searchesErrored: count,
  updates: count,
  updatesSucceeded: count,
  updatesFailed: count,
  pluginStarts: count,
  /** searchesMatched / finished searches, or null when the agent finished no search in the window. */
  matchRate: z.number().min(0).max(1).nullable(),
  /** updatesSucceeded / finished updates, or null. */
  updateSuccessRate: z.number().min(0).max(1).nullable(),
});
export type AgentStats = z.infer<typeof agentStatsSchema>;

export const sourceSchema = z.object({
  path: z.string(),
  /** Fingerprint of the first bytes (sha256 hex of up to the first 4 KiB). */
  fingerprint: z.string(),
  size: count,
  fromOffset: count,
  toOffset: count,
  lines: count,
});

/** Bytes that were rotated away before they were read (a test whose window has a gap is INCONCLUSIVE). */
export const gapSchema = z.object({
  file: z.string(),
  /** Bytes known to be lost; a lower bound when `atLeast` (0 then means "an unknown number"). */
  bytes: count,
  atLeast: z.boolean().optional(),
  reason: z.string(),
});
export type Gap = z.infer<typeof gapSchema>;

/** A file or input that could not be read (permission, binary, vanished); the rest of the run went on. */
export const problemSchema = z.object({ path: z.string(), message: z.string() });

export const logReportSchema = z.object({
  schema: z.literal('plexmend.aggregate/1'),
  generatedAt: z.string(),
  /** Where the lines came from: a folder, files, the watch archive, or `-` for standard input. */
  input: z.object({ kind: z.enum(['folder', 'files', 'stdin', 'archive']), paths: z.array(z.string()) }),
  filters: z.object({ since: z.string().optional(), until: z.string().optional(), agents: z.array(z.string()).optional() }),
  /** First and last timestamp seen in the window. */
  window: z.object({ first: z.string().optional(), last: z.string().optional() }),
  sources: z.array(sourceSchema),
  gaps: z.array(gapSchema),
  problems: z.array(problemSchema),
  counts: z.object({
    bytes: count,
    lines: count,
    /** Framework-format records (one per prefixed line). */
    records: count,
    /** Lines joined to a previous record (tracebacks, wrapped text). */
    continuations: count,
    /** Lines read leniently (pasted: no prefix, mangled timestamps). */
    lenient: count,
    /** Lines that belong to no record and could not be read. */
    unparsed: count,
    /** Verbose content left out of the report but counted. */
    verbose: z.object({ debug: count, prefDump: count, separator: count, info: count }),
    invalidUtf8: count,
    nulBytes: count,
    /** Lines longer than the reader's line limit (kept truncated, counted here). */
    longLines: count,
    filteredOut: count,
    /** Records per framework level (DEBUG … CRITICAL), after the time filter; absent in reports of older builds. */
    byLevel: z.partialRecord(z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']), count).optional(),
  }),
  totals: z.object({
    events: count,
    errors: count,
    noise: count,
    byClass: classCounts,
    operations: z.partialRecord(z.enum(OPERATION_EVENTS), count),
  }),
  agents: z.record(z.string(), agentStatsSchema),
  patterns: z.array(patternSchema),
  items: z.array(itemOutcomeSchema),
});
export type LogReport = z.infer<typeof logReportSchema>;

export const LogReportDocument = defineDocument('plexmend.aggregate/1', logReportSchema);

/**
 * Metric paths: JSON Pointers (RFC 6901) into a LogReport, since hosts contain dots.
 * Build them here, never by hand elsewhere.
 */
export const metricPath = {
  totalByClass: (c: EventClass) => pointer('totals', 'byClass', c),
  totalErrors: () => pointer('totals', 'errors'),
  agentByClass: (agent: string, c: EventClass) => pointer('agents', agent, 'byClass', c),
  agentErrors: (agent: string) => pointer('agents', agent, 'errors'),
  agentStatus: (agent: string, status: number | string) => pointer('agents', agent, 'http', 'byStatus', String(status)),
  agentHostStatus: (agent: string, host: string, status: number | string) =>
    pointer('agents', agent, 'http', 'byHost', host, String(status)),
  agentRequests: (agent: string) => pointer('agents', agent, 'http', 'requests'),
  agentMatchRate: (agent: string) => pointer('agents', agent, 'matchRate'),
  agentUpdateSuccessRate: (agent: string) => pointer('agents', agent, 'updateSuccessRate'),
};

/** Encodes path segments as a JSON Pointer (`~` → `~0`, `/` → `~1`). */
export function pointer(...segments: string[]): string {
  return '/' + segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** Decodes a JSON Pointer into its segments. */
export function pointerSegments(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`not a JSON Pointer: ${path}`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Reads the value at a JSON Pointer; a missing count reads as 0, a missing rate as null. */
export function readMetric(doc: unknown, path: string): number | null {
  if (!path.startsWith('/')) throw new Error(`not a JSON Pointer: ${path}`);
  let cur: unknown = doc;
  for (const raw of path.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !(key in (cur as object))) {
      return /Rate$/.test(path) ? null : 0;
    }
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'number' ? cur : cur === null ? null : 0;
}
