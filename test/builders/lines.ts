/** Builds RawLine objects from text, as the reader would (one per physical line, `\r\n` or `\n`). */
import type { RawLine } from '../../src/logs/input.ts';
import { LogAggregator, type AggregatorOptions } from '../../src/logs/aggregate.ts';
import type { LogReport } from '../../src/logs/schema.ts';

export function linesOf(text: string, source = 'test.log', bundleId?: string): RawLine[] {
  const parts = text.split(/\r?\n/);
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  let offset = 0;
  return parts.map((t, i) => {
    const line: RawLine = { source, lineNo: i + 1, offset, text: t };
    if (bundleId) line.bundleId = bundleId;
    offset += Buffer.byteLength(t) + 1;
    return line;
  });
}

/** Aggregates a text (one source) and returns the report. */
export function aggregateText(text: string, opts: AggregatorOptions & { source?: string; bundleId?: string } = {}): LogReport {
  const agg = new LogAggregator({ now: () => new Date('2026-01-01T00:00:00Z'), ...opts });
  for (const l of linesOf(text, opts.source, opts.bundleId)) agg.push(l);
  return agg.finish();
}

/** A framework line: `2024-07-12 13:36:56,319 (1cc8) :  LEVEL (module:1) - message`. */
export function fw(ts: string, thread: string, level: string, origin: string, message: string): string {
  return `${ts} (${thread}) :  ${level} (${origin}) - ${message}`;
}
