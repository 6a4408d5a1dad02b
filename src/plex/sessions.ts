/**
 * `GET /status/sessions`: who is playing what now. plexmend restarts Plex itself only when this is empty
 * (DESIGN.md phase 3), so nobody's film stops.
 */
import { child, container, list, num, str, type Node } from './body.ts';
import { ITEM_TAGS } from './metadata.ts';
import type { PlexConnection } from './request.ts';

export const SESSIONS_PATH = '/status/sessions';

/** One playback session: the item and, when Plex says, the user and player. */
export interface Session {
  ratingKey: string;
  title: string;
  type: string;
  user?: string;
  player?: string;
  state?: string;
}

/** Parses `/status/sessions`; `count` comes from `size` when the server omits the children. */
export function parseSessions(body: Node): { count: number; sessions: Session[] } {
  const c = container(body);
  const sessions = list(c, ...ITEM_TAGS).map((m) => ({
    ratingKey: str(m.ratingKey) ?? '',
    title: str(m.title) ?? '',
    type: str(m.type) ?? '',
    user: str(child(m, 'User')?.title),
    player: str(child(m, 'Player')?.title),
    state: str(child(m, 'Player')?.state),
  }));
  return { count: Math.max(sessions.length, num(c.size) ?? 0), sessions };
}

/** Lists playback sessions. */
export async function listSessions(conn: PlexConnection): Promise<{ count: number; sessions: Session[] }> {
  return parseSessions((await conn.request({ path: SESSIONS_PATH })).body);
}
