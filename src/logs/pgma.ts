/**
 * The PGMA message layer (reference §3.3–3.4): what PGMA's `utils.log()` puts after the framework prefix.
 * - INFO form `<AGENT>  - <message>` (two spaces), ERROR form `<AGENT> - <message>` (one space): PGMA sends
 *   any text containing "error" or "warning" to `Log.Error`, so the form is not a verdict.
 * - A tag in the first 8 characters: `SEARCH::`, `UTILS ::`, `AGENT ::`, `UPDATE::`; 2021 builds `AGNT  ::`,
 *   `SELF:: `, `IAFD  ::`.
 * - Since Jul 2023 an error is a pair of lines: a location line `<TAG> ❌|⚠ File: X, Line: N, Function: a -> b`
 *   and a text line `<TAG>    <text>`; older builds wrote the text line alone (`<TAG> Error: …`).
 * - `{label:<29} value` lines (2021: `Label<pad>: value`), banners (LOG_ASTLINE 140×`*`, LOG_BIGLINE 140×`-`,
 *   LOG_SUBLINE 6 spaces + 100×`-`) and the 4-line footer `<TAG> ****** >> text << ******`.
 */
import type { CodeLocation } from './schema.ts';

/** PGMA tags as logged, mapped to their canonical name. */
export const PGMA_TAGS: Readonly<Record<string, PgmaTag>> = {
  'SEARCH::': 'SEARCH',
  'UTILS ::': 'UTILS',
  'AGENT ::': 'AGENT',
  'UPDATE::': 'UPDATE',
  'AGNT  ::': 'AGENT',
  'IAFD  ::': 'IAFD',
};
export type PgmaTag = 'SEARCH' | 'UTILS' | 'AGENT' | 'UPDATE' | 'SELF' | 'IAFD';

export type PgmaKind = 'location' | 'text' | 'banner' | 'footer';

/** One PGMA message, split into its parts. */
export interface PgmaLine {
  /** The agent constant (`GEVI`, `AEBN`, `GayEmpire`), which equals the bundle id's suffix. */
  agent: string;
  /** `error` for the one-space form written by `Log.Error`, `info` for the two-space `Log.Info` form. */
  form: 'info' | 'error';
  /** Canonical tag, or null for untagged banner/separator lines. */
  tag: PgmaTag | null;
  kind: PgmaKind;
  /** Text after the tag, leading blanks removed (for `location`, the part after the mark). */
  text: string;
  /** For `location`: where the last caught exception was raised (empty file/line when none was active). */
  location?: CodeLocation;
  /** For `location`: ❌ (text contains "error") or ⚠ (warning). */
  mark?: 'error' | 'warning';
  /** For `footer`: the text between `>> ` and ` <<`. */
  footer?: string;
}

const LOCATION_RE = /File: ?(.*?), Line: ?(\d*), Function: ?(.*)$/;

/**
 * Splits a framework message into PGMA parts, or returns null when it is not a PGMA line. `dash` may
 * pass the position of the first ` - ` when the caller already knows it. Hand-written: runs on most lines.
 */
export function parsePgma(message: string, dash: number = message.indexOf(' - '), knownAgent?: string): PgmaLine | null {
  if (dash <= 0 || dash > 40) return null;
  const info = message.charCodeAt(dash - 1) === 32;
  const end = info ? dash - 1 : dash;
  let agent: string;
  if (knownAgent !== undefined && knownAgent.length === end && message.startsWith(knownAgent)) {
    agent = knownAgent; // the thread's agent again: no new string
  } else {
    // agent: [A-Za-z][\w.]*
    const c0 = message.charCodeAt(0);
    if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) return null;
    for (let i = 1; i < end; i++) {
      const c = message.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46)) return null;
    }
    agent = message.slice(0, end);
  }
  const form = info ? 'info' : 'error';
  const p = dash + 3;
  const tag = tagAt(message, p);
  if (tag === null) {
    const rest = message.slice(p);
    return isBannerText(rest) ? { agent, form, tag: null, kind: 'banner', text: rest.trim() } : null;
  }
  let q = p + (tag === 'SELF' && message.charCodeAt(p + 7) !== 32 ? 7 : 8);
  while (q < message.length) {
    const c = message.charCodeAt(q);
    if (c !== 32 && c !== 9) break;
    q++;
  }
  const text = message.slice(q);
  const first = message.charCodeAt(q);
  if (first === 0x274c || first === 0x26a0) {
    const m = LOCATION_RE.exec(text);
    if (m) {
      const fn = m[3].trim();
      const location: CodeLocation = { file: m[1].trim(), line: m[2] ? Number(m[2]) : null };
      if (fn) location.function = fn;
      return { agent, form, tag, kind: 'location', text, location, mark: first === 0x274c ? 'error' : 'warning' };
    }
  }
  if (first === 42 /* * */) {
    const open = text.indexOf(' >> ');
    const close = text.lastIndexOf(' << ');
    if (open >= 0 && close > open) return { agent, form, tag, kind: 'footer', text, footer: text.slice(open + 4, close).trim() };
  }
  if ((first === 42 || first === 45 || first === 61 || first === 43) && isBannerText(text)) return { agent, form, tag, kind: 'banner', text };
  return { agent, form, tag, kind: 'text', text };
}

/** The PGMA tag starting at `p`, without allocating. */
function tagAt(m: string, p: number): PgmaTag | null {
  switch (m.charCodeAt(p)) {
    case 83: // S
      if (m.startsWith('SEARCH::', p)) return 'SEARCH';
      if (m.startsWith('SELF:: ', p)) return 'SELF';
      return null;
    case 85: // U
      if (m.startsWith('UTILS ::', p)) return 'UTILS';
      if (m.startsWith('UPDATE::', p)) return 'UPDATE';
      return null;
    case 65: // A
      if (m.startsWith('AGENT ::', p) || m.startsWith('AGNT  ::', p)) return 'AGENT';
      return null;
    case 73: // I
      return m.startsWith('IAFD  ::', p) ? 'IAFD' : null;
    default:
      return null;
  }
}

function isBannerText(s: string): boolean {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  if (b - a < 20) return false;
  const c = s.charCodeAt(a);
  if (c !== 42 && c !== 45 && c !== 61 && c !== 43) return false; // * - = +
  for (let i = a + 1; i < b; i++) if (s.charCodeAt(i) !== c) return false;
  return true;
}

/**
 * Splits a `{label:<29} value` line (or 2021's `Label<pad>: value`, or a header `> Name:   value`) into
 * label and value; the label loses its padding, a leading `> ` and a trailing `:`. Null when the text has
 * no label column.
 */
export function splitKeyValue(text: string): { key: string; value: string } | null {
  const colon = text.indexOf(' : ');
  const gap = text.indexOf('  ');
  let keyEnd: number;
  let valueStart: number;
  if (colon > 0 && (gap < 0 || colon <= gap + 40) && /^\s*$/.test(text.slice(gap < 0 ? colon : gap, colon))) {
    keyEnd = gap >= 0 && gap < colon ? gap : colon;
    valueStart = colon + 3;
  } else if (gap > 0) {
    keyEnd = gap;
    valueStart = gap;
  } else if (text.length > 29 && text.charCodeAt(29) === 32) {
    keyEnd = 29;
    valueStart = 30;
  } else {
    const bare = text.trim();
    return bare.endsWith(':') ? { key: cleanKey(bare), value: '' } : null;
  }
  const key = cleanKey(text.slice(0, keyEnd));
  if (!key) return null;
  return { key, value: text.slice(valueStart).trim() };
}

function cleanKey(k: string): string {
  let a = 0;
  let b = k.length;
  while (a < b && k.charCodeAt(a) <= 32) a++;
  if (k.charCodeAt(a) === 62 /* > */) {
    a++;
    while (a < b && k.charCodeAt(a) <= 32) a++;
  }
  while (b > a && k.charCodeAt(b - 1) <= 32) b--;
  while (b > a && k.charCodeAt(b - 1) === 58 /* : */) b--;
  while (b > a && k.charCodeAt(b - 1) <= 32) b--;
  return k.slice(a, b);
}

/** Footer outcome: `>> Successful!! <<` / `>> Failed <<`, else null. */
export function footerOutcome(footer: string): 'success' | 'failure' | null {
  if (/^Successful/i.test(footer)) return 'success';
  if (/^Failed/i.test(footer)) return 'failure';
  return null;
}

/** Footer line 2: `(Studio) - Title (Year)`. */
export function parseFilmLabel(s: string): { studio?: string; title: string; year?: number } | null {
  const m = /^\((.*?)\) - (.+?)(?: \((\d{4})\))?$/.exec(s.trim());
  if (!m) return null;
  const out: { studio?: string; title: string; year?: number } = { title: m[2].trim() };
  if (m[1].trim()) out.studio = m[1].trim();
  if (m[3]) out.year = Number(m[3]);
  return out;
}

/**
 * PGMA's file name convention (utils.py `matchFilename`): `(Studio) - Title [(Year)] [- [Cast]] [- part N]`.
 * Applied to the base name of a logged file path, extension removed. Null when the name does not follow it.
 */
export function parsePgmaFileName(path: string): { studio?: string; title: string; year?: number } | null {
  const base = (path.split(/[\\/]/).pop() ?? path).replace(/\.[A-Za-z0-9]{2,4}$/, '');
  const m = /^\(([^()]*)\) - (.+?)(?: - \{\d{3,6}[LNR]\})?(?: \((\d{4})\))?(?: - \[[^\]]*\])?(?: - (?:cd|disc|disk|dvd|part|pt|scene) [1-8])?$/i.exec(base);
  if (!m) return null;
  const out: { studio?: string; title: string; year?: number } = { title: m[2].trim() };
  if (m[1].trim()) out.studio = m[1].split(';')[0].trim();
  if (m[3]) out.year = Number(m[3]);
  return out;
}
