/**
 * Error groups: the report's patterns gathered by class × agent × (host and status | template), ordered by
 * impact (items affected, then events). Framework noise is not a group: it is never an error.
 */
import type { EventClass, ItemOutcome, LogEvent, LogReport, Pattern } from '../logs/schema.ts';

export interface ObservedGroup {
  id: string;
  class: EventClass;
  agent: string;
  bundleId?: string;
  host?: string;
  status?: number;
  templateId?: string;
  events: number;
  /** Items (agent × file) whose latest operation failed with this group's class (and host/status). */
  items: ItemOutcome[];
  patterns: Pattern[];
  examples: LogEvent[];
}

function groupKey(p: Pattern): string {
  if (p.class === 'http_error') return [p.class, p.agent, p.host ?? '', p.status ?? ''].join('\u0000');
  if (p.class === 'unknown_error') return [p.class, p.agent, p.example.templateId ?? p.id].join('\u0000');
  if (p.class === 'timeout' || p.class === 'connection_error') return [p.class, p.agent, p.host ?? ''].join('\u0000');
  return [p.class, p.agent].join('\u0000');
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Does this failed item belong to the group? Its reasons name the class (and host/status for HTTP). */
function itemMatches(item: ItemOutcome, g: Pick<ObservedGroup, 'class' | 'agent' | 'host' | 'status'>): boolean {
  if (item.agent !== g.agent || item.outcome === 'matched') return false;
  return item.reasons.some(
    (r) =>
      r.class === g.class &&
      (g.host === undefined || r.host === undefined || r.host === g.host) &&
      (g.status === undefined || r.status === undefined || r.status === g.status),
  );
}

/**
 * PGMA logs every search result it rejects (title, studio, release date or duration test) as an error, also
 * in a search that goes on to match the right result (a sequel listed first). Such a rejection is the agent
 * working, not a failure to fix.
 */
const CANDIDATE_REJECTIONS: ReadonlySet<EventClass> = new Set<EventClass>(['title_match_failure', 'studio_match_failure', 'date_match_failure', 'duration_match_failure']);

/** True when every operation that logged this rejection class still matched (the outcome table knows them all). */
function onlyRejectedCandidates(report: LogReport, g: ObservedGroup): boolean {
  if (!CANDIDATE_REJECTIONS.has(g.class) || g.items.length > 0) return false;
  const rows = report.items.filter((i) => i.agent === g.agent && i.reasons.some((r) => r.class === g.class));
  return rows.length > 0 && rows.every((i) => i.outcome === 'matched');
}

/**
 * Builds the error groups of a report, most items affected first. A group of rejected candidates whose
 * every search matched (see CANDIDATE_REJECTIONS) is left out: nothing failed.
 */
export function errorGroups(report: LogReport): ObservedGroup[] {
  const byKey = new Map<string, ObservedGroup>();
  for (const p of report.patterns) {
    if (p.class === 'framework_noise') continue;
    const key = groupKey(p);
    let g = byKey.get(key);
    if (!g) {
      const host = p.class === 'http_error' || p.class === 'timeout' || p.class === 'connection_error' ? p.host : undefined;
      const status = p.class === 'http_error' ? p.status : undefined;
      const templateId = p.class === 'unknown_error' ? p.example.templateId ?? p.id : undefined;
      g = {
        id: slug([p.class, p.agent, host, status, templateId].filter((x) => x !== undefined).join(' ')),
        class: p.class,
        agent: p.agent,
        bundleId: report.agents[p.agent]?.bundleId ?? p.example.bundleId,
        host,
        status,
        templateId,
        events: 0,
        items: [],
        patterns: [],
        examples: [],
      };
      byKey.set(key, g);
    }
    g.events += p.count;
    g.patterns.push(p);
    if (g.examples.length < 5) g.examples.push(p.example);
  }
  const groups = [...byKey.values()];
  for (const g of groups) g.items = report.items.filter((i) => itemMatches(i, g));
  return groups.filter((g) => !onlyRejectedCandidates(report, g)).sort((a, b) => b.items.length - a.items.length || b.events - a.events || a.id.localeCompare(b.id));
}
