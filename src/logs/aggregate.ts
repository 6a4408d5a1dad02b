/**
 * The incremental aggregator: `push(RawLine)` … `finish()` → LogReport (`plexmend.aggregate/1`).
 * It streams: memory grows with the number of distinct patterns, items, agents and open operations,
 * never with the input size (no line or event is kept beyond one example per pattern).
 */
import type { Classification } from './classify.ts';
import { LEVELS, RecordAssembler, type GrammarOptions, type Level } from './grammar.ts';
import type { RawLine } from './input.ts';
import { Interpreter, type InterpretOptions, type InterpretSink } from './interpret.ts';
import type { VerboseKind } from './verbose.ts';
import { clip, MAX_EXAMPLE, PatternTable } from './patterns.ts';
import type { FinishedOperation } from './operations.ts';
import {
  itemOutcomeSchema, logReportSchema, patternSchema, type AgentStats, type EventClass, type ItemOutcome, type LogEvent, type LogReport,
  type OperationEvent, type Reason,
} from './schema.ts';
import { TemplateMiner } from './templates.ts';

export interface AggregatorOptions extends InterpretOptions, GrammarOptions {
  /** The template miner (with its persisted state loaded); a fresh one when absent. */
  miner?: TemplateMiner;
  /** Token values to redact wherever they appear (besides the `X-Plex-Token`/`plextoken` patterns). */
  knownTokens?: string[];
  /** Where the lines came from, for the report. */
  input?: LogReport['input'];
  /** Clock for `generatedAt`. */
  now?: () => Date;
}

/** What the reader knows that the aggregator cannot see (B's `ReadResult`). */
export interface ReadSummary {
  sources: LogReport['sources'];
  gaps: LogReport['gaps'];
  problems: LogReport['problems'];
  stats: { bytes: number; lines: number; invalidUtf8: number; nulBytes: number; longLines: number };
}

interface HttpAcc {
  requests: number;
  requestsByHost: Map<string, number>;
  byStatus: Map<string, number>;
  byHost: Map<string, Map<string, number>>;
}
interface AgentAcc {
  bundleId?: string;
  events: number;
  errors: number;
  noise: number;
  byClass: Map<EventClass, number>;
  http: HttpAcc;
  searches: number;
  searchesMatched: number;
  searchesFailed: number;
  searchesErrored: number;
  updates: number;
  updatesSucceeded: number;
  updatesFailed: number;
  pluginStarts: number;
}
const HTTP_CLASSES = new Set<EventClass>(['http_error', 'timeout', 'connection_error', 'iafd_failure']);

/**
 * Streams physical lines through grammar → interpretation → counts. Not thread-safe; one instance per run.
 * The report validates against `logReportSchema` (a mismatch is a bug and throws).
 */
export class LogAggregator implements InterpretSink {
  private readonly assembler: RecordAssembler;
  private readonly interp: Interpreter;
  private readonly miner: TemplateMiner;
  private readonly agents = new Map<string, AgentAcc>();
  private readonly patterns: PatternTable;
  private readonly items = new Map<string, ItemOutcome>();
  /** A small number per item row: what the patterns remember of the items they touched. */
  private readonly itemIds = new Map<ItemOutcome, number>();
  private readonly byClass = new Map<EventClass, number>();
  private readonly operations = new Map<OperationEvent, number>();
  private readonly verboseCounts = { debug: 0, prefDump: 0, separator: 0, info: 0 };
  private nDebug = 0;
  private nInfo = 0;
  private nWarning = 0;
  private nError = 0;
  private nCritical = 0;
  private runSource?: string;
  private lines = 0;
  private chars = 0;
  private filteredOut = 0;
  private events = 0;
  private errors = 0;
  private noise = 0;
  private first?: string;
  private last?: string;
  private runFirst?: string;
  private runLast?: string;

  constructor(private readonly opts: AggregatorOptions = {}) {
    this.miner = opts.miner ?? new TemplateMiner();
    this.patterns = new PatternTable(this.miner, opts.knownTokens);
    this.interp = new Interpreter(this, opts);
    this.assembler = new RecordAssembler((r) => this.interp.record(r), opts);
  }

  /** Feeds one physical line. */
  push(line: RawLine): void {
    this.lines++;
    this.chars += line.text.length + 1;
    this.assembler.push(line);
  }

  /** Open operations right now (for memory tests). */
  get openOperations(): number {
    return this.interp.ops.openCount;
  }

  /** Ends the input and builds the report. */
  finish(read?: ReadSummary): LogReport {
    this.assembler.flush();
    this.interp.finish();
    this.miner.finalize();
    this.foldRun();
    const g = this.assembler.counts;
    const window: LogReport['window'] = {};
    if (this.first) window.first = this.first;
    if (this.last) window.last = this.last;
    const filters: LogReport['filters'] = {};
    if (this.opts.since) filters.since = this.opts.since;
    if (this.opts.until) filters.until = this.opts.until;
    if (this.opts.agents?.length) filters.agents = [...this.opts.agents];
    const report: LogReport = {
      schema: 'plexmend.aggregate/1',
      generatedAt: (this.opts.now?.() ?? new Date()).toISOString(),
      input: this.opts.input ?? { kind: 'files', paths: [] },
      filters,
      window,
      sources: read?.sources ?? [],
      gaps: read?.gaps ?? [],
      problems: read?.problems ?? [],
      counts: {
        bytes: read?.stats.bytes ?? this.chars,
        lines: read?.stats.lines ?? this.lines,
        records: g.records,
        continuations: g.continuations,
        lenient: g.lenient,
        unparsed: g.unparsed,
        verbose: { ...this.verboseCounts },
        invalidUtf8: read?.stats.invalidUtf8 ?? 0,
        nulBytes: read?.stats.nulBytes ?? 0,
        longLines: read?.stats.longLines ?? 0,
        filteredOut: this.filteredOut,
        byLevel: this.byLevel(),
      },
      totals: {
        events: this.events,
        errors: this.errors,
        noise: this.noise,
        byClass: sortedObject(this.byClass),
        operations: sortedObject(this.operations),
      },
      agents: this.agentStats(),
      patterns: this.patterns.list(),
      items: this.itemList(),
    };
    validateReport(report);
    return report;
  }

  // ---- InterpretSink ----

  event(ev: LogEvent, cls: Classification): string {
    const a = this.agent(ev.agent, ev.bundleId);
    this.events++;
    a.events++;
    inc(this.byClass, ev.class);
    inc(a.byClass, ev.class);
    if (ev.class === 'framework_noise') {
      this.noise++;
      a.noise++;
    } else {
      this.errors++;
      a.errors++;
    }
    if (HTTP_CLASSES.has(ev.class) && (ev.class !== 'iafd_failure' || ev.status !== undefined)) {
      const status = ev.status !== undefined ? String(ev.status)
        : ev.class === 'timeout' ? 'timeout' : ev.class === 'connection_error' ? 'connection' : 'unknown';
      inc(a.http.byStatus, status);
      if (ev.host) {
        let m = a.http.byHost.get(ev.host);
        if (!m) a.http.byHost.set(ev.host, (m = new Map()));
        inc(m, status);
      }
    }
    const key = this.patterns.add(ev, cls);
    return key;
  }

  request(agent: string, bundleId: string | undefined, host: string): void {
    const a = this.agent(agent, bundleId);
    a.http.requests++;
    inc(a.http.requestsByHost, host);
  }

  verbose(kind: VerboseKind): void {
    const v = this.verboseCounts;
    switch (kind) {
      case 'debug': v.debug++; break;
      case 'info': v.info++; break;
      case 'prefDump': v.prefDump++; break;
      default: v.separator++;
    }
  }

  private byLevel(): Partial<Record<Level, number>> {
    const all: Record<Level, number> = { DEBUG: this.nDebug, INFO: this.nInfo, WARNING: this.nWarning, ERROR: this.nError, CRITICAL: this.nCritical };
    return Object.fromEntries(LEVELS.filter((l) => all[l] > 0).map((l) => [l, all[l]]));
  }

  level(level: Level, ts: string | undefined, source: string): void {
    switch (level) {
      case 'DEBUG': this.nDebug++; break;
      case 'INFO': this.nInfo++; break;
      case 'WARNING': this.nWarning++; break;
      case 'ERROR': this.nError++; break;
      default: this.nCritical++;
    }
    // A file's timestamps rise as it is written: the window's min/max are folded in per file (cheap).
    if (ts !== undefined) {
      if (source !== this.runSource) {
        this.foldRun();
        this.runSource = source;
      }
      if (this.runFirst === undefined) this.runFirst = ts;
      this.runLast = ts;
    }
  }

  private foldRun(): void {
    if (this.runFirst !== undefined && (this.first === undefined || this.runFirst < this.first)) this.first = this.runFirst;
    if (this.runLast !== undefined && (this.last === undefined || this.runLast > this.last)) this.last = this.runLast;
    this.runFirst = this.runLast = undefined;
  }

  filtered(): void {
    this.filteredOut++;
  }

  seen(agent: string, bundleId: string | undefined): void {
    this.agent(agent, bundleId);
  }

  opEvent(agent: string, bundleId: string | undefined, ev: OperationEvent): void {
    inc(this.operations, ev);
    const a = this.agent(agent, bundleId);
    if (ev === 'search_started') a.searches++;
    else if (ev === 'update_started') a.updates++;
    else if (ev === 'plugin_start') a.pluginStarts++;
  }

  closed(op: FinishedOperation): void {
    const a = this.agent(op.agent, op.bundleId);
    if (op.phase === 'search') {
      if (op.outcome === 'matched') a.searchesMatched++;
      else if (op.outcome === 'failed') a.searchesFailed++;
      else a.searchesErrored++;
    } else if (op.outcome === 'matched') a.updatesSucceeded++;
    else a.updatesFailed++;
    if (!op.title) return;
    const ident = (op.filePath ?? `${op.title}|${op.year ?? ''}`).toLowerCase();
    const itemKey = `${op.agent}|${op.phase}|${ident}`;
    let row = this.items.get(itemKey);
    if (!row) {
      // Item rows live to the end of the run: their strings are copied (`own`), so a row never keeps
      // alive the whole log line a field was sliced from (V8 sliced strings share their parent's storage).
      row = { agent: own(op.agent), phase: op.phase, title: own(op.title), outcome: op.outcome, reasons: [], operations: 0, matched: 0, failed: 0, errored: 0 };
      if (op.bundleId) row.bundleId = own(op.bundleId);
      if (op.firstTs) row.firstTs = own(op.firstTs);
      this.items.set(itemKey, row);
      this.itemIds.set(row, this.itemIds.size);
    }
    const itemId = this.itemIds.get(row)!;
    for (const t of op.tags) this.patterns.touchItem(t, itemId);
    row.operations++;
    if (op.outcome === 'matched') row.matched++;
    else if (op.outcome === 'failed') row.failed++;
    else row.errored++;
    row.outcome = op.outcome;
    row.reasons = op.reasons.map((r) => ownReason({ ...r, detail: this.patterns.scrub(clip(r.detail, MAX_EXAMPLE)) }));
    if (op.filePath) row.filePath = own(op.filePath);
    if (op.studio) row.studio = own(op.studio);
    if (op.year) row.year = op.year;
    if (op.lastTs) row.lastTs = own(op.lastTs);
    if (op.siteUrl) row.siteUrl = own(op.siteUrl);
  }



  // ---- building the report ----



  private itemList(): ItemOutcome[] {
    const rank = { error: 0, failed: 1, matched: 2 } as const;
    return [...this.items.values()].sort((a, b) =>
      cmp(a.agent, b.agent) || rank[a.outcome] - rank[b.outcome] || cmp(a.title, b.title) || cmp(a.phase, b.phase));
  }

  private agentStats(): Record<string, AgentStats> {
    const out: Record<string, AgentStats> = {};
    for (const name of [...this.agents.keys()].sort(cmp)) {
      const a = this.agents.get(name)!;
      const searched = a.searchesMatched + a.searchesFailed + a.searchesErrored;
      const updated = a.updatesSucceeded + a.updatesFailed;
      const byHost: Record<string, Record<string, number>> = {};
      for (const h of [...a.http.byHost.keys()].sort(cmp)) byHost[h] = sortedObject(a.http.byHost.get(h)!);
      const s: AgentStats = {
        events: a.events,
        errors: a.errors,
        noise: a.noise,
        byClass: sortedObject(a.byClass),
        http: { requests: a.http.requests, requestsByHost: sortedObject(a.http.requestsByHost), byStatus: sortedObject(a.http.byStatus), byHost },
        searches: a.searches,
        searchesMatched: a.searchesMatched,
        searchesFailed: a.searchesFailed,
        searchesErrored: a.searchesErrored,
        updates: a.updates,
        updatesSucceeded: a.updatesSucceeded,
        updatesFailed: a.updatesFailed,
        pluginStarts: a.pluginStarts,
        matchRate: searched ? a.searchesMatched / searched : null,
        updateSuccessRate: updated ? a.updatesSucceeded / updated : null,
      };
      if (a.bundleId) s.bundleId = a.bundleId;
      out[name] = s;
    }
    return out;
  }

  private agent(name: string, bundleId: string | undefined): AgentAcc {
    let a = this.agents.get(name);
    if (!a) {
      a = {
        events: 0, errors: 0, noise: 0, byClass: new Map(),
        http: { requests: 0, requestsByHost: new Map(), byStatus: new Map(), byHost: new Map() },
        searches: 0, searchesMatched: 0, searchesFailed: 0, searchesErrored: 0,
        updates: 0, updatesSucceeded: 0, updatesFailed: 0, pluginStarts: 0,
      };
      this.agents.set(name, a);
    }
    if (bundleId && !a.bundleId) a.bundleId = bundleId;
    return a;
  }
}

/**
 * Checks the report against `logReportSchema` (a contract violation here is a bug and throws) and hands
 * back the built object, not zod's copy. Items and patterns (tens of thousands over a long archive) are
 * checked one at a time with their own schemas — the same checks — so zod's copy of the whole report never
 * exists at once: the peak memory of a run stays that of the report itself.
 */
function validateReport(report: LogReport): void {
  logReportSchema.parse({ ...report, patterns: [], items: [] });
  const one = <T>(schema: { parse(x: unknown): T }, list: unknown[], name: string) => {
    for (let i = 0; i < list.length; i++) {
      try {
        schema.parse(list[i]);
      } catch (err) {
        throw new Error(`aggregate report: ${name}[${i}] breaks the contract: ${(err as Error).message}`);
      }
    }
  };
  one(patternSchema, report.patterns, 'patterns');
  one(itemOutcomeSchema, report.items, 'items');
}

/**
 * A copy of `s` that does not share storage with the string it was sliced from. V8 keeps a slice of 13 or
 * more characters as a view of its parent, so a field kept for the whole run (an item's title, path or
 * timestamp) would otherwise hold its entire log line in memory. Slicing a fresh concatenation flattens
 * it into a string of its own; short strings are copied by V8 anyway.
 */
export function own(s: string): string;
export function own(s: string | undefined): string | undefined;
export function own(s: string | undefined): string | undefined {
  return s === undefined || s.length < 13 ? s : (' ' + s).slice(1);
}

function ownReason(r: Reason): Reason {
  r.detail = own(r.detail);
  if (r.host) r.host = own(r.host);
  if (r.location) {
    const loc: Reason['location'] = { ...r.location, file: own(r.location.file) };
    if (loc.function !== undefined) loc.function = own(loc.function);
    r.location = loc;
  }
  return r;
}

function inc<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function sortedObject<K extends string>(m: Map<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of [...m.keys()].sort(cmp)) out[k] = m.get(k)!;
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
