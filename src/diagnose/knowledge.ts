/**
 * The knowledge base: signature → cause → recipes, as data (reference §5 failure classes, §6 how the
 * maintainers fixed them). A rule fires on an error group when its class matches, its status list (if
 * any) holds the group's status, and the site probe's verdict (if the rule names verdicts) agrees. The
 * first rule that fires explains the group; rules that fire on no group are listed in the report.
 * Texts use `{agent}`, `{host}`, `{status}`, `{detail}` placeholders filled from the evidence.
 */
import type { EventClass } from '../logs/schema.ts';
import type { RecipeName } from './schema.ts';
import type { ProbeVerdict } from './probe.ts';

/** What a rule needs before it can explain a group. */
export const EVIDENCE_NEEDS = ['probe', 'request_sites', 'xpath', 'normaliser', 'page', 'traceback', 'filename'] as const;
export type EvidenceNeed = (typeof EVIDENCE_NEEDS)[number];

export interface Rule {
  id: string;
  class: EventClass;
  status?: number[];
  /** The probe verdicts this rule explains; a rule with verdicts needs a probe to fire. */
  verdicts?: ProbeVerdict[];
  /** Fires only when no probe could run (no URL in the evidence, or probing turned off). */
  unprobedOnly?: boolean;
  cause: string;
  expected: string;
  fixable: boolean;
  /** Recipes to try, best first; lessons may reorder or compose them. */
  recipes: RecipeName[];
  needs: EvidenceNeed[];
  /** For causes without a code fix: what the user can do. */
  workaround?: string;
}

export const RULES: readonly Rule[] = [
  {
    id: 'anti-bot-challenge',
    class: 'http_error',
    status: [403, 503],
    verdicts: ['challenge'],
    cause: '{host} answers with an anti-bot challenge page that even a browser-shaped request gets; the agent cannot solve it',
    expected: "{agent}'s requests to {host} return the search and film pages",
    fixable: false,
    recipes: ['workaround'],
    needs: ['probe'],
    workaround:
      'No code change helps while {host} challenges every client. Disable {agent} (Settings → Agents) or move it below another source for these items, and re-check later.',
  },
  {
    id: 'refuses-non-browser-requests',
    class: 'http_error',
    status: [403, 401, 406],
    verdicts: ['needs_browser_headers'],
    cause: "{host} refuses requests that do not look like a browser's: {agent}'s request gets {status}, a browser-shaped one succeeds",
    expected: "{agent}'s searches on {host} get the result page (no {status})",
    fixable: true,
    recipes: ['request_headers'],
    needs: ['probe', 'request_sites'],
  },
  {
    id: 'forbidden-unprobed',
    class: 'http_error',
    status: [403],
    unprobedOnly: true,
    cause: "{host} refuses {agent}'s requests with {status}; the site could not be probed, and most often such a site wants browser-like requests",
    expected: "{agent}'s searches on {host} get the result page (no {status})",
    fixable: true,
    recipes: ['request_headers'],
    needs: ['request_sites'],
  },
  {
    id: 'rate-limited',
    class: 'http_error',
    status: [429],
    cause: '{host} limits how fast a client may ask and answers {status} when {agent} asks faster',
    expected: "{agent}'s requests to {host} succeed, spaced out and retried with back-off",
    fixable: true,
    recipes: ['retry_backoff', 'timeout_delay'],
    needs: ['request_sites'],
  },
  {
    id: 'server-errors',
    class: 'http_error',
    status: [500, 502, 503, 504],
    cause: '{host} fails with {status} for some requests (an overloaded or flaky server)',
    expected: "{agent}'s requests to {host} succeed on a later try",
    fixable: true,
    recipes: ['retry_backoff'],
    needs: ['request_sites'],
  },
  {
    id: 'site-forbids',
    class: 'http_error',
    status: [403],
    verdicts: ['forbidden', 'ok'],
    cause: '{host} refused {agent} with {status}; a browser-shaped request does not get through either (or the refusal has passed)',
    expected: "{agent}'s requests to {host} succeed",
    fixable: false,
    recipes: ['workaround'],
    needs: ['probe'],
    workaround: 'Check whether {host} blocks this server\'s IP address (open {host} in a browser on the Plex host); if it does, wait or route through another network.',
  },
  {
    id: 'url-gone',
    class: 'http_error',
    status: [404, 410],
    cause: "{agent}'s request URL on {host} no longer exists ({status}): the site moved its search or film pages",
    expected: "{agent}'s search URL on {host} answers 200",
    fixable: true,
    recipes: ['url_change'],
    needs: ['request_sites'],
  },
  {
    id: 'timeouts',
    class: 'timeout',
    cause: '{host} answers slower than {agent} waits',
    expected: "{agent}'s requests to {host} complete",
    fixable: true,
    recipes: ['timeout_delay', 'retry_backoff'],
    needs: ['request_sites'],
  },
  {
    id: 'host-unreachable',
    class: 'connection_error',
    cause: '{agent} cannot reach {host} at all ({detail})',
    expected: "{agent}'s requests to {host} connect",
    fixable: false,
    recipes: ['url_change', 'workaround'],
    needs: ['request_sites'],
    workaround: 'If {host} moved (scheme or domain), update the agent; if it is down, disable {agent} until it is back.',
  },
  {
    id: 'xpath-stopped-matching',
    class: 'xpath_failure',
    cause: "{host}'s pages changed: the XPath {agent} reads a field with finds nothing ({detail})",
    expected: '{agent} reads every field from the current page markup',
    fixable: true,
    recipes: ['xpath_repair', 'graceful_degradation'],
    needs: ['xpath', 'page'],
  },
  {
    id: 'no-results',
    class: 'no_results',
    cause: "{agent}'s search on {host} returns no usable result list ({detail})",
    expected: "{agent}'s search lists the film when the site has it",
    fixable: true,
    recipes: ['xpath_repair', 'search_string_length', 'workaround'],
    needs: ['page'],
    workaround: 'The site does not list these titles: nothing to fix in code. Another agent may have them, or the file names may need the site\'s title.',
  },
  {
    id: 'title-normalisation',
    class: 'title_match_failure',
    cause: "{agent}'s title comparison rejects the right film: the site and the file write the same title differently ({detail})",
    expected: "{agent}'s title test passes when the titles differ only in quotes, apostrophes, roman numerals or '&'",
    fixable: true,
    recipes: ['title_normalisation', 'workaround'],
    needs: ['normaliser'],
    workaround: 'Rename the file to the site\'s title.',
  },
  {
    id: 'studio-mismatch',
    class: 'studio_match_failure',
    cause: "{agent}'s studio test rejects the film: the file's studio differs from the site's ({detail})",
    expected: "{agent}'s studio test passes for the film's studio or its distributor",
    fixable: false,
    recipes: ['workaround'],
    needs: ['filename'],
    workaround: "Name the file '(Studio;Site Studio) - Title (Year)' so both studio names are tried.",
  },
  {
    id: 'date-mismatch',
    class: 'date_match_failure',
    cause: "The file's year is more than a year from the site's release date ({detail})",
    expected: "{agent}'s date test passes",
    fixable: false,
    recipes: ['workaround'],
    needs: ['filename'],
    workaround: "Correct the year in the file name, or remove it so the date test is skipped.",
  },
  {
    id: 'duration-mismatch',
    class: 'duration_match_failure',
    cause: "The file's duration differs from the site's ({detail})",
    expected: "{agent}'s duration test passes",
    fixable: true,
    recipes: ['preference_change', 'workaround'],
    needs: [],
    workaround: 'Turn off duration matching for {agent} (its matchsiteduration preference).',
  },
  {
    id: 'filename-format',
    class: 'filename_format_error',
    cause: 'The file name is not in the form the agent parses: (Studio) - Title (Year)',
    expected: 'the file name parses',
    fixable: false,
    recipes: ['workaround'],
    needs: ['filename'],
    workaround: 'Rename the file to the canonical form shown for each item.',
  },
  {
    id: 'uncaught-exception',
    class: 'agent_exception',
    cause: "An exception escapes {agent}'s code ({detail}) and aborts the whole search or update",
    expected: "{agent} logs the problem and goes on with the next result",
    fixable: true,
    recipes: ['graceful_degradation'],
    needs: ['traceback'],
  },
  {
    id: 'iafd-unavailable',
    class: 'iafd_failure',
    cause: "{agent}'s cast and film lookups on IAFD fail ({detail})",
    expected: '{agent} completes without IAFD data when IAFD refuses',
    fixable: true,
    recipes: ['graceful_degradation', 'workaround'],
    needs: [],
    workaround: 'IAFD blocks scrapers at times: films still match; cast photos come later when IAFD answers again.',
  },
  {
    id: 'storage',
    class: 'storage_error',
    cause: 'Plex could not write a file beside the media ({detail}); often a read-only or AppleDouble (._) volume',
    expected: 'posters are saved',
    fixable: false,
    recipes: ['workaround'],
    needs: [],
    workaround: "Set {agent}'s poster download preference to not save posters beside the media, or make the volume writable.",
  },
  {
    id: 'agent-configuration',
    class: 'config_error',
    cause: "{agent}'s configuration is incomplete ({detail})",
    expected: '{agent} finds its configuration',
    fixable: false,
    recipes: ['config_file', 'workaround'],
    needs: [],
    workaround: "Put PGMA's _PGMA folder next to the bundles in Plug-ins and fill in its files; re-enter the Plex token preference after a password change.",
  },
  {
    id: 'pms-communication',
    class: 'pms_communication_error',
    cause: '{agent} could not talk to the Plex server ({detail})',
    expected: '{agent} reads library data from Plex',
    fixable: false,
    recipes: ['workaround'],
    needs: [],
    workaround: "Check {agent}'s Plex token preference (it goes stale after a Plex password reset).",
  },
  {
    id: 'unknown',
    class: 'unknown_error',
    cause: 'An error no rule knows: {detail}',
    expected: 'no such errors',
    fixable: false,
    recipes: ['workaround'],
    needs: [],
    workaround: 'Read the example lines; if this repeats, report it with them.',
  },
];

/** The rules that may explain a group of this class and status, in order. */
export function candidateRules(cls: EventClass, status?: number): Rule[] {
  return RULES.filter((r) => r.class === cls && (r.status === undefined || status === undefined || r.status.includes(status)));
}

/** Picks the rule that explains a group, given the probe verdict when a probe ran. */
export function explain(cls: EventClass, status: number | undefined, verdict: ProbeVerdict | null): Rule | null {
  for (const r of candidateRules(cls, status)) {
    if (r.verdicts && (verdict === null || !r.verdicts.includes(verdict))) continue;
    if (r.unprobedOnly && verdict !== null) continue;
    return r;
  }
  return null;
}

/** Fills a rule text's placeholders. */
export function fill(text: string, v: { agent: string; host?: string; status?: number; detail?: string }): string {
  return text
    .replace(/\{agent\}/g, v.agent)
    .replace(/\{host\}/g, v.host ?? 'the site')
    .replace(/\{status\}/g, v.status !== undefined ? String(v.status) : 'an error')
    .replace(/\{detail\}/g, v.detail ?? 'see the examples');
}
