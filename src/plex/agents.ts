/**
 * `GET /system/agents`: the metadata agents the server has loaded, served by the legacy System plug-in as
 * XML only (JSON there UNVERIFIED): `Agent{identifier,hasPrefs,hasAttribution,primary}` with
 * `MediaType{mediaType,name}` → `Language{code}` children; with `?mediaType=N`, `Agent{identifier,name,
 * hasPrefs}` (Plex System.bundle agentservice.py; python-plexapi `server.agents()`). A legacy agent bundle that
 * failed to load (see `com.plexapp.system.log`) is missing from this list.
 */
import { bool, container, list, num, str, type Node } from './body.ts';
import type { PlexConnection } from './request.ts';

export const AGENTS_PATH = '/system/agents';

export interface Agent {
  identifier: string;
  name?: string;
  primary?: boolean;
  hasPrefs?: boolean;
  hasAttribution?: boolean;
  mediaTypes: Array<{ mediaType?: number; name?: string; languages: string[] }>;
}

/** Parses `/system/agents` (XML as the System plug-in sends it, or JSON). */
export function parseAgents(body: Node): Agent[] {
  return list(container(body), 'Agent').map((a) => ({
    identifier: str(a.identifier) ?? '',
    name: str(a.name),
    primary: bool(a.primary),
    hasPrefs: bool(a.hasPrefs),
    hasAttribution: bool(a.hasAttribution),
    mediaTypes: list(a, 'MediaType').map((m) => ({
      mediaType: num(m.mediaType),
      name: str(m.name),
      languages: list(m, 'Language').map((l) => str(l.code)).filter((c): c is string => Boolean(c)),
    })),
  }));
}

/** Lists the loaded agents, optionally for one library type number. */
export async function listAgents(conn: PlexConnection, mediaType?: number): Promise<Agent[]> {
  return parseAgents((await conn.request({ path: AGENTS_PATH, query: { mediaType }, format: 'xml' })).body);
}
