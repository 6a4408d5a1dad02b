/**
 * Writes realistic plug-in log folders of a given size, seeded: the 21 PGMA site agents, each searching
 * and updating films of one shared library in the real message formats (scenario.ts), with errors of every
 * class, tracebacks and framework noise, concurrent operations interleaved within an agent's log, and the
 * framework's rotation: Python's RotatingFileHandler (1,048,576 bytes, 5 backups, `X.log.1` … `X.log.5`)
 * rolls over before a record that would reach the limit, and at every plug-in start (reference §3.1).
 *
 * Layouts: `folder` = a `PMS Plugin Logs` folder; `archive` = the `plexmend watch` archive
 * (`<bundle id>/<YYYY-MM-DD>.log`, no rotation), for reading long histories.
 *
 * CLI: node --import tsx bench/generate.ts --out DIR [--size 100M] [--seed 1] [--layout folder|archive]
 *      [--platform windows|macos|linux|synology] [--agents 21]
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AGENTS, Rng, makeFilm, type Entry, type Film, type Platform } from './corpus.ts';
import { pickFate, pluginStart, searchOperation, updateOperation } from './scenario.ts';
import { option } from './measure.ts';

export const MAX_BYTES = 1_048_576;
export const BACKUPS = 5;

export interface GenerateOptions {
  dir: string;
  /** Approximate total size to write. */
  bytes: number;
  seed?: number;
  layout?: 'folder' | 'archive';
  platform?: Platform;
  /** How many of the 21 agents (default all). */
  agents?: number;
  /** Plug-in restarts per operation (default 0.004). */
  restartRate?: number;
}

export interface GenerateResult {
  files: string[];
  bytes: number;
  lines: number;
  operations: number;
}

/** Thread id as `%x` of a Python thread ident, per platform (reference §3.2). */
function threadId(rng: Rng, platform: Platform): string {
  switch (platform) {
    case 'windows':
      return rng.int(0x300, 0x1fff).toString(16);
    case 'macos':
      return (0x16f000000 + rng.int(0, 0xfff) * 0x1000).toString(16);
    case 'synology':
      return rng.chance(0.5) ? '-' + rng.int(0x1000000, 0xfffffff).toString(16) : rng.int(0x40000000, 0x4fffffff).toString(16);
    default:
      return '7f' + rng.int(0x1000000000, 0xffffffffff).toString(16);
  }
}

const two = (n: number) => String(n).padStart(2, '0');
let stampSec = -1;
let stampPrefix = '';
/** `YYYY-MM-DD HH:MM:SS,mmm` (the framework's asctime); the seconds part is cached, most lines share it. */
function stamp(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== stampSec) {
    const d = new Date(sec * 1000);
    stampSec = sec;
    stampPrefix = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  }
  return `${stampPrefix},${String(ms - sec * 1000).padStart(3, '0')}`;
}

/** Where formatted records go: the rotating folder writer or the archive writer. */
interface Sink {
  /** One record: its text ends with `\n` and may hold continuation lines. */
  record(text: string, ms: number): void;
  restart(): void;
  /** Bytes and lines the written files hold (a rotating log drops what falls off its last backup). */
  kept(): number;
  keptLines(): number;
  close(): string[];
}

function newlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Python's RotatingFileHandler in memory: the live file and up to five backups. */
class RotatingSink implements Sink {
  private cur: string[] = [];
  private curBytes = 0;
  private curLines = 0;
  private backups: Array<{ bytes: Buffer; lines: number }> = [];
  private backupBytes = 0;
  private backupLines = 0;
  constructor(private readonly dir: string, private readonly bundleId: string) {}
  record(text: string): void {
    const n = Buffer.byteLength(text);
    if (this.curBytes > 0 && this.curBytes + n >= MAX_BYTES) this.rollover();
    this.cur.push(text);
    this.curBytes += n;
    this.curLines += newlines(text);
  }
  keptLines(): number {
    return this.curLines + this.backupLines;
  }
  restart(): void {
    if (this.curBytes > 0) this.rollover();
  }
  kept(): number {
    return this.curBytes + this.backupBytes;
  }
  private rollover(): void {
    const b = { bytes: Buffer.from(this.cur.join('')), lines: this.curLines };
    this.backups.unshift(b);
    this.backupBytes += b.bytes.length;
    this.backupLines += b.lines;
    if (this.backups.length > BACKUPS) {
      const dropped = this.backups.pop()!;
      this.backupBytes -= dropped.bytes.length;
      this.backupLines -= dropped.lines;
    }
    this.cur = [];
    this.curBytes = 0;
    this.curLines = 0;
  }
  close(): string[] {
    const files: string[] = [];
    const live = join(this.dir, `${this.bundleId}.log`);
    writeFileSync(live, this.cur.join(''));
    files.push(live);
    this.backups.forEach((b, i) => {
      const p = `${live}.${i + 1}`;
      writeFileSync(p, b.bytes);
      files.push(p);
    });
    return files;
  }
}

/** The watch archive: one append-only file per bundle per day. */
class ArchiveSink implements Sink {
  private fd = -1;
  private pending: string[] = [];
  private pendingBytes = 0;
  private total = 0;
  private lines = 0;
  private readonly files: string[] = [];
  private dayStart = Infinity;
  private dayEnd = -Infinity;
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  record(text: string, ms: number): void {
    if (ms >= this.dayEnd || ms < this.dayStart) {
      // A new UTC day: a new archive file (a Date only once per day, not per line).
      this.dayStart = Math.floor(ms / 86_400_000) * 86_400_000;
      this.dayEnd = this.dayStart + 86_400_000;
      this.flush();
      if (this.fd >= 0) closeSync(this.fd);
      const p = join(this.dir, `${new Date(this.dayStart).toISOString().slice(0, 10)}.log`);
      this.fd = openSync(p, 'a');
      if (!this.files.includes(p)) this.files.push(p);
    }
    this.pending.push(text);
    const n = Buffer.byteLength(text);
    this.pendingBytes += n;
    this.total += n;
    this.lines += newlines(text);
    if (this.pendingBytes > MAX_BYTES) this.flush();
  }
  restart(): void {}
  kept(): number {
    return this.total;
  }
  keptLines(): number {
    return this.lines;
  }
  private flush(): void {
    if (this.fd >= 0 && this.pending.length) writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }
  close(): string[] {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    return this.files;
  }
}

function format(e: Entry, tid: string, ms: number): string {
  const head = `${stamp(ms)} (${tid}) :  ${e.level} (${e.module}) - ${e.msg}\n`;
  return e.cont ? head + e.cont.join('\n') + '\n' : head;
}

/** Generates the logs; returns what was written. */
export function generate(opts: GenerateOptions): GenerateResult {
  const rng = new Rng(opts.seed ?? 1);
  const platform = opts.platform ?? 'macos';
  const layout = opts.layout ?? 'folder';
  const agents = AGENTS.slice(0, Math.max(1, Math.min(AGENTS.length, opts.agents ?? AGENTS.length)));
  const budget = opts.bytes / agents.length;
  const library: Film[] = Array.from({ length: 400 }, () => makeFilm(rng, platform));
  const restartRate = opts.restartRate ?? 0.004;
  mkdirSync(opts.dir, { recursive: true });
  const result: GenerateResult = { files: [], bytes: 0, lines: 0, operations: 0 };
  const start = Date.UTC(2026, 1, 1, 6, 0, 0);

  for (const a of agents) {
    const bundleId = `com.plexapp.agents.${a.agent}`;
    const sink: Sink = layout === 'folder' ? new RotatingSink(opts.dir, bundleId) : new ArchiveSink(join(opts.dir, bundleId));
    let clock = start + rng.int(0, 3_600_000);
    let written = 0;
    const emit = (entries: Entry[], tid: string) => {
      for (const e of entries) {
        clock += rng.int(0, 40);
        const text = format(e, tid, clock);
        sink.record(text, clock);
        written += text.length;
      }
    };
    emit(pluginStart(bundleId, platform, rng), threadId(rng, platform));
    let filmIndex = rng.int(0, library.length - 1);
    while (sink.kept() < budget && written < budget * 3) {
      if (rng.chance(restartRate)) {
        sink.restart();
        emit(pluginStart(bundleId, platform, rng), threadId(rng, platform));
      }
      clock += rng.int(500, 90_000);
      const film = library[filmIndex++ % library.length];
      const ops: Array<{ tid: string; entries: Entry[] }> = [];
      const one = (f: Film) => {
        const fate = f.misnamed ? 'filename' : pickFate(rng);
        const tid = threadId(rng, platform);
        ops.push({ tid, entries: searchOperation(a, f, fate, platform, rng, bundleId) });
        if (fate === 'match' && rng.chance(0.9)) ops.push({ tid: threadId(rng, platform), entries: updateOperation(a, f, platform, rng, bundleId) });
      };
      one(film);
      result.operations += ops.length;
      if (rng.chance(0.1)) {
        // Two operations at once in one agent's log: their lines interleave, each in its own thread.
        const before = ops.length;
        one(library[filmIndex++ % library.length]);
        result.operations += ops.length - before;
        interleave(ops[0], ops[before], emit, rng);
        for (const o of ops.slice(1, before).concat(ops.slice(before + 1))) emit(o.entries, o.tid);
      } else {
        for (const o of ops) emit(o.entries, o.tid);
      }
    }
    const files = sink.close();
    result.files.push(...files);
    result.bytes += sink.kept();
    result.lines += sink.keptLines();
  }
  return result;
}

function interleave(x: { tid: string; entries: Entry[] }, y: { tid: string; entries: Entry[] }, emit: (e: Entry[], tid: string) => void, rng: Rng): void {
  let i = 0;
  let j = 0;
  while (i < x.entries.length || j < y.entries.length) {
    const takeX = j >= y.entries.length || (i < x.entries.length && rng.chance(0.5));
    if (takeX) emit([x.entries[i++]], x.tid);
    else emit([y.entries[j++]], y.tid);
  }
}

/** `100M`, `1G`, `512K`, or plain bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)i?B?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s} (e.g. 100M, 1G)`);
  return Math.round(Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G']);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = option('out');
  if (!out) {
    process.stderr.write('usage: node --import tsx bench/generate.ts --out DIR [--size 100M] [--seed 1] [--layout folder|archive] [--platform macos] [--agents 21]\n');
    process.exit(2);
  }
  const t = performance.now();
  const r = generate({
    dir: out,
    bytes: parseSize(option('size', '10M')),
    seed: Number(option('seed', '1')),
    layout: option('layout', 'folder') as 'folder' | 'archive',
    platform: option('platform', 'macos') as Platform,
    agents: option('agents') ? Number(option('agents')) : undefined,
  });
  process.stdout.write(`${r.files.length} files, ${(r.bytes / 1048576).toFixed(1)} MiB, ${r.lines} lines, ${r.operations} operations in ${((performance.now() - t) / 1000).toFixed(1)} s → ${out}\n`);
}
