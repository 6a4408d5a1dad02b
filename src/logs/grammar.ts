/**
 * The framework line grammar (Plex Extension Framework `LogFormatter`):
 * `%(asctime)-15s (%(thread)x) :  %(levelname)s (%(module)s:%(lineno)d) - %(message)s`, e.g.
 * `2024-07-12 13:36:56,319 (1cc8) :  ERROR (logkit:22) - Fagalicious - SEARCH:: …`.
 * Lines that do not match continue the previous record (tracebacks). Thread ids are `%x` of the Python
 * thread ident and can be negative on some Synology builds; `(module:line)` differs per platform and is
 * kept opaque. Lenient reading (pasted excerpts from issues and reports) is an option, off for real logs.
 */
import type { RawLine } from './input.ts';

export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type Level = (typeof LEVELS)[number];

/** One log record: a prefixed line plus the lines that continue it. */
export interface LogRecord {
  source: string;
  bundleId?: string;
  /** 1-based line number of the record's first line. */
  lineNo: number;
  /** Timestamp as logged (`2024-07-12 13:36:56,319`), absent for pasted lines without one. */
  ts?: string;
  /** Thread id as logged (hex, maybe negative); `?` when a pasted line lost it. */
  thread: string;
  level: Level;
  /** `module:line` as logged, opaque. */
  origin?: string;
  message: string;
  /** Following lines without a prefix (traceback frames, wrapped text), line endings removed. */
  continuation: string[];
  /** True when the record was read leniently (pasted excerpt, mangled prefix). */
  lenient: boolean;
}

/** Parsed prefix of a framework line, or null. Hand-written for speed: checked on every line. */
export function parseFrameworkLine(text: string): { ts: string; thread: string; level: Level; origin: string; message: string } | null {
  // 2024-07-12 13:36:56,319 (1cc8) :  LEVEL (module:line) - message
  // 0123456789012345678901234
  if (text.length < 40 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(19) !== 44 ||
    text.charCodeAt(23) !== 32 || text.charCodeAt(24) !== 40) return null;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22]) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  if (text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const close = text.indexOf(') :  ', 25);
  if (close < 0 || close > 25 + 20) return null;
  const thread = text.slice(25, close);
  if (!/^-?[0-9a-f]+$/.test(thread)) return null;
  const rest = parseLevelPart(text, close + 5);
  return rest ? { ts: text.slice(0, 23), thread, ...rest } : null;
}

/** Parses `LEVEL (module:line) - message` starting at `at`. */
function parseLevelPart(text: string, at: number): { level: Level; origin: string; message: string } | null {
  const sp = text.indexOf(' (', at);
  if (sp < 0 || sp - at > 8) return null;
  const level = text.slice(at, sp) as Level;
  if (!LEVEL_SET.has(level)) return null;
  const end = text.indexOf(') - ', sp + 2);
  if (end < 0) return null;
  const origin = text.slice(sp + 2, end);
  const colon = origin.lastIndexOf(':');
  if (colon <= 0 || origin.includes('(') || origin.includes(')') || !/^\d+$/.test(origin.slice(colon + 1))) return null;
  if (origin.indexOf(':') !== colon) return null;
  return { level, origin, message: text.slice(end + 4) };
}

const LEVEL_SET = new Set<string>(LEVELS);

/** PGMA tags (first 8 characters of a PGMA message), current and 2021 builds. */
const BARE_PGMA = /^([A-Za-z][\w.]*)( {1,2})- (SEARCH::|UTILS ::|AGENT ::|UPDATE::|AGNT {2}::|SELF:: |IAFD {2}::)/;
const MARKDOWN_TS = /^[*_`]*(\d{4}-\d{2}-\d{2})[*_`]* +[*_`]*(\d{2}:\d{2}:\d{2},\d{3})[*_`]*( \(.*)$/;
const GREP_PREFIX = /^(?:\.\/)?([^:\s]*?\.log(?:\.\d+)?):(?=\d{4}-)/;
const TRACEBACK_LINE = /^(?:\s|Traceback |[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt)\b)/;

export interface GrammarOptions {
  /**
   * Read pasted excerpts leniently: `# ` annotation lines, report markers (`>> `/`   `), grep prefixes,
   * markdown-mangled timestamps, prefix-less lines, blank lines, hard-wrapped lines. Off for real logs.
   */
  lenient?: boolean;
  /** Most continuation lines kept per record (the rest are counted, the last ones always kept). */
  maxContinuation?: number;
}

export interface GrammarCounts {
  records: number;
  continuations: number;
  lenient: number;
  unparsed: number;
  annotations: number;
}

/**
 * Turns physical lines into records, one source at a time: a record is emitted when the next record
 * (or another source, or `flush()`) begins, so its continuation lines are complete.
 */
export class RecordAssembler {
  readonly counts: GrammarCounts = { records: 0, continuations: 0, lenient: 0, unparsed: 0, annotations: 0 };
  private current: LogRecord | null = null;
  private lastPhysical = '';
  private readonly lenient: boolean;
  private readonly maxCont: number;

  constructor(private readonly emit: (r: LogRecord) => void, opts: GrammarOptions = {}) {
    this.lenient = opts.lenient ?? false;
    this.maxCont = Math.max(8, opts.maxContinuation ?? 64);
  }

  push(line: RawLine): void {
    const cur = this.current;
    if (cur && cur.source !== line.source) this.flush();
    const text = line.text;
    const fw = parseFrameworkLine(text);
    if (fw) {
      this.flush();
      this.counts.records++;
      this.start(line, fw.ts, fw.thread, fw.level, fw.origin, fw.message, false);
      return;
    }
    if (this.lenient && this.tryLenient(line)) return;
    this.continueWith(line, text);
  }

  /** Emits the record in progress. */
  flush(): void {
    if (this.current) {
      const r = this.current;
      this.current = null;
      this.emit(r);
    }
  }

  private start(line: RawLine, ts: string | undefined, thread: string, level: Level, origin: string | undefined,
    message: string, lenient: boolean, bundleId = line.bundleId): void {
    this.current = { source: line.source, bundleId, lineNo: line.lineNo, ts, thread, level, origin, message, continuation: [], lenient };
    this.lastPhysical = line.text;
  }

  private continueWith(line: RawLine, text: string): void {
    const cur = this.current;
    if (!cur) {
      if (text.trim() !== '') this.counts.unparsed++;
      return;
    }
    this.counts.continuations++;
    if (this.lenient && cur.continuation.length === 0 && !TRACEBACK_LINE.test(text) && this.lastPhysical.length >= 60) {
      // A hard-wrapped message (~75 columns): join the piece to the message.
      const prev = cur.message;
      const glue = /[/%+=&?]\S*$/.test(prev) && !/^\s/.test(text) && this.lastPhysical.length >= 75 ? '' : ' ';
      cur.message = prev + glue + text.trim();
      this.lastPhysical = text;
      return;
    }
    const cont = cur.continuation;
    if (cont.length >= this.maxCont) cont.splice(this.maxCont >> 2, 1); // keep the head and the tail
    cont.push(text);
    this.lastPhysical = text;
  }

  private tryLenient(line: RawLine): boolean {
    let text = line.text.replace(/^`+|`+\s*$/g, '');
    if (text.trim() === '') return true; // blank lines inserted by markdown
    if (text.startsWith('# ') || text === '#') {
      this.flush();
      this.counts.annotations++;
      return true;
    }
    let bundleId = line.bundleId;
    const grep = GREP_PREFIX.exec(text);
    if (grep) {
      text = text.slice(grep[0].length);
      bundleId = bundleIdFromFileName(grep[1]) ?? bundleId;
    }
    if (text.startsWith('>> ') || text.startsWith('   ')) {
      const inner = parseFrameworkLine(text.slice(3));
      if (inner) return this.lenientRecord(line, inner.ts, inner.thread, inner.level, inner.origin, inner.message, bundleId);
    }
    const md = MARKDOWN_TS.exec(text);
    if (md) {
      const fixed = parseFrameworkLine(`${md[1]} ${md[2]}${md[3]}`);
      if (fixed) return this.lenientRecord(line, fixed.ts, fixed.thread, fixed.level, fixed.origin, fixed.message, bundleId);
    }
    if (grep) {
      const fw = parseFrameworkLine(text);
      if (fw) return this.lenientRecord(line, fw.ts, fw.thread, fw.level, fw.origin, fw.message, bundleId);
    }
    const lv = parseLevelPart(text, 0);
    if (lv) return this.lenientRecord(line, undefined, '?', lv.level, lv.origin, lv.message, bundleId);
    const bare = BARE_PGMA.exec(text);
    if (bare) {
      // PGMA's ERROR form has one space before the dash, its INFO form two.
      return this.lenientRecord(line, undefined, '?', bare[2] === ' ' ? 'ERROR' : 'INFO', undefined, text, bundleId);
    }
    return false;
  }

  private lenientRecord(line: RawLine, ts: string | undefined, thread: string, level: Level, origin: string | undefined,
    message: string, bundleId: string | undefined): true {
    this.flush();
    this.counts.records++;
    this.counts.lenient++;
    this.start(line, ts, thread, level, origin, message, true, bundleId);
    return true;
  }
}

/** `com.plexapp.agents.GEVI` from `com.plexapp.agents.GEVI.log.2` (rotated suffix after `.log`). */
export function bundleIdFromFileName(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop() ?? name;
  const m = /^(.+?)\.log(?:\.\d+)?$/.exec(base);
  return m ? m[1] : undefined;
}
