/**
 * Item verbs (python-plexapi names): `refresh` = `PUT /library/metadata/{id}/refresh` (asynchronous: Plex
 * answers at once and runs the primary agent and its contributors in the background — wait with
 * waitForRefresh), `matches` = `GET …/matches?manual=1` (the "Fix Match" search, SearchResult elements),
 * `match` = `PUT …/match?guid=&name=`, `unmatch` = `PUT …/unmatch`. PUTs are never retried by the gate.
 */
import { container, list, num, str, type Node } from './body.ts';
import { metadataPath } from './library.ts';
import type { PlexConnection, Query } from './request.ts';

/** One "Fix Match" candidate. `score` 0–100; over 85 counts as a match (legacy Plex docs, Library/Matches). */
export interface SearchResult {
  guid: string;
  name: string;
  year?: number;
  score?: number;
  type?: string;
  summary?: string;
  thumb?: string;
  lifespanEnded?: boolean;
}

/** Parses `/library/metadata/{id}/matches` (`SearchResult` elements; JSON puts them under `SearchResult` too). */
export function parseMatches(body: Node): SearchResult[] {
  return list(container(body), 'SearchResult', 'Metadata').map((r) => ({
    guid: str(r.guid) ?? '',
    name: str(r.name) ?? str(r.title) ?? '',
    year: num(r.year),
    score: num(r.score),
    type: str(r.type),
    summary: str(r.summary),
    thumb: str(r.thumb),
    lifespanEnded: r.lifespanEnded === undefined ? undefined : r.lifespanEnded === true || r.lifespanEnded === '1',
  }));
}

/**
 * Asks Plex to refresh one item's metadata. Returns when Plex accepted the request (the refresh itself runs
 * later; `X-Plex-Activity` is returned when the server sends it — UNVERIFIED for this route).
 * `agent` forces another agent (Plex API spec); `markUpdated` is the spec's flag.
 */
export async function refreshItem(conn: PlexConnection, ratingKey: string, o: { agent?: string; markUpdated?: boolean } = {}): Promise<{ activity?: string }> {
  const res = await conn.request({
    method: 'PUT',
    path: `${metadataPath(ratingKey)}/refresh`,
    query: { agent: o.agent, markUpdated: o.markUpdated },
    format: 'none',
    what: `item ${ratingKey}`,
  });
  return { activity: res.header('X-Plex-Activity') };
}

/** Lists match candidates; with title/year, Plex searches for those instead of the item's own. */
export async function listMatches(conn: PlexConnection, ratingKey: string, o: { title?: string; year?: number; agent?: string; language?: string } = {}): Promise<SearchResult[]> {
  const query: Query = { manual: 1, title: o.title, year: o.year, agent: o.agent, language: o.language };
  return parseMatches((await conn.request({ path: `${metadataPath(ratingKey)}/matches`, query, what: `item ${ratingKey}` })).body);
}

/** Applies a match: pass a SearchResult's guid and name back unchanged. */
export async function matchItem(conn: PlexConnection, ratingKey: string, result: Pick<SearchResult, 'guid' | 'name' | 'year'>): Promise<void> {
  await conn.request({
    method: 'PUT',
    path: `${metadataPath(ratingKey)}/match`,
    query: { guid: result.guid, name: result.name, year: result.year },
    format: 'none',
    what: `item ${ratingKey}`,
  });
}

/** Removes the item's match (its guid becomes `local://<ratingKey>`). */
export async function unmatchItem(conn: PlexConnection, ratingKey: string): Promise<void> {
  await conn.request({ method: 'PUT', path: `${metadataPath(ratingKey)}/unmatch`, format: 'none', what: `item ${ratingKey}` });
}
