/**
 * The notification stream: one websocket to `/:/websockets/notifications` (the plural path every
 * field-tested client uses; token as query parameter as python-plexapi alert.py does), reconnected with
 * exponential back-off when it drops (Tautulli reconnects with back-off and pings), with a ping/pong
 * heartbeat that tears down a silent connection. Callbacks are injected (python-plexapi AlertListener's
 * `callback`/`callbackError`): a throwing callback is reported through `onError` and never ends the stream.
 * Errors never carry the token (the URL holds it: messages are redacted).
 */
import WebSocket from 'ws';
import { redact } from '../redact.ts';
import { TokenRejectedError } from './errors.ts';
import { parseNotifications, type Notification } from './notifications.ts';
import type { PlexConnection } from './request.ts';

export const NOTIFICATIONS_PATH = '/:/websockets/notifications';

/** The few websocket features used (ws@8's client has them). */
export interface SocketLike {
  on(event: 'open' | 'close' | 'pong', fn: () => void): unknown;
  on(event: 'message', fn: (data: unknown) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'unexpected-response', fn: (req: unknown, res: { statusCode?: number }) => void): unknown;
  close(): void;
  terminate(): void;
  ping(): void;
}

/** Opens a socket (the real adapter is ws@8). */
export type SocketFactory = (url: string, headers: Record<string, string>) => SocketLike;

export const wsSocketFactory: SocketFactory = (url, headers) =>
  new WebSocket(url, { headers, handshakeTimeout: 10_000 }) as unknown as SocketLike;

export type StreamState = 'connecting' | 'open' | 'closed';

export interface NotificationStreamOptions {
  onNotification: (n: Notification) => void;
  onError?: (err: Error) => void;
  /** Called on every open/close; `reconnects` counts opens after the first. */
  onState?: (state: StreamState, reconnects: number) => void;
  /** Plex `filters` (default: Plex's own `-log`, i.e. everything but log lines). */
  filters?: string;
  socketFactory?: SocketFactory;
  /** First reconnect delay (doubles up to maxBackoffMs). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Heartbeat: ping this often; no pong by the next ping = dead connection. 0 disables. */
  pingIntervalMs?: number;
}

/** A self-healing subscription to Plex notifications. Call `close()` to stop it for good. */
export class NotificationStream {
  #socket: SocketLike | undefined;
  #state: StreamState = 'connecting';
  #closed = false;
  #attempt = 0;
  #opens = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #waiters: Array<() => void> = [];
  readonly #conn: PlexConnection;
  readonly #o: Required<Omit<NotificationStreamOptions, 'onError' | 'onState' | 'filters'>> & NotificationStreamOptions;

  constructor(conn: PlexConnection, o: NotificationStreamOptions) {
    this.#conn = conn;
    this.#o = {
      ...o,
      socketFactory: o.socketFactory ?? wsSocketFactory,
      backoffMs: o.backoffMs ?? 500,
      maxBackoffMs: o.maxBackoffMs ?? 15_000,
      pingIntervalMs: o.pingIntervalMs ?? 15_000,
    };
    this.#connect();
  }

  get state(): StreamState {
    return this.#state;
  }

  /** Number of successful reconnections after the first connection. */
  get reconnects(): number {
    return Math.max(0, this.#opens - 1);
  }

  /** Resolves true once the socket is open, false when `timeoutMs` passes first or the stream is closed. */
  ready(timeoutMs: number): Promise<boolean> {
    if (this.#state === 'open') return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => done(false), timeoutMs);
      const done = (v: boolean) => {
        clearTimeout(t);
        this.#waiters = this.#waiters.filter((w) => w !== onOpen);
        resolve(v);
      };
      const onOpen = () => done(this.#state === 'open');
      this.#waiters.push(onOpen);
    });
  }

  /** Stops the stream; no reconnect follows. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    const s = this.#socket;
    this.#socket = undefined;
    if (s) {
      try {
        s.close();
        s.terminate();
      } catch {
        /* already closed */
      }
    }
    this.#setState('closed');
    for (const w of this.#waiters.splice(0)) w();
  }

  #setState(s: StreamState): void {
    this.#state = s;
    this.#o.onState?.(s, this.reconnects);
  }

  #error(err: Error): void {
    const clean = err.name === 'TokenRejectedError' ? err : new Error(redact(err.message, this.#conn.secrets));
    try {
      this.#o.onError?.(clean);
    } catch {
      /* an error callback that throws must not end the stream */
    }
  }

  #connect(): void {
    if (this.#closed) return;
    this.#setState('connecting');
    const url = this.#conn.websocketUrl(NOTIFICATIONS_PATH, { filters: this.#o.filters });
    let socket: SocketLike;
    try {
      socket = this.#o.socketFactory(url, this.#conn.headers('json'));
    } catch (err) {
      this.#error(err as Error);
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    let alive = true;
    let rejected = false;
    let reported = false;
    socket.on('open', () => {
      if (this.#socket !== socket) return;
      this.#attempt = 0;
      this.#opens++;
      this.#setState('open');
      for (const w of this.#waiters.splice(0)) w();
      if (this.#o.pingIntervalMs > 0) {
        clearInterval(this.#pingTimer);
        this.#pingTimer = setInterval(() => {
          if (!alive) {
            socket.terminate();
            return;
          }
          alive = false;
          try {
            socket.ping();
          } catch {
            /* closing */
          }
        }, this.#o.pingIntervalMs);
      }
    });
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('message', (data) => {
      alive = true;
      let list: Notification[];
      try {
        list = parseNotifications(String(data));
      } catch (err) {
        this.#error(new Error(`unreadable notification frame: ${(err as Error).message}`));
        return;
      }
      for (const n of list) {
        try {
          this.#o.onNotification(n);
        } catch (err) {
          this.#error(err as Error);
        }
      }
    });
    socket.on('unexpected-response', (_req, res) => {
      reported = true;
      if (res.statusCode === 401) {
        rejected = true;
        this.#error(new TokenRejectedError(this.#conn.url, this.#conn.hasToken));
      } else {
        this.#error(new Error(`notification websocket refused with HTTP ${res.statusCode ?? '?'}`));
      }
      socket.terminate();
    });
    socket.on('error', (err) => {
      // After an HTTP refusal ws also reports "closed before the connection was established": said already.
      if (!reported) this.#error(err);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      clearInterval(this.#pingTimer);
      this.#socket = undefined;
      if (this.#closed) return;
      if (rejected) {
        // A wrong token will not become right by retrying.
        this.close();
        return;
      }
      this.#setState('connecting');
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = Math.min(this.#o.maxBackoffMs, this.#o.backoffMs * 2 ** this.#attempt);
    this.#attempt++;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }
}
