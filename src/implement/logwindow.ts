/**
 * Reading a plug-in log right after a restart (pure). Relies on the framework's line grammar
 * (`<date> <time>,<ms> (<thread>) :  <LEVEL> (<module>:<line>) - <message>`, unprefixed lines continue the
 * record before them) and on two framework facts: every plug-in start writes `Starting framework core`
 * first (a reliable restart marker), and every start also logs `Exception getting hosted resource hashes`
 * as a CRITICAL with an HTTPError 404 traceback (preceded by `Error opening URL '…/resourceHashes'`) — noise
 * that must never count against a change.
 */

const LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) \((-?[0-9a-f]+)\) : {2}(DEBUG|INFO|WARNING|ERROR|CRITICAL) \(([^:()]+):(\d+)\) - (.*)$/;
const BANNER = /Starting framework core/;

/** Framework noise seen at every plug-in start (reference §3.5); never a reason to roll back. */
const NOISE: RegExp[] = [
  /Exception getting hosted resource hashes/,
  /Error opening URL '[^']*\/resourceHashes'/,
  /Cannot read model from/,
  /Created a thread named/,
];

export interface LogRecord {
  level: string;
  message: string;
  /** The first physical line. */
  head: string;
  continuation: string[];
}

/** Splits log text into records (a prefixed line and the unprefixed lines after it). */
export function records(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = LINE.exec(raw);
    if (m) out.push({ level: m[3]!, message: m[6]!, head: raw, continuation: [] });
    else if (out.length && raw.trim() !== '') out[out.length - 1]!.continuation.push(raw);
  }
  return out;
}

/** The `Starting framework core` lines in a log text (each unique: it carries a millisecond timestamp). */
export function banners(text: string): string[] {
  return records(text).filter((r) => BANNER.test(r.message)).map((r) => r.head);
}

/** Whether `text` shows a start that was not among `before` (the banners seen before the change). */
export function freshStart(text: string, before: ReadonlySet<string>): boolean {
  return banners(text).some((b) => !before.has(b));
}

export function isNoise(r: LogRecord): boolean {
  return NOISE.some((re) => re.test(r.message));
}

function hasTraceback(r: LogRecord): boolean {
  return r.continuation.some((l) => /Traceback \(most recent call last\)|^\s+File ".*", line \d+/.test(l)) || /\(most recent call last\)/.test(r.message);
}

export interface WindowScan {
  /** A fresh start was found. */
  started: boolean;
  /** Records after the fresh start that count against the change (CRITICAL, or any traceback), not noise. */
  findings: LogRecord[];
  /** Noise records seen and ignored. */
  noise: number;
}

/**
 * Scans the log from the first fresh `Starting framework core` on: CRITICAL records and records carrying a
 * traceback are findings unless they are framework noise. Plain ERROR lines are not findings (PGMA logs
 * any message containing "error" at ERROR level as part of normal work).
 */
export function scanWindow(text: string, before: ReadonlySet<string>): WindowScan {
  const recs = records(text);
  const start = recs.findIndex((r) => BANNER.test(r.message) && !before.has(r.head));
  if (start < 0) return { started: false, findings: [], noise: 0 };
  const findings: LogRecord[] = [];
  let noise = 0;
  for (const r of recs.slice(start)) {
    if (isNoise(r)) {
      noise++;
      continue;
    }
    if (r.level === 'CRITICAL' || hasTraceback(r)) findings.push(r);
  }
  return { started: true, findings, noise };
}
