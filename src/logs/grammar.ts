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

/** Where the parts of the last scanned line are (reused: no allocation per line). */
const scan = { threadEnd: 0, level: 'INFO' as Level, originStart: 0, originEnd: 0, msgStart: 0 };

/** Parsed prefix of a framework line, or null. */
export function parseFrameworkLine(text: string): { ts: string; thread: string; level: Level; origin: string; message: string } | null {
  if (!scanFrameworkLine(text)) return null;
  return { ts: text.slice(0, 23), thread: text.slice(25, scan.threadEnd), level: scan.level,
    origin: text.slice(scan.originStart, scan.originEnd), message: text.slice(scan.msgStart) };
}

/** Checks the framework prefix and fills `scan`. Hand-written for speed: it runs on every line. */
function scanFrameworkLine(text: string): boolean {
  // 2024-07-12 13:36:56,319 (1cc8) :  LEVEL (module:line) - message
  // 0123456789012345678901234
  if (text.length < 40 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(19) !== 44 ||
    text.charCodeAt(23) !== 32 || text.charCodeAt(24) !== 40 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58) return false;
  for (let k = 0; k < DIGIT_POS.length; k++) {
    const c = text.charCodeAt(DIGIT_POS[k]);
    if (c < 48 || c > 57) return false;
  }
  // thread: -?[0-9a-f]+ then ") :  "
  let i = 25;
  if (text.charCodeAt(i) === 45) i++;
  const hexStart = i;
  for (; i < 46; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) break;
  }
  if (i === hexStart || text.charCodeAt(i) !== 41 || text.charCodeAt(i + 1) !== 32 || text.charCodeAt(i + 2) !== 58 ||
    text.charCodeAt(i + 3) !== 32 || text.charCodeAt(i + 4) !== 32) return false;
  scan.threadEnd = i;
  return scanLevelPart(text, i + 5);
}

const DIGIT_POS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/** Parses `LEVEL (module:line) - message` starting at `at`. */
function parseLevelPart(text: string, at: number): { level: Level; origin: string; message: string } | null {
  if (!scanLevelPart(text, at)) return null;
  return { level: scan.level, origin: text.slice(scan.originStart, scan.originEnd), message: text.slice(scan.msgStart) };
}

function scanLevelPart(text: string, at: number): boolean {
  let level: Level;
  switch (text.charCodeAt(at)) {
    case 68: level = 'DEBUG'; break;
    case 73: level = 'INFO'; break;
    case 87: level = 'WARNING'; break;
    case 69: level = 'ERROR'; break;
    case 67: level = 'CRITICAL'; break;
    default: return false;
  }
  if (!text.startsWith(level, at)) return false;
  const open = at + level.length;
  if (text.charCodeAt(open) !== 32 || text.charCodeAt(open + 1) !== 40) return false;
  // (module:line) — module has no ':', '(' or ')'; line is digits
  let colon = -1;
  let j = open + 2;
  for (const lim = Math.min(text.length, j + 120); j < lim; j++) {
    const c = text.charCodeAt(j);
    if (c === 58) {
      if (colon >= 0) return false;
      colon = j;
    } else if (c === 41) break;
    else if (c === 40) return false;
    else if (colon >= 0 && (c < 48 || c > 57)) return false;
  }
  if (colon <= open + 2 || j === colon + 1 || text.charCodeAt(j) !== 41 || text.charCodeAt(j + 1) !== 32 ||
    text.charCodeAt(j + 2) !== 45 || text.charCodeAt(j + 3) !== 32) return false;
  scan.level = level;
  scan.originStart = open + 2;
  scan.originEnd = j;
  scan.msgStart = j + 4;
  return true;
}

/** The width pasted text is hard-wrapped at (mail clients, `textwrap`, issue forms: 72–80 columns). */
const WRAP_COLUMNS = 72;

/** Shared empty continuation list (most records have none; replaced on the first continuation line). */
const NO_LINES = Object.freeze([]) as unknown as string[];

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
  /** The last physical line was joined to the record as a hard-wrapped piece. */
  private inWrap = false;
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
    if (scanFrameworkLine(text)) {
      this.flush();
      this.counts.records++;
      this.current = {
        source: line.source, bundleId: line.bundleId, lineNo: line.lineNo, ts: text.slice(0, 23),
        thread: text.slice(25, scan.threadEnd), level: scan.level, origin: text.slice(scan.originStart, scan.originEnd),
        message: text.slice(scan.msgStart), continuation: NO_LINES, lenient: false,
      };
      this.lastPhysical = text;
      this.inWrap = false;
      return;
    }
    // A pasted prefix cut after its dash takes the next line as its message, even one that reads as a bare PGMA line.
    if (this.lenient && this.current?.message === '' && this.current.lenient && text.trim() !== '') return this.continueWith(line, text);
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
    this.current = { source: line.source, bundleId, lineNo: line.lineNo, ts, thread, level, origin, message, continuation: NO_LINES, lenient };
    this.lastPhysical = line.text;
    this.inWrap = false;
  }

  private continueWith(line: RawLine, text: string): void {
    const cur = this.current;
    if (!cur) {
      if (text.trim() !== '') this.counts.unparsed++;
      return;
    }
    this.counts.continuations++;
    if (this.lenient && cur.continuation.length === 0 && !TRACEBACK_LINE.test(text) && this.isWrapPiece(text)) {
      // A hard-wrapped message (~75 columns): join the piece to the message.
      const prev = cur.message;
      const glue = prev === '' || (/[/%+=&?]\S*$/.test(prev) && !/^\s/.test(text) && this.lastPhysical.length >= 75) ? '' : ' ';
      cur.message = prev + glue + text.trim();
      this.lastPhysical = text;
      this.inWrap = true;
      return;
    }
    if (cur.continuation === NO_LINES) cur.continuation = [];
    const cont = cur.continuation;
    if (cont.length >= this.maxCont) cont.splice(this.maxCont >> 2, 1); // keep the head and the tail
    cont.push(text);
    this.lastPhysical = text;
  }

  /**
   * Whether `text` continues a hard-wrapped line: the line before it was long (a wrap near 75 columns), or
   * was itself a wrapped piece that `text`'s first word would not have fitted on (a mail client or `textwrap`
   * moves a long URL to a line of its own, leaving a short piece such as `URL` before it).
   */
  private isWrapPiece(text: string): boolean {
    const prev = this.lastPhysical.length;
    if (prev >= 60 || this.current?.message === '') return true; // a prefix cut after its dash: the message follows
    if (!this.inWrap || /^\s/.test(text)) return false;
    const word = text.indexOf(' ');
    return prev + 1 + (word < 0 ? text.length : word) > WRAP_COLUMNS;
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
      const inner = pastedFrameworkLine(text.slice(3));
      if (inner) return this.lenientRecord(line, inner.ts, inner.thread, inner.level, inner.origin, inner.message, bundleId);
    }
    const md = MARKDOWN_TS.exec(text);
    if (md) {
      const fixed = pastedFrameworkLine(`${md[1]} ${md[2]}${md[3]}`);
      if (fixed) return this.lenientRecord(line, fixed.ts, fixed.thread, fixed.level, fixed.origin, fixed.message, bundleId);
    }
    const fw = pastedFrameworkLine(text);
    if (fw) return this.lenientRecord(line, fw.ts, fw.thread, fw.level, fw.origin, fw.message, bundleId);
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

/**
 * A framework line as pasted: whole, or hard-wrapped right after the prefix's dash (`… (utils:5552) -`),
 * its message then on the next line(s), joined as wrap pieces (message '' here).
 */
function pastedFrameworkLine(text: string): ReturnType<typeof parseFrameworkLine> {
  return parseFrameworkLine(text) ?? (text.endsWith(' -') ? parseFrameworkLine(text + ' ') : null);
}

/** `com.plexapp.agents.GEVI` from `com.plexapp.agents.GEVI.log.2` (rotated suffix after `.log`). */
export function bundleIdFromFileName(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop() ?? name;
  const m = /^(.+?)\.log(?:\.\d+)?$/.exec(base);
  return m ? m[1] : undefined;
}
