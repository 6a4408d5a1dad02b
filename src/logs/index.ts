/**
 * Phase 1 entry: `aggregate(input, deps, options)` reads plug-in log lines (read.ts: folders, rotated
 * files oldest first, stdin, the watch archive) and turns them into a LogReport (`plexmend.aggregate/1`).
 * Other phases import only this file (and `schema.ts` for the contract).
 */
import type { LogInput, RawLine } from './input.ts';
import { LogAggregator } from './aggregate.ts';
import type { ReadOptions, ReadResult, readLogLines } from './read.ts';
import type { LogReport } from './schema.ts';
import { TemplateMiner, type TemplateStore } from './templates.ts';

export interface AggregateDeps {
  /** The line reader (`readLogLines` from read.ts). */
  read: typeof readLogLines;
  /** Where mined templates persist between runs (`fileTemplateStore(paths.templates(ws))`, or in memory). */
  templates: TemplateStore;
  now?: () => Date;
}

export interface AggregateOptions {
  /** Normalised bounds (`parseTimeBound`), inclusive. */
  since?: string;
  until?: string;
  agents?: string[];
  /** Lenient reading of pasted excerpts; default: on for standard input, off for files. */
  lenient?: boolean;
  /** Token values to redact (the configured Plex token). */
  knownTokens?: string[];
  /** Passed to the reader (bookmarks, line limit). */
  read?: ReadOptions;
  /** Called every `progressEvery` lines with the count so far (progress display). */
  onProgress?: (lines: number) => void;
  progressEvery?: number;
  /** Receives the reader's result (bookmarks to save, sources). */
  onRead?: (result: ReadResult) => void;
}

/**
 * Aggregates plug-in logs into a LogReport. Throws the reader's InputError for a missing or empty
 * input; unreadable files are listed in `problems` and the rest is read.
 */
export async function aggregate(input: LogInput, deps: AggregateDeps, options: AggregateOptions = {}): Promise<LogReport> {
  const miner = new TemplateMiner({}, await deps.templates.load());
  const agg = new LogAggregator({
    since: options.since,
    until: options.until,
    agents: options.agents,
    lenient: options.lenient ?? input.kind === 'stdin',
    knownTokens: options.knownTokens,
    miner,
    now: deps.now,
    input: describeInput(input),
  });
  const reading = deps.read(input, options.read);
  const every = options.progressEvery ?? 200_000;
  let n = 0;
  let next = every;
  // Each line is aggregated as it is decoded: nothing is held in batches, so lines die young.
  const push = options.onProgress
    ? (line: RawLine) => {
        agg.push(line);
        if (++n >= next) {
          options.onProgress!(n);
          next = n + every;
        }
      }
    : (line: RawLine) => agg.push(line);
  const result = await reading.each(push);
  options.onRead?.(result);
  const report = agg.finish(result);
  await deps.templates.save(miner.state());
  return report;
}

function describeInput(input: LogInput): LogReport['input'] {
  switch (input.kind) {
    case 'folder':
      return { kind: 'folder', paths: [input.dir] };
    case 'archive':
      return { kind: 'archive', paths: [input.dir] };
    case 'files':
      return { kind: 'files', paths: [...input.paths] };
    case 'stdin':
      return { kind: 'stdin', paths: ['-'] };
  }
}

export { LogAggregator } from './aggregate.ts';
export { fileTemplateStore } from './templates-file.ts';
export { memoryTemplateStore } from './templates.ts';
export { parseTimeBound } from './filters.ts';
