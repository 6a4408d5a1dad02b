/**
 * Plex activities (`GET /activities`) and their notification frames. An activity lives from `started` to
 * `ended`; each change is an `activity` frame with `event`, `uuid` and the whole `Activity` object, as in
 * the captured item refresh (fixtures/plex-api/ws-activity-refresh-item.jsonl): `started` carries no
 * `Context`, later frames carry `Context.key`.
 */
import { randomUUID } from 'node:crypto';
import { el, mediaContainer, toJsonObject, type Element } from './container.ts';
import type { NotificationHub } from './notifications.ts';

/** Activity context fields (`Context` element); boolean flags are those the captures show. */
export interface ActivityContext {
  key?: string;
  librarySectionID?: number;
  accessible?: boolean;
  analyzed?: boolean;
  exists?: boolean;
  refreshed?: boolean;
}

/** One Plex activity (`Activity` element / the `Activity` object of a notification). */
export interface Activity {
  uuid: string;
  type: string;
  cancellable: boolean;
  userID: number;
  title: string;
  subtitle: string;
  progress: number;
  context?: ActivityContext;
}

function activityElement(a: Activity): Element {
  const children: Element[] = [];
  if (a.context) {
    // Alphabetical, as the captured frames order Context's keys.
    const ctx = Object.fromEntries(Object.entries(a.context).sort(([x], [y]) => x.localeCompare(y)));
    children.push({ tag: 'Context', attrs: ctx, single: true });
  }
  return el('Activity', {
    uuid: a.uuid,
    type: a.type,
    cancellable: a.cancellable,
    userID: a.userID,
    title: a.title,
    subtitle: a.subtitle,
    progress: a.progress,
  }, children);
}

/** The running activities, publishing each change on the hub. */
export class Activities {
  private readonly running = new Map<string, Activity>();

  constructor(private readonly hub: NotificationHub, private readonly newUuid: () => string = randomUUID) {}

  /** Starts an activity and sends its `started` frame (without Context, as Plex does). */
  start(type: string, title: string, context: ActivityContext): Activity {
    const a: Activity = { uuid: this.newUuid(), type, cancellable: false, userID: 1, title, subtitle: '', progress: 0, context };
    this.running.set(a.uuid, a);
    this.emit('started', { ...a, context: undefined });
    return a;
  }

  /** Changes an activity and sends an `updated` frame. */
  update(a: Activity, change: { subtitle?: string; progress?: number; context?: ActivityContext }): void {
    if (!this.running.has(a.uuid)) return;
    if (change.subtitle !== undefined) a.subtitle = change.subtitle;
    if (change.progress !== undefined) a.progress = change.progress;
    if (change.context !== undefined) a.context = change.context;
    this.emit('updated', a);
  }

  /** Ends an activity with progress 100 and sends the `ended` frame. */
  end(a: Activity, context: ActivityContext): void {
    if (!this.running.delete(a.uuid)) return;
    a.progress = 100;
    a.context = context;
    this.emit('ended', a);
  }

  /** Forgets every activity without frames (a server restart loses them). */
  clear(): void {
    this.running.clear();
  }

  /** Whether an activity refers to an item key (`Context.key`). */
  isRunningFor(key: string): boolean {
    return [...this.running.values()].some((a) => a.context?.key === key);
  }

  /** `GET /activities`. */
  view(): Element {
    return mediaContainer({}, [...this.running.values()].map(activityElement));
  }

  private emit(event: 'started' | 'updated' | 'ended', a: Activity): void {
    this.hub.publish('activity', [{ event, uuid: a.uuid, Activity: toJsonObject(activityElement(a)) }]);
  }
}
