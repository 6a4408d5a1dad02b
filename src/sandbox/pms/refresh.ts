/**
 * The metadata refresh queue behind `PUT /library/metadata/<id>/refresh` (and `match`). The PUT returns at
 * once; the work is asynchronous, a few items at a time. Each job is one `library.refresh.items` activity
 * with the frame sequence of the captured real refresh (fixtures/plex-api/ws-activity-refresh-item.jsonl):
 * `started` (progress 0, no Context) → `updated` "Checking files" (0) → "Refreshing local metadata" (33) →
 * "Refreshing media analysis" (66) → `ended` (100, Context{accessible,analyzed,exists,key,refreshed}); the
 * agents run between 33 and 66. Timeline entries follow plexapi's state codes: 3 (downloading metadata)
 * while agents run, 5 (processed) when done. A missing file ends with `exists:false`, `accessible:false`
 * and runs no agent. How many jobs Plex runs at once is UNVERIFIED; the default here is 2.
 */
import type { Activities, Activity } from './activities.ts';
import { runAgents, type AgentRun } from './agents.ts';
import type { Faults } from './faults.ts';
import type { Item, Library } from './library.ts';
import type { NotificationHub } from './notifications.ts';
import type { PluginRegistry } from './plugins.ts';

/** What the refresh queue works with. */
export interface RefreshDeps {
  lib: Library;
  plugins: PluginRegistry;
  activities: Activities;
  hub: NotificationHub;
  faults: Faults;
  /** Seconds since the epoch (Plex's `updatedAt` unit). */
  nowSeconds: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Called after each finished refresh (the library changed). */
  onDone?: (record: RefreshRecord) => void;
}

/** How the queue paces itself. */
export interface RefreshOptions {
  concurrency: number;
  /** Pause between the activity's steps, in ms (fast by default; `--realistic-timing` makes it slower). */
  stepDelayMs: number;
}

/** A finished refresh, for tests and the sandbox's own log. */
export interface RefreshRecord {
  ratingKey: string;
  uuid: string;
  run?: AgentRun;
  missing: boolean;
}

interface Job {
  item: Item;
  activity: Activity;
}

/** The refresh queue: `enqueue(item)`, `idle()`, `clear()`, and `done` (finished refreshes). */
export class RefreshQueue {
  private readonly waiting: Job[] = [];
  private active = 0;
  private generation = 0;
  private idleWaiters: Array<() => void> = [];
  readonly done: RefreshRecord[] = [];

  constructor(private readonly deps: RefreshDeps, private readonly opts: RefreshOptions) {}

  /**
   * Queues a refresh of `item` and sends its `started` frame. A refresh of an item that is already
   * waiting is merged into it (Plex does not queue the same item twice).
   */
  enqueue(item: Item): void {
    if (this.waiting.some((j) => j.item === item)) return;
    const activity = this.deps.activities.start('library.refresh.items', 'Refreshing', { key: `/library/metadata/${item.ratingKey}` });
    this.waiting.push({ item, activity });
    this.pump();
  }

  /** Jobs waiting or running. */
  get pending(): number {
    return this.waiting.length + this.active;
  }

  /** Resolves when no job is waiting or running (stalled jobs excepted: they never count as running). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops every job (a server restart): running ones stop at their next step and send nothing more. */
  clear(): void {
    this.generation += 1;
    this.waiting.length = 0;
    this.active = 0;
    this.notifyIdle();
  }

  private pump(): void {
    while (this.active < this.opts.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.active += 1;
      const gen = this.generation;
      void this.process(job, gen).finally(() => {
        if (gen !== this.generation) return;
        this.active -= 1;
        this.pump();
        this.notifyIdle();
      });
    }
  }

  private notifyIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async process(job: Job, gen: number): Promise<void> {
    const { item, activity } = job;
    const { activities, hub, faults, lib, sleep } = this.deps;
    const current = () => gen === this.generation;
    const key = `/library/metadata/${item.ratingKey}`;
    const step = () => sleep(this.opts.stepDelayMs);

    await step();
    if (!current()) return;
    if (faults.takeWebsocketDrop()) hub.dropWebsockets();
    activities.update(activity, { subtitle: 'Checking files', progress: 0, context: { key } });
    if (faults.isStalled(item.ratingKey)) return; // the job hangs: its activity never ends

    await step();
    if (!current()) return;
    if (item.spec.missing) {
      activities.update(activity, { subtitle: 'Refreshing local metadata', progress: 33, context: { accessible: false, exists: false, key } });
      await step();
      if (!current()) return;
      activities.end(activity, { accessible: false, analyzed: false, exists: false, key, refreshed: false });
      this.finish({ ratingKey: item.ratingKey, uuid: activity.uuid, missing: true });
      return;
    }
    activities.update(activity, { subtitle: 'Refreshing local metadata', progress: 33, context: { accessible: true, exists: true, key } });
    this.timeline(item, 3, 'loading');
    const run = await runAgents(this.deps.plugins, item, current);
    if (!current()) return;
    lib.touch(item, this.deps.nowSeconds());
    activities.update(activity, { subtitle: 'Refreshing media analysis', progress: 66, context: { accessible: true, exists: true, key, refreshed: false } });
    await step();
    if (!current()) return;
    this.timeline(item, 5, undefined);
    activities.end(activity, { accessible: true, analyzed: false, exists: true, key, refreshed: run.changed });
    this.finish({ ratingKey: item.ratingKey, uuid: activity.uuid, run, missing: false });
  }

  private finish(record: RefreshRecord): void {
    this.done.push(record);
    if (this.done.length > 10_000) this.done.splice(0, this.done.length - 10_000);
    this.deps.onDone?.(record);
  }

  private timeline(item: Item, state: number, metadataState: string | undefined): void {
    const entry: Record<string, unknown> = {
      identifier: 'com.plexapp.plugins.library',
      sectionID: String(item.section.spec.id),
      itemID: item.ratingKey,
      type: 1,
      title: this.deps.lib.combined(item).title,
      state,
    };
    if (metadataState) entry.metadataState = metadataState;
    entry.updatedAt = item.updatedAt;
    this.deps.hub.publish('timeline', [entry]);
  }
}
