/**
 * Byte chunks of one log file (or of standard input) into lines (`RawLine`): `\n` ends a line, a `\r`
 * before it is dropped, NUL bytes (crash padding) are counted and dropped, invalid UTF-8 becomes U+FFFD and
 * is counted, a line longer than the limit keeps its head (cut on a character boundary) and the rest is
 * skipped without being held in memory. Speed: `\n` found with Buffer.indexOf, UTF-8 checked once per chunk
 * and decoded per line. read.ts feeds it; it knows nothing of files, rotation or bookmarks.
 */
import { isUtf8 } from 'node:buffer';
import type { RawLine } from './input.ts';
import { lineTs } from './bookmarks.ts';

/** What the splitter reads and counts into (read.ts `ReadState`). */
export interface SplitState {
  /** Count lines and offsets only, decode nothing (bookmarkLogEnd). */
  readonly countOnly: boolean;
  /** Push mode: each line goes here as it is split instead of into the chunk's `out` array. */
  readonly onLine: ((line: RawLine) => void) | undefined;
  /** Longest line kept, in bytes. */
  readonly maxLine: number;
  readonly stats: { lines: number; invalidUtf8: number; nulBytes: number; longLines: number };
}

/** Occurrences of U+FFFD in `text` (each invalid UTF-8 sequence decodes to one). */
export function countReplacements(text: string): number {
  let c = 0;
  for (let k = text.indexOf('\uFFFD'); k !== -1; k = text.indexOf('\uFFFD', k + 1)) c++;
  return c;
}

/** Buffer's own UTF-8 decoder, without `toString`'s argument dispatch (hot path: once per line). */
type Utf8Slicer = Buffer & { utf8Slice(start: number, end: number): string };

const REPLACEMENT_BYTES = Buffer.from([0xef, 0xbf, 0xbd]);

/** Splits one file's chunks, in order, starting at byte `from` after `lineNo` lines. */
export class LineSplitter {
  lineNo: number;
  private lastDated = '';
  private base: number;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private carryStart = 0;
  private overflow = false;
  private pending = false;
  constructor(private readonly source: string, private readonly bundleId: string | undefined, from: number, lineNo: number, private readonly st: SplitState) {
    this.base = from;
    this.lineNo = lineNo;
  }

  push(chunk: Buffer, n: number, out: RawLine[]): void {
    const view = n === chunk.length ? chunk : chunk.subarray(0, n);
    let pos = 0;
    if (this.pending) {
      const nl = view.indexOf(10);
      if (nl === -1) {
        this.append(view, 0, n);
        this.base += n;
        return;
      }
      this.append(view, 0, nl);
      this.emitCarry(out);
      pos = nl + 1;
    }
    // Whole lines of this chunk: one NUL scan and one UTF-8 check for all of them (the common case).
    const last = view.lastIndexOf(10);
    const whole = last >= pos ? view.subarray(pos, last) : undefined;
    const clean = whole !== undefined && whole.indexOf(0) === -1 && isUtf8(whole);
    for (;;) {
      const nl = view.indexOf(10, pos);
      if (nl === -1) break;
      this.emit(view, pos, nl, this.base + pos, clean, out);
      pos = nl + 1;
    }
    if (pos < n) {
      this.pending = true;
      this.carryStart = this.base + pos;
      this.append(view, pos, n);
    }
    this.base += n;
  }

  /** Timestamp of the last framework line seen. */
  get lastTs(): string | undefined {
    return lineTs(this.lastDated);
  }

  /** Ends the input; `emitTail` false holds back an unterminated last line. Returns the offset consumed. */
  end(out: RawLine[], emitTail: boolean): number {
    if (!this.pending) return this.base;
    if (!emitTail) return this.carryStart;
    this.emitCarry(out);
    return this.base;
  }

  private append(view: Buffer, s: number, e: number): void {
    if (this.overflow || e <= s) return;
    const room = this.st.maxLine + 1 - this.carryLen;
    const take = Math.min(room, e - s);
    this.carry.push(Buffer.from(view.subarray(s, s + take)));
    this.carryLen += take;
    if (this.carryLen > this.st.maxLine) this.overflow = true;
  }

  private emitCarry(out: RawLine[]): void {
    const line = this.carry.length === 1 ? this.carry[0] : Buffer.concat(this.carry, this.carryLen);
    const long = this.overflow;
    this.carry = [];
    this.carryLen = 0;
    this.overflow = false;
    this.pending = false;
    this.emit(line, 0, line.length, this.carryStart, false, out, long);
  }

  private emit(buf: Buffer, s: number, e: number, offset: number, clean: boolean, out: RawLine[], long = false): void {
    this.lineNo++;
    if (this.st.countOnly) {
      this.st.stats.lines++;
      return;
    }
    let end = e;
    const max = this.st.maxLine;
    if (long || end - s > max) {
      long = true;
      end = s + max;
      while (end > s && (buf[end] & 0xc0) === 0x80) end--; // cut on a character boundary
      this.st.stats.longLines++;
    } else if (end > s && buf[end - 1] === 13) end--;
    let text: string;
    if (clean) text = (buf as Utf8Slicer).utf8Slice(s, end);
    else {
      let bytes = buf.subarray(s, end);
      const nul = bytes.indexOf(0);
      if (nul !== -1) {
        const kept = Buffer.allocUnsafe(bytes.length);
        let k = 0;
        for (let j = 0; j < bytes.length; j++) if (bytes[j] !== 0) kept[k++] = bytes[j];
        this.st.stats.nulBytes += bytes.length - k;
        bytes = kept.subarray(0, k);
      }
      text = bytes.toString('utf8');
      if (!isUtf8(bytes)) {
        let literal = 0;
        for (let j = bytes.indexOf(REPLACEMENT_BYTES); j !== -1; j = bytes.indexOf(REPLACEMENT_BYTES, j + 3)) literal++;
        this.st.stats.invalidUtf8 += countReplacements(text) - literal;
      }
    }
    this.st.stats.lines++;
    if (offset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM from a Windows editor
    if (text.charCodeAt(0) === 50 /* '2': maybe a timestamp */) this.lastDated = text;
    const line: RawLine = { source: this.source, bundleId: this.bundleId, lineNo: this.lineNo, offset, text };
    if (long) line.truncated = true;
    if (this.st.onLine) this.st.onLine(line);
    else out.push(line);
  }
}
