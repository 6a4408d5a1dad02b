/**
 * Operations: one search or update of one film by one agent, stitched from the lines of one thread of one
 * agent's log between PGMA's header (`SEARCH::`/`UPDATE::` + `Agent`/`Version`/`File Name`/`File Path`/
 * `Media Title` lines) and its 4-line footer (`>> <Agent>: Finished Search Routine <<`,
 * `>> (Studio) - Title (Year) <<`, `>> <film URL> <<`, `>> Successful!! <<` | `>> Failed <<`).
 * Item success is the agent's own footer (DESIGN.md), never Plex's match state. Several agents run
 * concurrently in different threads, so the key is (agent log, thread id).
 */
import type { LogRecord } from './grammar.ts';
import { footerOutcome, parseFilmLabel, parsePgmaFileName, splitKeyValue, type PgmaLine } from './pgma.ts';
import type { EventClass, LogEvent, OperationEvent, Outcome, Phase, Reason } from './schema.ts';

/** Classes that mean "ran and did not match", as opposed to "something broke". */
export const NO_MATCH_CLASSES: ReadonlySet<EventClass> = new Set<EventClass>([
  'no_results', 'title_match_failure', 'studio_match_failure', 'date_match_failure', 'duration_match_failure',
  'filename_format_error', 'framework_noise',
]);

/** A finished operation, handed to the aggregator. */
export interface FinishedOperation {
  agent: string;
  bundleId?: string;
  phase: Phase;
  filePath?: string;
  /** Absent when the excerpt held nothing that names the film. */
  title?: string;
  studio?: string;
  year?: number;
  outcome: Outcome;
  reasons: Reason[];
  firstTs?: string;
  lastTs?: string;
  siteUrl?: string;
  /** Keys the aggregator attached while the operation was open (its pattern keys). */
  tags: string[];
}

export interface OperationSink {
  /** Lifecycle events (`search_started`, `match_success`, …) per agent. */
  opEvent(agent: string, bundleId: string | undefined, ev: OperationEvent): void;
  /** A finished operation (footer, exception, or an unfinished one that carried errors). */
  closed(op: FinishedOperation): void;
}

interface Operation {
  agent: string;
  bundleId?: string;
  phase: Phase;
  firstTs?: string;
  lastTs?: string;
  filePath?: string;
  fileName?: string;
  mediaTitle?: string;
  fileTitle?: string;
  fileStudio?: string;
  film?: { studio?: string; title: string; year?: number };
  siteUrl?: string;
  reasons: Reason[];
  /** Anything beyond header lines was seen (a new header then starts a new operation). */
  progressed: boolean;
  tags: Set<string>;
}

const START_KEYS = new Set(['agent', 'agent name', 'version', 'agent version']);
const FILE_KEYS = new Set(['file path', 'file name', 'media title', 'file', 'title']);
const COMPARISONS: Array<[string, EventClass]> = [
  ['Title Comparison Test', 'title_match_failure'],
  ['Studio Comparison Test', 'studio_match_failure'],
  ['Release Date Comparison Test', 'date_match_failure'],
  ['Duration Comparison Test', 'duration_match_failure'],
];
const MAX_REASONS = 12;

/** File name without folder and extension (`/m/(A) – B.mp4` → `(A) – B`). */
function baseName(path: string): string {
  return (path.split(/[\\/]/).pop() ?? path).replace(/\.[A-Za-z0-9]{2,4}$/, '');
}

/** Cheap pre-check: only lines starting like a header key are split into label/value. */
const HEADERISH = /^(?:>\s*)?(?:Agent|Version|File|Media Title|Title)/;

/** Keeps the open operation of each (agent log, thread) and reports finished ones to the sink. */
export class OperationTracker {
  private readonly open = new Map<string, Operation>();
  /** Operations that ended without a footer and without errors (no verdict possible). */
  unfinished = 0;

  constructor(private readonly sink: OperationSink) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Feeds one PGMA line of thread `key`. */
  onPgma(key: string, rec: LogRecord, pg: PgmaLine, agent: string): void {
    if (pg.kind === 'footer') return this.onFooter(key, rec, pg, agent);
    if (pg.kind !== 'text' || pg.form !== 'info') {
      const op = this.open.get(key);
      if (op) this.touchOp(op, rec);
      return;
    }
    const tag = pg.tag;
    if (tag === 'SEARCH' || tag === 'UPDATE') {
      if (pg.text.startsWith('Processing')) {
        const op = this.open.get(key);
        if (op) {
          op.progressed = true;
          this.touchOp(op, rec);
          this.sink.opEvent(op.agent, op.bundleId, 'search_result');
        }
        return;
      }
      const kv = HEADERISH.test(pg.text) ? splitKeyValue(pg.text) : null;
      const key2 = kv?.key.toLowerCase();
      const phase: Phase = tag === 'UPDATE' ? 'update' : 'search';
      let op = this.open.get(key);
      if (key2 && (START_KEYS.has(key2) || FILE_KEYS.has(key2))) {
        const restart = op && (op.agent !== agent || op.phase !== phase || (START_KEYS.has(key2) && op.progressed));
        if (restart) {
          this.close(key, op!, null);
          op = undefined;
        }
        if (!op) op = this.start(key, rec, agent, phase);
        if (key2 === 'file path' || key2 === 'file') op.filePath ??= kv!.value;
        else if (key2 === 'file name') op.fileName ??= kv!.value;
        else if (key2 === 'media title' || key2 === 'title') op.mediaTitle ??= kv!.value;
        this.touchOp(op, rec);
        return;
      }
      if (!op) return;
      op.progressed = true;
      this.touchOp(op, rec);
      return;
    }
    const op = this.open.get(key);
    if (!op) return;
    op.progressed = true;
    this.touchOp(op, rec);
    if (tag !== 'UTILS') return;
    const t = pg.text;
    if (t.startsWith('File Title') || t.startsWith('File Studio')) {
      const kv = splitKeyValue(t);
      if (kv?.value && kv.key === 'File Title') op.fileTitle ??= kv.value;
      if (kv?.value && kv.key === 'File Studio') op.fileStudio ??= kv.value;
      return;
    }
    for (const [label, cls] of COMPARISONS) {
      if (t.startsWith(label)) {
        const kv = splitKeyValue(t);
        if (kv && /^Failed/i.test(kv.value)) this.addReason(op, { class: cls, detail: `${label}: ${kv.value}` });
        return;
      }
    }
  }

  /** An ordinary line of thread `key`: the open operation (if any) has progressed to `ts`. */
  touch(key: string, ts: string | undefined): void {
    const op = this.open.get(key);
    if (op) {
      op.progressed = true;
      if (ts) op.lastTs = ts;
    }
  }

  /** True while thread `key` has an open operation. */
  isOpen(key: string): boolean {
    return this.open.has(key);
  }

  /** Remembers a key (e.g. a pattern key) on the open operation of thread `key`, if any. */
  tag(key: string, tag: string): void {
    this.open.get(key)?.tags.add(tag);
  }

  /** Attaches an error event of thread `key` to its open operation (as a reason). */
  onEvent(key: string, ev: LogEvent): Phase | undefined {
    const op = this.open.get(key);
    if (!op) return undefined;
    op.progressed = true;
    if (ev.ts) op.lastTs = ev.ts;
    if (ev.class !== 'framework_noise') {
      const r: Reason = { class: ev.class, detail: ev.message };
      if (ev.status !== undefined) r.status = ev.status;
      if (ev.host) r.host = ev.host;
      if (ev.location) r.location = ev.location;
      this.addReason(op, r);
    }
    // PGMA stops a search whose file name does not parse (utils.matchFilename raises): no footer follows.
    if (ev.class === 'filename_format_error') this.close(key, op, 'failed');
    return op.phase;
  }

  /**
   * An exception escaped the agent's search/update (framework CRITICAL): the open operation ends as
   * `error`; without one (any legacy agent), a one-line operation is recorded for the named item.
   */
  onAgentException(key: string, ev: LogEvent, agent: string, bundleId: string | undefined, phase: Phase, title?: string, tag?: string): void {
    const op = this.open.get(key);
    if (op) {
      this.onEvent(key, ev);
      this.close(key, op, 'error');
      return;
    }
    const reason: Reason = { class: ev.class, detail: ev.exceptionType ? `${ev.exceptionType}: ${ev.message}` : ev.message };
    if (ev.location) reason.location = ev.location;
    this.sink.opEvent(agent, bundleId, phase === 'search' ? 'search_started' : 'update_started');
    this.sink.opEvent(agent, bundleId, phase === 'search' ? 'match_failure' : 'update_failure');
    const row: FinishedOperation = { agent, bundleId, phase, outcome: 'error', reasons: [reason], tags: tag ? [tag] : [] };
    if (title) row.title = title;
    if (ev.ts) row.firstTs = row.lastTs = ev.ts;
    this.sink.closed(row);
  }

  /** A plug-in (re)start ends every open operation of that agent log. */
  pluginStart(logId: string): void {
    for (const [key, op] of [...this.open]) if (key.startsWith(logId + '|')) this.close(key, op, null);
  }

  /** Ends every open operation (end of input). */
  finish(): void {
    for (const [key, op] of [...this.open]) this.close(key, op, null);
  }

  private onFooter(key: string, rec: LogRecord, pg: PgmaLine, agent: string): void {
    const f = pg.footer ?? '';
    const phase: Phase = pg.tag === 'UPDATE' ? 'update' : 'search';
    let op = this.open.get(key);
    if (!op || op.phase !== phase || op.agent !== agent) {
      if (op) this.close(key, op, null);
      op = this.start(key, rec, agent, phase);
    }
    op.progressed = true;
    this.touchOp(op, rec);
    const result = footerOutcome(f);
    if (result) {
      const hasError = op.reasons.some((r) => !NO_MATCH_CLASSES.has(r.class));
      this.close(key, op, result === 'success' ? 'matched' : hasError ? 'error' : 'failed');
      return;
    }
    if (/^https?:\/\//i.test(f)) op.siteUrl = f;
    else if (!/Finished (?:Search|Update) Routine/i.test(f)) op.film ??= parseFilmLabel(f) ?? undefined;
  }

  private start(key: string, rec: LogRecord, agent: string, phase: Phase): Operation {
    const op: Operation = { agent, bundleId: rec.bundleId, phase, firstTs: rec.ts, lastTs: rec.ts, reasons: [], progressed: false, tags: new Set() };
    this.open.set(key, op);
    this.sink.opEvent(agent, rec.bundleId, phase === 'search' ? 'search_started' : 'update_started');
    return op;
  }

  private touchOp(op: Operation, rec: LogRecord): void {
    if (rec.ts) op.lastTs = rec.ts;
  }

  private addReason(op: Operation, r: Reason): void {
    if (op.reasons.length >= MAX_REASONS) return;
    if (op.reasons.some((x) => x.class === r.class && x.detail === r.detail)) return;
    op.reasons.push(r);
  }

  private close(key: string, op: Operation, outcome: Outcome | null): void {
    this.open.delete(key);
    if (outcome === null) {
      if (!op.reasons.some((r) => !NO_MATCH_CLASSES.has(r.class))) {
        this.unfinished++;
        return;
      }
      outcome = 'error';
    }
    const ev: OperationEvent = op.phase === 'search'
      ? (outcome === 'matched' ? 'match_success' : 'match_failure')
      : (outcome === 'matched' ? 'update_success' : 'update_failure');
    this.sink.opEvent(op.agent, op.bundleId, ev);
    const fromName = parsePgmaFileName(op.filePath ?? op.fileName ?? '');
    const film = op.film ?? fromName;
    const out: FinishedOperation = { agent: op.agent, bundleId: op.bundleId, phase: op.phase, outcome, reasons: op.reasons, tags: [...op.tags] };
    const path0 = op.filePath ?? op.fileName;
    const title = film?.title ?? op.mediaTitle ?? op.fileTitle ?? (path0 ? baseName(path0) : undefined);
    if (title) out.title = title;
    const studio = film?.studio ?? op.fileStudio;
    if (studio) out.studio = studio;
    if (film?.year) out.year = film.year;
    const path = op.filePath ?? op.fileName;
    if (path) out.filePath = path;
    if (op.firstTs) out.firstTs = op.firstTs;
    if (op.lastTs) out.lastTs = op.lastTs;
    if (op.siteUrl) out.siteUrl = op.siteUrl;
    this.sink.closed(out);
  }
}
