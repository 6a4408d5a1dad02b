/**
 * The notification stream over Server-Sent Events — `GET /:/eventsource/notifications` with
 * `Accept: text/event-stream` (reference plex-api.md §4): the same notifications as the websocket, as
 * `event: <type>` + `data: <json>` blocks without the NotificationContainer wrapper, the child one object, and
 * an `event: ping` every 10 s. For networks where a proxy blocks websockets. Exposed as a SocketFactory
 * (events.ts), so NotificationStream's reconnect and heartbeat work unchanged: a `ping` event counts as a pong.
 */
import { EventEmitter } from 'node:events';
import type { SocketFactory, SocketLike } from './events.ts';

export const EVENTSOURCE_PATH = '/:/eventsource/notifications';

/** One parsed SSE block. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Splits SSE text into complete events; returns them and the unfinished rest. Comment lines (`:`) are skipped. */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const text = buffer.replace(/\r\n?/g, '\n');
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n\n', start);
    if (end < 0) break;
    const block = text.slice(start, end);
    start = end + 2;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0 || event !== 'message') events.push({ event, data: data.join('\n') });
  }
  return { events, rest: text.slice(start) };
}

class SseSocket extends EventEmitter implements SocketLike {
  readonly #ac = new AbortController();
  #closed = false;

  constructor(url: string, headers: Record<string, string>) {
    super();
    // Listeners are attached right after construction: start on the next tick.
    setImmediate(() => void this.#run(url, headers));
  }

  async #run(url: string, headers: Record<string, string>): Promise<void> {
    try {
      const res = await fetch(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal: this.#ac.signal });
      if (res.status !== 200 || !res.body) {
        this.emit('unexpected-response', undefined, { statusCode: res.status });
        await res.body?.cancel().catch(() => {});
        this.#finish();
        return;
      }
      this.emit('open');
      const decoder = new TextDecoder();
      let rest = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const parsed = parseSse(rest + decoder.decode(chunk, { stream: true }));
        rest = parsed.rest;
        for (const e of parsed.events) {
          if (e.event === 'ping') this.emit('pong');
          else if (e.data) this.emit('message', e.data);
        }
      }
    } catch (err) {
      if (!this.#closed) this.emit('error', err instanceof Error ? err : new Error(String(err)));
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }

  close(): void {
    this.#ac.abort();
    this.#finish();
  }

  terminate(): void {
    this.close();
  }

  /** SSE has no client ping; the server's `ping` events arrive as 'pong'. */
  ping(): void {}
}

/**
 * A SocketFactory that opens the SSE stream instead of the websocket: the websocket URL NotificationStream
 * builds (`ws://host/:/websockets/notifications?filters=…&X-Plex-Token=…`) is turned into
 * `http://host/:/eventsource/notifications?…`; the token also travels as a header.
 */
export const sseSocketFactory: SocketFactory = (wsUrl, headers) => {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = EVENTSOURCE_PATH;
  u.searchParams.delete('X-Plex-Token');
  return new SseSocket(u.toString(), headers);
};
