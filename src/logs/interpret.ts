/**
 * From records to events: runs the PGMA message layer and the classification table on each record and
 * correlates what belongs together within one thread of one agent log, so that one failure is ONE event:
 * - the framework's `Error opening URL '<url>'` (emitted by Plex for every failed `HTML.ElementFromURL`)
 *   and the PGMA error that follows in the same thread: url/host from the framework, status from PGMA;
 * - PGMA's two-line error pair (location line + text line), also when a report reordered the two;
 * - a framework CRITICAL (e.g. `storage:89` IOError writing a poster) and the PGMA warning about the same;
 * - the resource-hashes 404 and its CRITICAL traceback (framework noise).
 * Requests are counted per host from `networking: Requesting '<url>'` and PGMA's `Request URL` (the same
 * request logged by both is counted once). Loopback calls into Plex itself are not site requests.
 */
import { analyseTraceback, classifyFramework, classifyPgmaText, classifyUnclaimedUrlError, type Classification } from './classify.ts';
import type { Level, LogRecord } from './grammar.ts';
import { firstUrl, hostOf, isLoopbackHost } from './mask.ts';
import { OperationTracker, type OperationSink } from './operations.ts';
import { parsePgma, splitKeyValue, type PgmaLine } from './pgma.ts';
import type { EventClass, LogEvent, OperationEvent } from './schema.ts';
import { isDumpLine, utilsInfoKind, type VerboseKind } from './verbose.ts';

/**
 * Agent errors that can be the report of a failed request (and so claim a pending `Error opening URL`).
 * A title/studio/date/duration mismatch, a file-name or storage error never does.
 */
const REQUEST_CLASSES: ReadonlySet<EventClass> = new Set<EventClass>([
  'http_error', 'timeout', 'connection_error', 'iafd_failure', 'no_results', 'xpath_failure', 'unknown_error',
  'pms_communication_error', 'config_error',
]);

/**
 * The line plexmend's back-off helper logs before it retries a failed request (diagnose/recipes/backoff.ts:
 * `requestWithBackoff: <error>; retry <n> in <s> s`). Like PGMA's `Request Failed` fallback, it marks the
 * pending `Error opening URL` as retried: a request that then succeeds was no failure.
 */
const BACKOFF_RETRY = /^requestWithBackoff: .*; retry \d+ in \d+(?:\.\d+)? s$/s;

/** Agent name used when a line names no agent and its file is unknown (pasted excerpts). */
export const UNKNOWN_AGENT = '(unknown)';

export interface InterpretSink extends OperationSink {
  /** A classified event of thread `threadKey`; returns a key the operation remembers (pattern key). */
  event(ev: LogEvent, cls: Classification): string;
  request(agent: string, bundleId: string | undefined, host: string): void;
  verbose(kind: VerboseKind): void;
  filtered(): void;
  /** A record passed the time filter. */
  level(level: Level, ts: string | undefined, source: string): void;
  /** A record was seen for this agent (for per-agent presence even without events). */
  seen(agent: string, bundleId: string | undefined): void;
}

export interface InterpretOptions {
  /** Inclusive bounds on the logged timestamp, normalised to `YYYY-MM-DD HH:MM:SS,mmm` (string order). */
  since?: string;
  until?: string;
  /** Agent names or bundle ids to keep (case-insensitive). */
  agents?: string[];
}

interface Held {
  ev: LogEvent;
  cls: Classification;
  /** A PGMA text line still waiting for a location line printed after it. */
  wantsLocation: boolean;
  /** A framework exception that the agent's own error line may repeat. */
  framework: boolean;
}

interface ThreadState {
  agent?: string;
  pendingUrl?: { rec: LogRecord; url: string; host?: string; retried: boolean };
  pendingLoc?: { rec: LogRecord; pg: PgmaLine };
  held?: Held;
  lastRequestUrl?: string;
}

/** `GEVI` from `com.plexapp.agents.GEVI`; `system` from `com.plexapp.system`. */
export function agentOfBundle(bundleId: string | undefined): string | undefined {
  if (!bundleId) return undefined;
  const m = /^com\.plexapp\.agents\.(.+)$/.exec(bundleId);
  if (m) return m[1];
  return bundleId.split('.').pop() || undefined;
}

/**
 * Turns records into events, request counts and operation lines for one sink; keeps per-thread state
 * (pending URL error, pending location line, a held event) only as long as a correlation can still happen.
 */
export class Interpreter {
  readonly ops: OperationTracker;
  private readonly threads = new Map<string, ThreadState>();
  private readonly agentFilter: Set<string> | null;
  private readonly agentNames = new Map<string, string | undefined>();
  private lastBundle: string | undefined;
  private lastBundleAgent: string | undefined;
  /** The thread of the previous record (consecutive records mostly share it). */
  private last: { logId: string; thread: string; key: string; st: ThreadState } | null = null;

  constructor(private readonly sink: InterpretSink, private readonly opts: InterpretOptions = {}) {
    this.ops = new OperationTracker(sink);
    this.agentFilter = opts.agents?.length ? new Set(opts.agents.map((a) => a.toLowerCase())) : null;
  }

  record(r: LogRecord): void {
    if (r.ts !== undefined && ((this.opts.since && r.ts < this.opts.since) || (this.opts.until && r.ts > this.opts.until))) {
      this.sink.filtered();
      return;
    }
    this.sink.level(r.level, r.ts, r.source);
    const logId = r.bundleId ?? r.source;
    let key: string;
    let st: ThreadState;
    if (this.last && this.last.logId === logId && this.last.thread === r.thread) {
      key = this.last.key;
      st = this.last.st;
    } else {
      key = logId + '|' + r.thread;
      let s0 = this.threads.get(key);
      if (!s0) this.threads.set(key, (s0 = {}));
      st = s0;
      this.last = { logId, thread: r.thread, key, st };
    }
    const msg = r.message;
    const fileAgent = this.fileAgent(r.bundleId);

    if (r.level === 'DEBUG') {
      if (msg.startsWith("Requesting '")) {
        const agent = fileAgent ?? st.agent ?? UNKNOWN_AGENT;
        if (this.accept(agent, r.bundleId)) this.onRequesting(key, st, r, agent, msg);
      }
      this.sink.verbose('debug');
      return;
    }
    if (st.pendingUrl && msg.startsWith('requestWithBackoff: ') && BACKOFF_RETRY.test(msg)) {
      st.pendingUrl.retried = true;
      this.sink.verbose('info');
      return;
    }
    const dash = msg.indexOf(' - ');
    if (r.level === 'INFO' && st.agent !== undefined && !st.held && this.skipUtilsInfo(key, st.agent, msg, dash, r.ts)) return;
    const pg = dash > 0 && dash <= 40 ? parsePgma(msg, dash, st.agent) : null;
    if (st.held && !(pg && (pg.kind === 'location' || (st.held.framework && pg.kind === 'text' && pg.form === 'error')))) {
      this.emitHeld(key, st);
    }

    if (pg) {
      if (!this.accept(pg.agent, r.bundleId)) {
        this.sink.filtered();
        return;
      }
      if (st.agent !== pg.agent) {
        st.agent = pg.agent;
        this.sink.seen(pg.agent, r.bundleId);
      }
      this.onPgma(key, st, r, pg);
      return;
    }
    if (r.level === 'INFO' && msg.startsWith('Starting framework core')) {
      const agent = fileAgent ?? st.agent ?? UNKNOWN_AGENT;
      this.endLog(logId);
      if (this.accept(agent, r.bundleId)) this.sink.opEvent(agent, r.bundleId, 'plugin_start');
      return;
    }
    const cls = classifyFramework(msg, r.level);
    if (!cls || cls.class === null) {
      this.sink.verbose('info');
      return;
    }
    const agent = fileAgent ?? (cls.agentName || st.agent) ?? UNKNOWN_AGENT;
    if (!this.accept(agent, r.bundleId)) {
      this.sink.filtered();
      return;
    }
    this.sink.seen(agent, r.bundleId);
    this.onFramework(key, st, r, cls, agent);
  }

  /** Ends the input: emits everything still pending and closes open operations. */
  finish(): void {
    for (const [key, st] of this.threads) this.flushThread(key, st);
    this.threads.clear();
    this.last = null;
    this.ops.finish();
  }

  private fileAgent(bundleId: string | undefined): string | undefined {
    if (bundleId === undefined) return undefined;
    if (bundleId === this.lastBundle) return this.lastBundleAgent;
    const a = this.agentNames.has(bundleId) ? this.agentNames.get(bundleId) : agentOfBundle(bundleId);
    this.agentNames.set(bundleId, a);
    this.lastBundle = bundleId;
    this.lastBundleAgent = a;
    return a;
  }

  /**
   * Fast path for the bulk of a PGMA log (`verbose.ts` utilsInfoKind): counted as verbose without building
   * a PgmaLine.
   */
  private skipUtilsInfo(key: string, agent: string, msg: string, dash: number, ts: string | undefined): boolean {
    const kind = utilsInfoKind(msg, agent, dash);
    if (kind === null || !this.accept(agent, undefined)) return false;
    this.sink.verbose(kind);
    this.ops.touch(key, ts);
    return true;
  }

  private accept(agent: string, bundleId: string | undefined): boolean {
    const f = this.agentFilter;
    return !f || f.has(agent.toLowerCase()) || (bundleId !== undefined && f.has(bundleId.toLowerCase()));
  }

  private endLog(logId: string): void {
    this.last = null;
    for (const [key, st] of [...this.threads]) {
      if (!key.startsWith(logId + '|')) continue;
      this.flushThread(key, st);
      this.threads.delete(key);
    }
    this.ops.pluginStart(logId);
  }

  private onRequesting(key: string, st: ThreadState, r: LogRecord, agent: string, msg: string): void {
    const url = msg.slice(12, msg.endsWith("'") ? -1 : undefined);
    const host = hostOf(url);
    if (st.pendingUrl && st.pendingUrl.url !== url) this.flushPendingUrl(key, st);
    if (!host || isLoopbackHost(host)) return;
    if (st.lastRequestUrl === url) {
      st.lastRequestUrl = undefined;
      return;
    }
    this.sink.request(agent, r.bundleId, host);
  }

  private onPgma(key: string, st: ThreadState, r: LogRecord, pg: PgmaLine): void {
    switch (pg.kind) {
      case 'location': {
        const held = st.held;
        if (held?.wantsLocation && held.ev.ts === r.ts && pg.location) {
          held.ev.location = pg.location;
          this.emitHeld(key, st);
          return;
        }
        if (held && !held.framework) this.emitHeld(key, st);
        if (st.pendingLoc && st.pendingLoc.rec.ts === r.ts && st.pendingLoc.rec.message === r.message) return; // repeated context line
        this.flushOrphanLocation(key, st);
        st.pendingLoc = { rec: r, pg };
        return;
      }
      case 'footer':
        this.flushPendingUrl(key, st);
        this.flushOrphanLocation(key, st);
        this.ops.onPgma(key, r, pg, pg.agent);
        if (!this.ops.isOpen(key) && !st.held) this.dropThread(key); // thread ids are many over months of logs
        return;
      case 'banner':
        this.sink.verbose('separator');
        this.ops.onPgma(key, r, pg, pg.agent);
        return;
      case 'text':
        // PGMA's error form is written with Log.Error; the same shape at INFO (an umbrella agent's own
        // `AGENT - key : value` lines) is plain information, never an error.
        if (pg.form === 'error' && (r.level === 'ERROR' || r.level === 'CRITICAL' || r.level === 'WARNING' || r.origin === undefined)) return this.onPgmaError(key, st, r, pg);
        if (pg.tag === 'UTILS' && pg.text.startsWith('Request URL')) {
          const url = splitKeyValue(pg.text)?.value ?? '';
          const host = hostOf(url);
          if (host && !isLoopbackHost(host)) {
            this.sink.request(pg.agent, r.bundleId, host);
            st.lastRequestUrl = url;
          }
        } else if (pg.tag === 'UTILS' && pg.text.startsWith('Request Failed') && st.pendingUrl) {
          st.pendingUrl.retried = true;
        }
        this.sink.verbose(isDumpLine(pg.text) ? 'prefDump' : 'info');
        this.ops.onPgma(key, r, pg, pg.agent);
        return;
    }
  }

  private onPgmaError(key: string, st: ThreadState, r: LogRecord, pg: PgmaLine): void {
    const loc = st.pendingLoc;
    st.pendingLoc = undefined;
    const cls = classifyPgmaText(pg.text, true);
    if (!cls || cls.class === null) {
      this.sink.verbose('info');
      return;
    }
    const ev = this.makeEvent(cls, pg.agent, loc?.rec ?? r, pg.text);
    if (loc?.pg.location) ev.location = loc.pg.location;
    const url = st.pendingUrl;
    if (url && REQUEST_CLASSES.has(ev.class)) {
      st.pendingUrl = undefined;
      ev.url = url.url;
      if (url.host) ev.host = url.host;
      ev.lineNo = url.rec.lineNo;
      if (url.rec.ts) ev.ts = url.rec.ts;
    } else {
      const inText = firstUrl(pg.text);
      const h = inText ? hostOf(inText) : undefined;
      if (inText && h) {
        ev.url = inText;
        ev.host = h;
      }
    }
    if (cls.class === 'iafd_failure' && !ev.host && cls.status !== undefined) ev.host = 'www.iafd.com';
    const held = st.held;
    if (held?.framework && held.ev.class === ev.class) {
      // The agent repeats a failure the framework already reported (e.g. poster write): one event.
      if (ev.location && !held.ev.location) held.ev.location = ev.location;
      this.emitHeld(key, st);
      return;
    }
    if (held) this.emitHeld(key, st);
    if (!loc) {
      st.held = { ev, cls, wantsLocation: true, framework: false };
      return;
    }
    this.emit(key, ev, cls);
  }

  private onFramework(key: string, st: ThreadState, r: LogRecord, cls: Classification, agent: string): void {
    if (cls.urlError) {
      this.flushPendingUrl(key, st);
      const m = /'([^']*)'/.exec(r.message);
      const url = m ? m[1] : '';
      st.pendingUrl = { rec: r, url, host: hostOf(url), retried: false };
      return;
    }
    const ev = this.makeEvent(cls, agent, r, r.message);
    if (r.continuation.length) {
      const tb = analyseTraceback(r.continuation);
      if (tb.exceptionType) ev.exceptionType = tb.exceptionType;
      if (tb.location) ev.location = tb.location;
    }
    const url = st.pendingUrl;
    if (url) {
      st.pendingUrl = undefined;
      ev.url = url.url;
      if (url.host) ev.host = url.host;
      ev.lineNo = url.rec.lineNo;
    }
    if (cls.class === 'agent_exception' && cls.phase) {
      ev.phase = cls.phase;
      const title = /'name': u?'((?:[^'\\]|\\.)*)'/.exec(r.message)?.[1] ?? /called with guid '([^']*)'/.exec(r.message)?.[1];
      const patternKey = this.sink.event(ev, cls);
      this.ops.tag(key, patternKey);
      this.ops.onAgentException(key, ev, agent, r.bundleId, cls.phase, title, patternKey);
      return;
    }
    if (cls.class === 'storage_error') {
      st.held = { ev, cls, wantsLocation: false, framework: true };
      return;
    }
    this.emit(key, ev, cls);
  }

  private makeEvent(cls: Classification, agent: string, r: LogRecord, message: string): LogEvent {
    const ev: LogEvent = { class: cls.class!, agent, message, thread: r.thread, level: r.level, source: r.source, lineNo: r.lineNo };
    if (r.bundleId) ev.bundleId = r.bundleId;
    if (r.ts) ev.ts = r.ts;
    if (cls.status !== undefined) ev.status = cls.status;
    return ev;
  }

  private emit(key: string, ev: LogEvent, cls: Classification): void {
    const phase = this.ops.onEvent(key, ev);
    if (phase && !ev.phase) ev.phase = phase;
    const patternKey = this.sink.event(ev, cls);
    this.ops.tag(key, patternKey);
  }

  private emitHeld(key: string, st: ThreadState): void {
    const h = st.held;
    if (!h) return;
    st.held = undefined;
    this.emit(key, h.ev, h.cls);
  }

  /** An `Error opening URL` no agent error claimed: noise, a Plex call, or an HTTP failure without status. */
  private flushPendingUrl(key: string, st: ThreadState): void {
    const p = st.pendingUrl;
    if (!p) return;
    st.pendingUrl = undefined;
    const orphan = st.pendingLoc;
    if (p.retried && !orphan) return; // the agent's fallback (cfscrape) recovered: not a failure
    const agent = agentOfBundle(p.rec.bundleId) ?? st.agent ?? UNKNOWN_AGENT;
    const cls = classifyUnclaimedUrlError(p.url, p.host);
    const ev = this.makeEvent(cls, agent, p.rec, p.rec.message);
    ev.url = p.url;
    if (p.host) ev.host = p.host;
    if (orphan?.pg.location) {
      ev.location = orphan.pg.location;
      st.pendingLoc = undefined;
    }
    this.emit(key, ev, cls);
  }

  private dropThread(key: string): void {
    this.threads.delete(key);
    if (this.last?.key === key) this.last = null;
  }

  private flushThread(key: string, st: ThreadState): void {
    this.emitHeld(key, st);
    this.flushPendingUrl(key, st);
    this.flushOrphanLocation(key, st);
  }

  /**
   * A ❌ location line whose text line never came (an excerpt cut after it): an error of unknown kind
   * was logged at that code location. A ⚠ one alone is dropped (a warning of unknown kind).
   */
  private flushOrphanLocation(key: string, st: ThreadState): void {
    const loc = st.pendingLoc;
    if (!loc) return;
    st.pendingLoc = undefined;
    if (loc.pg.mark !== 'error') return;
    const cls: Classification = { rule: 'pgma.orphan-location', class: 'unknown_error' };
    const ev = this.makeEvent(cls, loc.pg.agent, loc.rec, loc.pg.text);
    if (loc.pg.location) ev.location = loc.pg.location;
    this.emit(key, ev, cls);
  }
}

export type { OperationEvent };
