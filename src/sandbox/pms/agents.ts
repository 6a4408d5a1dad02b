/**
 * How Plex runs legacy agents for one item, as it does with PGMA's umbrella agents (reference pgma §1):
 * the section's primary agent searches when the item is unmatched (best result with score ≥ 85 becomes
 * the guid, else the item stays `local://`), then updates; then each contributing agent, in the order
 * configured in Settings → Agents, searches with the primary's guid and, given a result, updates. Agents run
 * one after another for an item. An agent that throws or whose plug-in is down contributes nothing this
 * time; its earlier contribution stays (see library.ts).
 */
import { agentGuid, guidId, type Item } from './library.ts';
import type { PluginRegistry } from './plugins.ts';
import type { AgentPlugin, MetadataOut, SearchMedia, SearchResultOut } from './types.ts';

/** Score at or above which a primary agent's result counts as a match (Plex docs: "anything over 85"). */
export const MATCH_SCORE = 85;

/** What one agent did for one item. */
export interface AgentStep {
  agent: string;
  phase: 'search' | 'update';
  ok: boolean;
  detail?: string;
}

/** The outcome of running the agents for one item. */
export interface AgentRun {
  matched: boolean;
  changed: boolean;
  steps: AgentStep[];
}

/** The `media` object agents receive, from the scanner's view of the item. */
export function mediaFor(item: Item): SearchMedia {
  const m: SearchMedia = { id: item.ratingKey, name: item.spec.title, filename: item.spec.file };
  if (item.spec.year !== undefined) m.year = item.spec.year;
  if (item.spec.duration !== undefined) m.duration = item.spec.duration;
  if (!item.guid.startsWith('local://')) m.guid = item.guid;
  return m;
}

/** Picks the highest-scored result at or above `minScore` (the first on a tie, as appended). */
export function bestResult(results: SearchResultOut[], minScore: number): SearchResultOut | undefined {
  let best: SearchResultOut | undefined;
  for (const r of results) if (r.score >= minScore && (!best || r.score > best.score)) best = r;
  return best;
}

function schemeOf(guid: string): string {
  return guid.slice(0, guid.indexOf('://'));
}

async function callAgent<T>(plugin: AgentPlugin | undefined, agent: string, phase: AgentStep['phase'], steps: AgentStep[],
  call: (p: AgentPlugin) => Promise<T>): Promise<T | undefined> {
  if (!plugin) {
    steps.push({ agent, phase, ok: false, detail: 'agent not installed' });
    return undefined;
  }
  try {
    return await call(plugin);
  } catch (err) {
    steps.push({ agent, phase, ok: false, detail: (err as Error).message });
    return undefined;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Runs the primary and contributing agents for an item and stores their metadata in the library. */
export async function runAgents(plugins: PluginRegistry, item: Item, isCurrent: () => boolean): Promise<AgentRun> {
  const lang = item.section.spec.language ?? 'en';
  const steps: AgentStep[] = [];
  let changed = false;
  const primary = item.guid.startsWith('local://') ? item.section.spec.agent : schemeOf(item.guid);

  if (item.guid.startsWith('local://')) {
    const results = await callAgent(plugins.plugin(primary), primary, 'search', steps,
      (p) => p.search(mediaFor(item), lang, false));
    if (!isCurrent()) return { matched: false, changed, steps };
    const best = results ? bestResult(results, MATCH_SCORE) : undefined;
    if (results) steps.push({ agent: primary, phase: 'search', ok: best !== undefined, detail: `${results.length} result(s)` });
    if (!best) return { matched: false, changed, steps };
    item.guid = agentGuid(primary, best.id, lang);
    changed = true;
  }

  const primaryId = guidId(item.guid) ?? '';
  const md = await callAgent(plugins.plugin(primary), primary, 'update', steps, (p) => p.update(primaryId, mediaFor(item), lang));
  if (!isCurrent()) return { matched: true, changed, steps };
  if (md) {
    changed = store(item, primary, md) || changed;
    steps.push({ agent: primary, phase: 'update', ok: true });
  }

  for (const agent of item.section.contributors) {
    const plugin = plugins.plugin(agent);
    const results = await callAgent(plugin, agent, 'search', steps, (p) => p.search(mediaFor(item), lang, false));
    if (!isCurrent()) break;
    if (!results) continue;
    const best = bestResult(results, 0);
    steps.push({ agent, phase: 'search', ok: best !== undefined, detail: `${results.length} result(s)` });
    if (!best) continue;
    const out = await callAgent(plugin, agent, 'update', steps, (p) => p.update(best.id, mediaFor(item), lang));
    if (!isCurrent()) break;
    if (out) {
      changed = store(item, agent, out) || changed;
      steps.push({ agent, phase: 'update', ok: true });
    }
  }
  return { matched: true, changed, steps };
}

function store(item: Item, agent: string, md: MetadataOut): boolean {
  const before = item.contributions.get(agent);
  item.contributions.set(agent, md);
  return !sameJson(before, md);
}
