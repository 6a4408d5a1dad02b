/**
 * Knowing when a refresh finished — reference plex-api.md §4 "Robust wait", step by step:
 * 1. the notification stream is connected BEFORE the refresh is triggered (a fast refresh can end before a
 *    late subscriber sees it);
 * 2. (optional) the item is read before (`updatedAt`, fields) and after;
 * 3. `PUT …/refresh`, time recorded;
 * 4. `activity` frames of type `library.refresh.items` are tracked: an activity's `uuid` is remembered once
 *    any of its frames has `Context.key` = `/library/metadata/{id}` (the `started` frame has no Context, so
 *    later frames are correlated by uuid); done when that uuid sends `ended`. A `timeline` entry with
 *    `itemID` = id and `state` 5 (processed) also counts when no correlated activity is still open;
 * 5. fallback: `/activities` is polled every `pollIntervalMs`; done when no refresh activity references the
 *    item AND nothing about it was heard for `quietMs`. While the stream is healthy this needs evidence that the
 *    refresh ran (an activity seen); when the stream was down at any time during the wait it does not;
 * 6. an `ended` frame with `Context.exists:false` or `accessible:false` means the media file is missing — not an
 *    agent failure;
 * 7. the stream reconnects by itself (events.ts); overall `timeoutMs` ends the wait as `timed_out`.
 * One RefreshWatcher (one websocket) serves many refreshes, concurrent or paced.
 */
import { listActivities, REFRESH_ACTIVITY, type Activity, type ActivityContext } from './activities.ts';
import { ServerUnreachableError } from './errors.ts';
import { NotificationStream, type SocketFactory } from './events.ts';
import { getItem } from './library.ts';
import { refreshItem } from './items.ts';
import type { PlexItem } from './metadata.ts';
import { TIMELINE_PROCESSED, type Notification } from './notifications.ts';
import type { PlexConnection } from './request.ts';

export const REFRESH_RESULTS = ['ended', 'file_missing', 'timed_out'] as const;
export type RefreshResult = (typeof REFRESH_RESULTS)[number];
/** Which waiter decided: the activity's `ended` frame, a timeline state-5 entry, `/activities` polling, or the overall timeout. */
export const REFRESH_DECIDERS = ['activity', 'timeline', 'polling', 'timeout'] as const;
export type RefreshDecider = (typeof REFRESH_DECIDERS)[number];

/** What happened to one refresh. Times are epoch ms from the injected clock. */
export interface RefreshOutcome {
  ratingKey: string;
  result: RefreshResult;
  decidedBy: RefreshDecider;
  /** The correlated `library.refresh.items` activities (usually one). */
  activityUuids: string[];
  /** Context of the `ended` frame when one was seen (exists/accessible/refreshed/analyzed). */
  context?: ActivityContext;
  triggeredAt: number;
  finishedAt: number;
  durationMs: number;
  /** Frames about this item heard on the stream. */
  frames: number;
  /** True when the stream was connected when the refresh was triggered. */
  streamAtTrigger: boolean;
  /** True when the stream was down at any moment of the wait. */
  streamGap: boolean;
  reconnects: number;
  polls: number;
  pollErrors: number;
  /** True when a poll found the server unreachable (restarted or down during the wait): treat the result with care. */
  serverUnreachable: boolean;
  before?: PlexItem;
  after?: PlexItem;
}

/** Clock and sleep, injected so tests control time (the real ones by default). */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done);
    }),
};

export interface RefreshWaitOptions {
  /** Overall limit per refresh (default 120 s). */
  timeoutMs?: number;
  /** `/activities` polling interval (default 1500 ms). */
  pollIntervalMs?: number;
  /** Quiet period for the polling rule (default 4000 ms). */
  quietMs?: number;
  /** How long to wait for the stream before falling back to polling only (default 5000 ms). */
  connectTimeoutMs?: number;
  clock?: Clock;
  socketFactory?: SocketFactory;
  /** Reconnect back-off of the stream (default 500 ms). */
  backoffMs?: number;
  /** Read the item before and after (adds `before`/`after`). */
  snapshot?: boolean;
  /** Receives stream errors (already redacted); default: ignored, the wait decides by itself. */
  onStreamError?: (err: Error) => void;
}

interface Waiter {
  key: string;
  ratingKey: string;
  uuids: Set<string>;
  frames: number;
  lastRelatedAt: number;
  seenActivity: boolean;
  openUuids: Set<string>;
  timelineDone: boolean;
  /** Set when the stream was down at trigger time or at any moment since. */
  gap: boolean;
  decided?: { result: RefreshResult; by: RefreshDecider; context?: ActivityContext };
  wake: AbortController;
}

/** One notification stream shared by many refresh waits. */
export class RefreshWatcher {
  readonly #conn: PlexConnection;
  readonly #o: Required<Omit<RefreshWaitOptions, 'socketFactory' | 'onStreamError'>> & RefreshWaitOptions;
  #stream: NotificationStream | undefined;
  #waiters = new Set<Waiter>();

  constructor(conn: PlexConnection, o: RefreshWaitOptions = {}) {
    this.#conn = conn;
    this.#o = {
      ...o,
      timeoutMs: o.timeoutMs ?? 120_000,
      pollIntervalMs: o.pollIntervalMs ?? 1500,
      quietMs: o.quietMs ?? 4000,
      connectTimeoutMs: o.connectTimeoutMs ?? 5000,
      clock: o.clock ?? realClock,
      backoffMs: o.backoffMs ?? 500,
      snapshot: o.snapshot ?? false,
    };
  }

  /** Opens the stream; resolves false when it did not open in time (the waits then rely on polling). */
  async start(): Promise<boolean> {
    if (!this.#stream) {
      this.#stream = new NotificationStream(this.#conn, {
        onNotification: (n) => this.#dispatch(n),
        onError: (e) => this.#o.onStreamError?.(e),
        onState: (s) => {
          if (s !== 'open') for (const w of this.#waiters) w.gap = true;
        },
        socketFactory: this.#o.socketFactory,
        backoffMs: this.#o.backoffMs,
      });
    }
    return this.#stream.ready(this.#o.connectTimeoutMs);
  }

  /** Stops the stream. */
  close(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }

  /**
   * Triggers a refresh of `ratingKey` (default `PUT /library/metadata/{id}/refresh`, or `trigger`) and waits
   * for it as described above. Errors of the trigger itself (404, 401, unreachable) are thrown.
   */
  async refresh(ratingKey: string, trigger?: () => Promise<unknown>): Promise<RefreshOutcome> {
    const { clock } = this.#o;
    if (!this.#stream) await this.start();
    const streamAtTrigger = this.#stream?.state === 'open';
    const reconnectsBefore = this.#stream?.reconnects ?? 0;
    const before = this.#o.snapshot ? await getItem(this.#conn, ratingKey) : undefined;
    const w: Waiter = {
      key: `/library/metadata/${ratingKey}`,
      ratingKey,
      uuids: new Set(),
      frames: 0,
      lastRelatedAt: clock.now(),
      seenActivity: false,
      openUuids: new Set(),
      timelineDone: false,
      gap: !streamAtTrigger,
      wake: new AbortController(),
    };
    this.#waiters.add(w);
    let polls = 0;
    let pollErrors = 0;
    let serverUnreachable = false;
    const triggeredAt = clock.now();
    try {
      await (trigger ? trigger() : refreshItem(this.#conn, ratingKey));
      w.lastRelatedAt = clock.now();
      const deadline = triggeredAt + this.#o.timeoutMs;
      while (!w.decided) {
        const left = deadline - clock.now();
        if (left <= 0) {
          w.decided = { result: 'timed_out', by: 'timeout' };
          break;
        }
        await clock.sleep(Math.min(this.#o.pollIntervalMs, left), w.wake.signal);
        if (w.decided) break;
        if (clock.now() >= deadline) continue;
        let activities: Activity[];
        try {
          polls++;
          activities = await listActivities(this.#conn);
        } catch (err) {
          pollErrors++;
          if (err instanceof ServerUnreachableError) serverUnreachable = true;
          continue;
        }
        if (w.decided) break;
        this.#applyPoll(w, activities, w.gap || this.#stream?.state !== 'open');
      }
    } finally {
      this.#waiters.delete(w);
    }
    const finishedAt = clock.now();
    const after = this.#o.snapshot ? await getItem(this.#conn, ratingKey).catch(() => undefined) : undefined;
    const d = w.decided!;
    return {
      ratingKey,
      result: d.result,
      decidedBy: d.by,
      activityUuids: [...w.uuids],
      context: d.context,
      triggeredAt,
      finishedAt,
      durationMs: finishedAt - triggeredAt,
      frames: w.frames,
      streamAtTrigger,
      streamGap: w.gap,
      reconnects: (this.#stream?.reconnects ?? 0) - reconnectsBefore,
      polls,
      pollErrors,
      serverUnreachable,
      before,
      after,
    };
  }

  #dispatch(n: Notification): void {
    for (const w of this.#waiters) if (!w.decided) this.#onNotification(w, n);
  }

  #onNotification(w: Waiter, n: Notification): void {
    const now = this.#o.clock.now();
    if (n.kind === 'activity') {
      if (n.activity.type !== REFRESH_ACTIVITY && n.activity.type !== '') return;
      const uuid = n.uuid || n.activity.uuid;
      const keyed = n.activity.context.key === w.key;
      if (keyed) w.uuids.add(uuid);
      if (!w.uuids.has(uuid)) return;
      w.frames++;
      w.seenActivity = true;
      w.lastRelatedAt = now;
      if (n.event === 'ended') {
        w.openUuids.delete(uuid);
        const ctx = n.activity.context;
        const missing = ctx.exists === false || ctx.accessible === false;
        this.#decide(w, missing ? 'file_missing' : 'ended', 'activity', ctx);
      } else {
        w.openUuids.add(uuid);
      }
    } else if (n.kind === 'timeline' && n.itemID === w.ratingKey) {
      w.frames++;
      w.lastRelatedAt = now;
      if (n.state === TIMELINE_PROCESSED) {
        w.timelineDone = true;
        // An open refresh activity may still report a missing file in its `ended` frame: wait for it.
        if (w.openUuids.size === 0) this.#decide(w, 'ended', 'timeline');
      }
    }
  }

  #applyPoll(w: Waiter, activities: Activity[], degraded: boolean): void {
    const related = activities.filter(
      (a) => a.type === REFRESH_ACTIVITY && (a.context.key === w.key || w.uuids.has(a.uuid)),
    );
    const now = this.#o.clock.now();
    if (related.length > 0) {
      for (const a of related) w.uuids.add(a.uuid);
      w.seenActivity = true;
      w.lastRelatedAt = now;
      return;
    }
    // Activities we had seen open are gone: their `ended` frame was lost (or is late).
    w.openUuids.clear();
    const quiet = now - w.lastRelatedAt >= this.#o.quietMs;
    if (!quiet) return;
    if (w.timelineDone) this.#decide(w, 'ended', 'timeline');
    else if (w.seenActivity || degraded) this.#decide(w, 'ended', 'polling');
  }

  #decide(w: Waiter, result: RefreshResult, by: RefreshDecider, context?: ActivityContext): void {
    if (w.decided) return;
    w.decided = { result, by, context };
    w.wake.abort();
  }
}

/**
 * Convenience for a single item: opens a stream, refreshes, waits, closes. For many items share one
 * RefreshWatcher instead.
 */
export async function waitForRefresh(conn: PlexConnection, ratingKey: string, o: RefreshWaitOptions & { trigger?: () => Promise<unknown> } = {}): Promise<RefreshOutcome> {
  const watcher = new RefreshWatcher(conn, o);
  try {
    await watcher.start();
    return await watcher.refresh(ratingKey, o.trigger);
  } finally {
    watcher.close();
  }
}
