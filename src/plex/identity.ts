/**
 * `GET /identity` — the one route that needs no token (Plex API spec `security: [{}]`); used to ask "is
 * Plex up?" and to learn the server's id and version.
 */
import { bool, container, str, type Node } from './body.ts';
import type { PlexConnection } from './request.ts';

/** Attributes: machineIdentifier (server id), version (PMS version, e.g. "1.40.1.8227-c0dd5a73e"), claimed. */
export interface Identity {
  machineIdentifier: string;
  version: string;
  claimed: boolean | undefined;
}

export const IDENTITY_PATH = '/identity';

/** Parses `/identity` (JSON or XML). */
export function parseIdentity(body: Node): Identity {
  const c = container(body);
  return { machineIdentifier: str(c.machineIdentifier) ?? '', version: str(c.version) ?? '', claimed: bool(c.claimed) };
}

/** Reads the server identity. Throws ServerUnreachableError when nothing answers. */
export async function getIdentity(conn: PlexConnection): Promise<Identity> {
  return parseIdentity((await conn.request({ path: IDENTITY_PATH })).body);
}
