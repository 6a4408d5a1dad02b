/**
 * `GET /activities`: what the server is busy with. An item refresh is type `library.refresh.items` with
 * `Context.key` = `/library/metadata/{id}` (PlexTraktSync captures); a scan is `library.update.section` with
 * `Context.librarySectionID`. Empty container when idle. The same Activity object arrives inside websocket
 * `activity` notifications (events.ts), so both use `parseActivity`.
 */
import { bool, child, container, list, num, str, type Node } from './body.ts';
import type { PlexConnection } from './request.ts';

export const ACTIVITIES_PATH = '/activities';
export const REFRESH_ACTIVITY = 'library.refresh.items';

/** Context of an activity; `exists`/`accessible` false on an `ended` refresh = the media file is missing. */
export interface ActivityContext {
  key?: string;
  librarySectionID?: string;
  accessible?: boolean;
  exists?: boolean;
  refreshed?: boolean;
  analyzed?: boolean;
}

/** One activity. `progress` 0–100, −1 = indeterminate. */
export interface Activity {
  uuid: string;
  type: string;
  title: string;
  subtitle: string;
  progress?: number;
  cancellable?: boolean;
  userID?: string;
  context: ActivityContext;
}

/** Parses one Activity object/element. */
export function parseActivity(a: Node): Activity {
  const ctx = child(a, 'Context') ?? {};
  return {
    uuid: str(a.uuid) ?? '',
    type: str(a.type) ?? '',
    title: str(a.title) ?? '',
    subtitle: str(a.subtitle) ?? '',
    progress: num(a.progress),
    cancellable: bool(a.cancellable),
    userID: str(a.userID),
    context: {
      key: str(ctx.key),
      librarySectionID: str(ctx.librarySectionID),
      accessible: bool(ctx.accessible),
      exists: bool(ctx.exists),
      refreshed: bool(ctx.refreshed),
      analyzed: bool(ctx.analyzed),
    },
  };
}

/** Parses `/activities` (JSON or XML). */
export function parseActivities(body: Node): Activity[] {
  return list(container(body), 'Activity').map(parseActivity);
}

/** Lists current activities. */
export async function listActivities(conn: PlexConnection): Promise<Activity[]> {
  return parseActivities((await conn.request({ path: ACTIVITIES_PATH })).body);
}
