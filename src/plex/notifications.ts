/**
 * Parsing of Plex push notifications. WebSocket frames (`/:/websockets/notifications`) are
 * `{"NotificationContainer":{"type":T,"size":N,"<Child>":[…]}}`; Server-Sent Events
 * (`/:/eventsource/notifications`) carry the child as one object with no wrapper. Both become a list of
 * `Notification`s. `timeline` `itemID`/`sectionID` come as strings in some captures and numbers in others.
 * Timeline `state` codes (python-plexapi alert.py): 0 created, 1 progress, 2 matching, 3 downloading,
 * 4 processing, 5 processed, 9 deleted.
 */
import { list, num, str, type Node } from './body.ts';
import { parseActivity, type Activity } from './activities.ts';

export const TIMELINE_PROCESSED = 5;

export type Notification =
  | { kind: 'activity'; event: string; uuid: string; activity: Activity }
  | { kind: 'timeline'; itemID: string; sectionID?: string; state?: number; type?: number; title?: string; metadataState?: string; mediaState?: string }
  | { kind: 'other'; type: string; body: Node };

/** Parses one websocket frame (text or already-parsed JSON) or one SSE `data:` object. Throws on non-JSON text. */
export function parseNotifications(frame: string | Node, sseType?: string): Notification[] {
  const body: Node = typeof frame === 'string' ? (JSON.parse(frame) as Node) : frame;
  const wrapped = body.NotificationContainer;
  const c: Node = wrapped && typeof wrapped === 'object' ? (wrapped as Node) : body;
  const type = str(c.type) ?? sseType ?? '';
  const out: Notification[] = [];
  for (const n of list(c, 'ActivityNotification')) {
    const a = n.Activity && typeof n.Activity === 'object' ? parseActivity(n.Activity as Node) : undefined;
    const uuid = str(n.uuid) ?? a?.uuid ?? '';
    out.push({ kind: 'activity', event: str(n.event) ?? '', uuid, activity: a ?? parseActivity({ uuid }) });
  }
  for (const t of list(c, 'TimelineEntry')) {
    out.push({
      kind: 'timeline',
      itemID: str(t.itemID) ?? '',
      sectionID: str(t.sectionID),
      state: num(t.state),
      type: num(t.type),
      title: str(t.title),
      metadataState: str(t.metadataState),
      mediaState: str(t.mediaState),
    });
  }
  if (out.length === 0) out.push({ kind: 'other', type, body: c });
  return out;
}
