/**
 * Plex's push notifications: the websocket `/:/websockets/notifications` (the plural path every
 * field-tested client uses) and the SSE stream `/:/eventsource/notifications` (reference plex-api.md §4).
 *
 * Websocket frames are `{"NotificationContainer":{"type":T,"size":N,"<Child>":[…]}}`; SSE events are
 * `event: T` + `data: {"<Child>":{…}}` with no wrapper and one object, plus a `ping` every 10 s. The
 * `filters` query parameter selects types (`activity,timeline`) or excludes them (`-log`, the default).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** Notification types with the child array name Plex gives each. */
export const NOTIFICATION_CHILD = {
  activity: 'ActivityNotification',
  timeline: 'TimelineEntry',
  status: 'StatusNotification',
  progress: 'ProgressNotification',
  log: 'LogSentNotification',
  playing: 'PlaySessionStateNotification',
} as const;
/** A notification type the hub can publish. */
export type NotificationType = keyof typeof NOTIFICATION_CHILD;

/** A type filter parsed from `filters=` (default `-log`). */
export interface TypeFilter {
  include: Set<string> | null;
  exclude: Set<string>;
}

/** Parses Plex's `filters` parameter: names to include, `-name` to exclude. */
export function parseFilters(raw: string | null): TypeFilter {
  const parts = (raw ?? '-log').split(',').map((s) => s.trim()).filter(Boolean);
  const include = new Set<string>();
  const exclude = new Set<string>();
  for (const p of parts) (p.startsWith('-') ? exclude : include).add(p.replace(/^-/, ''));
  return { include: include.size > 0 ? include : null, exclude };
}

function accepts(filter: TypeFilter, type: string): boolean {
  if (filter.exclude.has(type)) return false;
  return filter.include === null || filter.include.has(type);
}

interface SseClient {
  res: ServerResponse;
  filter: TypeFilter;
  ping: NodeJS.Timeout;
}

/** Fans notifications out to every connected websocket and SSE client. */
export class NotificationHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<WebSocket, TypeFilter>();
  private readonly sse = new Set<SseClient>();
  /** Every frame published, newest last (tests read it; bounded). */
  readonly history: Array<{ type: string; entries: unknown[] }> = [];

  constructor(private readonly pingMs = 10_000) {}

  /** Completes a websocket upgrade the server already authorised. */
  acceptWebsocket(req: IncomingMessage, socket: Duplex, head: Buffer, filters: string | null): void {
    const filter = parseFilters(filters);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.set(ws, filter);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('error', () => this.sockets.delete(ws));
    });
  }

  /** Starts an SSE stream on an authorised request. */
  acceptEventSource(res: ServerResponse, filters: string | null): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.write('event: ping\ndata: {}\n\n');
    const client: SseClient = {
      res,
      filter: parseFilters(filters),
      ping: setInterval(() => res.write('event: ping\ndata: {}\n\n'), this.pingMs),
    };
    client.ping.unref();
    this.sse.add(client);
    res.on('close', () => {
      clearInterval(client.ping);
      this.sse.delete(client);
    });
  }

  /** Number of connected websocket clients. */
  get websocketCount(): number {
    return this.sockets.size;
  }

  /** Sends one notification of `type` carrying `entries` to every client whose filter takes it. */
  publish(type: NotificationType, entries: Array<Record<string, unknown>>): void {
    const child = NOTIFICATION_CHILD[type];
    this.history.push({ type, entries });
    if (this.history.length > 2000) this.history.splice(0, this.history.length - 2000);
    const frame = JSON.stringify({ NotificationContainer: { type, size: entries.length, [child]: entries } });
    for (const [ws, filter] of this.sockets) {
      if (accepts(filter, type) && ws.readyState === ws.OPEN) ws.send(frame);
    }
    for (const c of this.sse) {
      if (!accepts(c.filter, type)) continue;
      for (const e of entries) c.res.write(`event: ${type}\ndata: ${JSON.stringify({ [child]: e })}\n\n`);
    }
  }

  /** Fault: cuts every websocket connection abruptly (no close frame), as a network drop does. */
  dropWebsockets(): number {
    const n = this.sockets.size;
    for (const ws of this.sockets.keys()) ws.terminate();
    this.sockets.clear();
    return n;
  }

  /** Ends every stream (server shutdown or restart). */
  closeAll(): void {
    for (const ws of this.sockets.keys()) ws.terminate();
    this.sockets.clear();
    for (const c of this.sse) {
      clearInterval(c.ping);
      c.res.destroy();
    }
    this.sse.clear();
  }

  /** Releases the websocket server. */
  async close(): Promise<void> {
    this.closeAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
