/**
 * `--since` / `--until` as the aggregator compares them: plug-in log timestamps are local server time
 * without a zone (`2024-07-12 13:36:56,319`), so bounds are turned into that format and compared as
 * strings. Accepts `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[,mmm]]` (also with `T`), and durations back from
 * now (`30m`, `24h`, `7d`, `2w`), rendered in the local time of this machine (which is the server's when
 * plexmend runs on the Plex host; unknown otherwise).
 */
import { UsageError } from '../errors.ts';

const ABS = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3}))?)?)?$/;
const REL = /^(\d+)\s*(m|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Normalises a bound; `end` picks the last millisecond of a date-only or minute-only `--until`. */
export function parseTimeBound(value: string, flag: '--since' | '--until', now: Date): string {
  const v = value.trim();
  const rel = REL.exec(v);
  if (rel) return localStamp(new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()]));
  const m = ABS.exec(v);
  if (!m) {
    throw new UsageError(`${flag} "${value}" is not a time`,
      'use YYYY-MM-DD, "YYYY-MM-DD HH:MM[:SS]" (the logs\' local time) or a duration such as 24h or 7d');
  }
  if (!isCalendarTime(m[1], m[2], m[3], m[4])) {
    throw new UsageError(`${flag} "${value}" is not a real date and time`, 'check the month (01–12), the day of that month and the time (00:00–23:59:59)');
  }
  const end = flag === '--until';
  const hh = m[2] ?? (end ? '23' : '00');
  const mm = m[3] ?? (end ? '59' : '00');
  const ss = m[4] ?? (end ? '59' : '00');
  const ms = m[5] ? m[5].padEnd(3, '0') : end ? '999' : '000';
  return `${m[1]} ${hh}:${mm}:${ss},${ms}`;
}

/** The date exists (2026-02-30 does not) and the time is on the clock. */
function isCalendarTime(date: string, hh = '00', mm = '00', ss = '00'): boolean {
  const [y, mo, d] = date.split('-').map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate(); // day 0 of the next month: this month's last day
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days && Number(hh) <= 23 && Number(mm) <= 59 && Number(ss) <= 59;
}

/** `YYYY-MM-DD HH:MM:SS,mmm` in this machine's local time. */
export function localStamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}
