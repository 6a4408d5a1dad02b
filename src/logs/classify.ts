/**
 * Classification: a TABLE of rules mapping message text to the event classes of `schema.ts`. Rules are
 * data, tried in order, first match wins; the level is never the verdict (PGMA routes any text containing
 * "error" or "warning" to `Log.Error`, and the framework logs benign noise at CRITICAL).
 *
 * Two scopes: `pgma` rules read the text of a PGMA error line (after the tag, reference §3.4); `framework`
 * rules read a framework record's message (reference §3.5) and work for any legacy agent.
 */
import type { EventClass, Phase, CodeLocation } from './schema.ts';
import type { Level } from './grammar.ts';
import { isLoopbackHost } from './mask.ts';

export interface Rule {
  /** Stable rule id (used in pattern keys and reasons). */
  id: string;
  scope: 'pgma' | 'framework';
  match: RegExp;
  /** The class, or null for texts that look like errors but are not (benign). */
  class: EventClass | null;
  /** Lowest level the framework rule applies to (default ERROR). */
  minLevel?: Level;
  /** Take the HTTP status from `HTTP Error NNN` in the text. */
  status?: boolean;
  /** The framework's `Error opening URL '<url>'`: correlated with the agent's error that follows. */
  urlError?: boolean;
  /** The framework's report of an exception escaping an agent's search/update (with traceback). */
  agentException?: boolean;
  /**
   * Group this rule's events into one pattern per agent (and exception type) whatever the text: for
   * texts that embed a file name or path (filename format, poster writes), which masking cannot tame.
   */
  groupByRule?: boolean;
}

/** The rule table. Order matters: specific before generic. */
export const RULES: readonly Rule[] = [
  // --- PGMA error texts (utils.log), reference §3.4 and §5 ---
  { id: 'pgma.benign.library-id', scope: 'pgma', match: /Getting Library ID & Title from Error Message/i, class: null },
  { id: 'pgma.filename', scope: 'pgma', match: /not in the expected format|GEVI Scene \S* ?(?:un)?detected/i, class: 'filename_format_error', groupByRule: true },
  { id: 'pgma.iafd', scope: 'pgma', match: /IAFD Film Search Failure|Failed to read IAFD URL|Getting Cast Member Page|Cannot Process IAFD|IAFD Lookup Disabled|\bIAFD\b.*\b(?:403|Cloudflare|Forbidden)\b/i, class: 'iafd_failure', status: true },
  { id: 'pgma.title-match', scope: 'pgma', match: /Title Match Failure/i, class: 'title_match_failure' },
  { id: 'pgma.studio-match', scope: 'pgma', match: /Studio Match Failure|No Matching Site Studio/i, class: 'studio_match_failure' },
  { id: 'pgma.date-match', scope: 'pgma', match: /(?:Release )?Date Match Failure/i, class: 'date_match_failure' },
  { id: 'pgma.duration-match', scope: 'pgma', match: /Duration Match Failure/i, class: 'duration_match_failure' },
  { id: 'pgma.no-results', scope: 'pgma', match: /<\s*No (?:Films|Film Titles|Scene Titles|Scenes|Results)\b[^>]*>/i, class: 'no_results' },
  { id: 'pgma.config', scope: 'pgma', match: /Thumbor|_PGMA|Scraping Parameters Not Set Up|Plex Token|plextoken|Preferences\.xml|Tidy (?:Genre )?File/i, class: 'config_error' },
  { id: 'pgma.storage', scope: 'pgma', match: /Saving Poster to Disk|\bIOError\b|Permission denied|No space left|Read-only file system/i, class: 'storage_error' },
  { id: 'pgma.timeout', scope: 'pgma', match: /timed out|\btimeout\b/i, class: 'timeout' },
  { id: 'pgma.http', scope: 'pgma', match: /HTTP Error \d{3}|\b(?:status|code)[ :=]+[45]\d\d\b/i, class: 'http_error', status: true },
  { id: 'pgma.connection', scope: 'pgma', match: /urlopen error|Connection (?:refused|reset|aborted)|Name or service not known|getaddrinfo|Errno 1[01]\d|SSL|CERTIFICATE|Request URL Failure/i, class: 'connection_error' },
  { id: 'pgma.storage-errno', scope: 'pgma', match: /\[Errno \d+\] No such file or directory/i, class: 'storage_error' },
  { id: 'pgma.xpath', scope: 'pgma', match: /list index out of range|'NoneType' object has no attribute|has no attribute 'xpath'|\bxpath\b/i, class: 'xpath_failure' },
  { id: 'pgma.pms', scope: 'pgma', match: /Plex Media Server|:32400|library\/metadata|\bPMS\b/i, class: 'pms_communication_error' },

  // --- framework messages, reference §3.5 ---
  { id: 'fw.noise.resource-hashes', scope: 'framework', match: /^Exception getting hosted resource hashes/, class: 'framework_noise' },
  { id: 'fw.noise.model', scope: 'framework', match: /^Cannot read model from/, class: 'framework_noise' },
  { id: 'fw.noise.start', scope: 'framework', match: /^Function named '[^']*' couldn't be found/, class: 'framework_noise' },
  { id: 'fw.noise.services', scope: 'framework', match: /^Exception (?:in|while) (?:loading|starting) (?:the )?(?:services|all services)/i, class: 'framework_noise' },
  { id: 'fw.agent-exception', scope: 'framework', match: /^Exception in the (search|update) function of agent named '([^']*)'/, class: 'agent_exception', agentException: true },
  { id: 'fw.media-object', scope: 'framework', match: /^Exception when constructing media object/, class: 'pms_communication_error' },
  { id: 'fw.storage', scope: 'framework', match: /^Exception writing to /, class: 'storage_error', groupByRule: true },
  { id: 'fw.url-error', scope: 'framework', match: /^Error (?:opening|reading) URL '/, class: 'http_error', urlError: true },
  { id: 'fw.timeout', scope: 'framework', match: /timed out/i, class: 'timeout' },
  { id: 'fw.pms', scope: 'framework', match: /127\.0\.0\.1:32400|Plex Media Server responded/i, class: 'pms_communication_error' },
  { id: 'fw.exception', scope: 'framework', match: /^Exception\b/, class: 'agent_exception', minLevel: 'CRITICAL' },
];

const LEVEL_RANK: Record<Level, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3, CRITICAL: 4 };
const PGMA_RULES = RULES.filter((r) => r.scope === 'pgma');
const FRAMEWORK_RULES = RULES.filter((r) => r.scope === 'framework');

export interface Classification {
  rule: string;
  /** null: matched a benign rule, not an event. */
  class: EventClass | null;
  status?: number;
  urlError?: boolean;
  /** For agent exceptions: the phase and the agent name in the framework's message. */
  phase?: Phase;
  agentName?: string;
  groupByRule?: boolean;
}

/**
 * Classifies the text of a PGMA error line. An error-form text that no rule knows is `unknown_error`
 * (mined into templates later); an info-form text that no rule knows is not an event (null).
 */
export function classifyPgmaText(text: string, errorForm: boolean): Classification | null {
  for (const rule of PGMA_RULES) {
    const m = rule.match.exec(text);
    if (m) return finish(rule, m, text);
  }
  return errorForm ? { rule: 'pgma.unknown', class: 'unknown_error' } : null;
}

/**
 * Classifies a framework (non-PGMA) record's message. ERROR/CRITICAL records no rule knows are
 * `unknown_error`; lower levels are not events unless a rule names them.
 */
export function classifyFramework(message: string, level: Level): Classification | null {
  const rank = LEVEL_RANK[level];
  for (const rule of FRAMEWORK_RULES) {
    if (rank < LEVEL_RANK[rule.minLevel ?? 'ERROR']) continue;
    const m = rule.match.exec(message);
    if (m) return finish(rule, m, message);
  }
  return rank >= LEVEL_RANK.ERROR ? { rule: 'fw.unknown', class: 'unknown_error' } : null;
}

function finish(rule: Rule, m: RegExpExecArray, text: string): Classification {
  const out: Classification = { rule: rule.id, class: rule.class };
  if (rule.status) {
    const s = httpStatus(text);
    if (s !== undefined) out.status = s;
  }
  if (rule.urlError) out.urlError = true;
  if (rule.groupByRule) out.groupByRule = true;
  if (rule.agentException) {
    out.phase = m[1] === 'update' ? 'update' : 'search';
    out.agentName = m[2];
  }
  return out;
}

/** The HTTP status in `HTTP Error 403: Forbidden` (urllib2's HTTPError text), or undefined. */
export function httpStatus(text: string): number | undefined {
  const m = /HTTP Error (\d{3})|\b(?:status|code)[ :=]+([45]\d\d)\b/i.exec(text);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

const FRAME = /^\s*File "(.+)", line (\d+), in (.+?)\s*$/;
const BUNDLE_CODE = /([^\\/]+\.bundle)[\\/]Contents[\\/]((?:Code|Libraries)[\\/].+)$/;

/**
 * Reads a Python 2.7 traceback (the continuation lines of a CRITICAL record): the exception type and
 * text from its last line, and the innermost frame inside an agent bundle's code (never the
 * Framework.bundle), as `X.bundle/Contents/Code/file.py`. Fields are absent when the excerpt lacks them.
 */
export function analyseTraceback(lines: readonly string[]): { exceptionType?: string; exceptionText?: string; location?: CodeLocation } {
  const out: { exceptionType?: string; exceptionText?: string; location?: CodeLocation } = {};
  for (const line of lines) {
    const f = FRAME.exec(line);
    if (!f) continue;
    const b = BUNDLE_CODE.exec(f[1]);
    if (b && b[1] !== 'Framework.bundle') {
      out.location = { file: `${b[1]}/Contents/${b[2].replace(/\\/g, '/')}`, line: Number(f[2]), function: f[3] };
    }
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    if (/^\s/.test(l) || l.trim() === '') continue;
    const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(l.trim());
    if (m && (m[2] !== undefined || /(?:Error|Exception|Exit|Interrupt)$/.test(m[1]))) {
      out.exceptionType = m[1];
      if (m[2]) out.exceptionText = m[2];
    }
    break;
  }
  return out;
}

/**
 * An `Error opening URL` no agent error claimed: a call into Plex itself (or its resource-hashes noise), the
 * hashes noise from another host, else an HTTP failure whose status nobody logged.
 */
export function classifyUnclaimedUrlError(url: string, host: string | undefined): Classification {
  if (isLoopbackHost(host)) {
    return /resourceHashes|hashes\.json/.test(url)
      ? { rule: 'fw.noise.resource-hashes', class: 'framework_noise' }
      : { rule: 'fw.pms', class: 'pms_communication_error' };
  }
  if (/hashes\.json/.test(url)) return { rule: 'fw.noise.resource-hashes', class: 'framework_noise' };
  return { rule: 'fw.url-error', class: 'http_error' };
}
