/**
 * Fault injection for tests: the failures a real Plex shows that plexmend must survive — a refresh that
 * never ends, a notification socket that drops mid-refresh, 5xx answers, slow answers. (A server restart
 * is `PmsEmulator.restart()`.) Nothing here is active unless a test switches it on.
 */

/** One planned HTTP failure. */
export interface PlannedFailure {
  method?: string;
  path: RegExp;
  status: number;
  remaining: number;
}

/** The fault switches of one emulator (`emulator.faults`). */
export class Faults {
  private stallAll = false;
  private readonly stalled = new Set<string>();
  private dropOnRefresh = 0;
  private readonly failures: PlannedFailure[] = [];
  /** Extra delay before every HTTP answer, in ms. */
  latencyMs = 0;

  /** Refreshes of these items (all items when none given) stop after "Checking files" and never end. */
  stallRefreshes(ratingKeys?: string[]): void {
    if (!ratingKeys) this.stallAll = true;
    else for (const k of ratingKeys) this.stalled.add(k);
  }

  /** Lets new refreshes end again (already stalled ones stay stalled, as a hung job would). */
  unstallRefreshes(): void {
    this.stallAll = false;
    this.stalled.clear();
  }

  isStalled(ratingKey: string): boolean {
    return this.stallAll || this.stalled.has(ratingKey);
  }

  /** The next `count` refreshes cut every websocket right after their `started` frame. */
  dropWebsocketsOnRefresh(count = 1): void {
    this.dropOnRefresh += count;
  }

  /** Consumes one planned websocket drop; true when this refresh should drop the sockets. */
  takeWebsocketDrop(): boolean {
    if (this.dropOnRefresh <= 0) return false;
    this.dropOnRefresh -= 1;
    return true;
  }

  /** The next `count` requests whose path matches answer `status` (default 500) instead. */
  failRequests(path: RegExp | string, opts: { status?: number; count?: number; method?: string } = {}): void {
    const re = typeof path === 'string' ? new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : path;
    this.failures.push({ path: re, status: opts.status ?? 500, remaining: opts.count ?? 1, method: opts.method?.toUpperCase() });
  }

  /** The status to fail this request with, consuming one planned failure, or undefined. */
  takeFailure(method: string, path: string): number | undefined {
    const f = this.failures.find((x) => x.remaining > 0 && (!x.method || x.method === method) && x.path.test(path));
    if (!f) return undefined;
    f.remaining -= 1;
    return f.status;
  }

  /** Switches every fault off. */
  reset(): void {
    this.unstallRefreshes();
    this.dropOnRefresh = 0;
    this.failures.length = 0;
    this.latencyMs = 0;
  }
}
