/**
 * The plug-ins the emulator runs, as Plex's plug-in manager does: one process per bundle, started with the
 * server, restarted by `GET /:/plugins/<id>/restart` or when the bundle's `Contents/Info.plist` mtime
 * changes (System.bundle's own `restart()` only touches that file; reference plex-api.md §5). Also the
 * plug-in and agent listings (`/:/plugins`, `/system/agents`) served by the legacy System plug-in.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { el, mediaContainer, type Element } from './container.ts';
import { PluginPrefs } from './prefs.ts';
import type { AgentPlugin, PluginSpec } from './types.ts';

/** Why a plug-in was (re)started. */
export type RestartReason = 'start' | 'http' | 'plist' | 'prefs';

/** One plug-in's runtime state. */
export interface PluginEntry {
  readonly spec: PluginSpec;
  readonly prefs: PluginPrefs;
  /** `running` after a successful start; `failed` when the plug-in did not load (e.g. a RestrictedPython refusal). */
  state: 'running' | 'failed' | 'stopped';
  lastError?: string;
  /** Every (re)start, oldest first (tests and the sandbox CLI read it). */
  starts: Array<{ reason: RestartReason; ok: boolean; at: number }>;
  plistMtimeMs?: number;
  pending?: Promise<void>;
}

/** The legacy System plug-in, which serves `/system/agents` and is always listed as running. */
export const SYSTEM_PLUGIN = 'com.plexapp.system';

/** Plex's media type code for movies (the only type the sandbox serves). */
export const MOVIE_TYPE = 1;

/** The installed plug-ins, their state and (re)starts, the Info.plist watcher and the listings. */
export class PluginRegistry {
  readonly entries = new Map<string, PluginEntry>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(specs: PluginSpec[], supportDir: string | undefined, private readonly now: () => number = Date.now) {
    for (const spec of specs) {
      const id = spec.info.identifier;
      this.entries.set(id, { spec, prefs: new PluginPrefs(id, spec.bundleDir, supportDir), state: 'stopped', starts: [] });
    }
  }

  get(identifier: string): PluginEntry | undefined {
    return this.entries.get(identifier);
  }

  /** The running plug-in process for an agent, or undefined when it is not installed. */
  plugin(identifier: string): AgentPlugin | undefined {
    return this.entries.get(identifier)?.spec.plugin;
  }

  /** Starts every plug-in (in parallel) and remembers each Info.plist mtime. */
  async startAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map(async (e) => {
      e.plistMtimeMs = await this.plistMtime(e);
      await this.run(e, 'start');
    }));
  }

  /** Restarts one plug-in; resolves when it is up (or failed). */
  async restart(identifier: string, reason: RestartReason): Promise<PluginEntry | undefined> {
    const e = this.entries.get(identifier);
    if (!e) return undefined;
    await this.run(e, reason);
    return e;
  }

  private async run(e: PluginEntry, reason: RestartReason): Promise<void> {
    const previous = e.pending ?? Promise.resolve();
    const next = previous.then(async () => {
      let res: { ok: boolean; error?: string };
      try {
        res = reason === 'start' ? await e.spec.plugin.start() : await e.spec.plugin.restart();
      } catch (err) {
        res = { ok: false, error: (err as Error).message };
      }
      e.state = res.ok ? 'running' : 'failed';
      e.lastError = res.error;
      e.starts.push({ reason, ok: res.ok, at: this.now() });
    });
    e.pending = next;
    await next;
  }

  /** Polls every bundle's Info.plist; a changed mtime restarts that plug-in. */
  watchPlists(intervalMs: number): void {
    this.timer = setInterval(() => void this.pollOnce(), intervalMs);
    this.timer.unref();
  }

  /** One poll of the Info.plist mtimes (exposed so tests need not wait for the timer). */
  async pollOnce(): Promise<string[]> {
    if (this.polling) return [];
    this.polling = true;
    const restarted: string[] = [];
    try {
      for (const e of this.entries.values()) {
        const m = await this.plistMtime(e);
        if (m === undefined || e.plistMtimeMs === undefined) {
          e.plistMtimeMs ??= m;
          continue;
        }
        if (m !== e.plistMtimeMs) {
          e.plistMtimeMs = m;
          restarted.push(e.spec.info.identifier);
          await this.run(e, 'plist');
        }
      }
    } finally {
      this.polling = false;
    }
    return restarted;
  }

  private async plistMtime(e: PluginEntry): Promise<number | undefined> {
    if (!e.spec.bundleDir) return undefined;
    try {
      return (await stat(join(e.spec.bundleDir, 'Contents', 'Info.plist'))).mtimeMs;
    } catch {
      return undefined;
    }
  }

  /** Stops the watcher and every plug-in process. */
  async stopAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.entries.values()].map(async (e) => {
      await (e.pending ?? Promise.resolve()).catch(() => undefined);
      await e.spec.plugin.stop().catch(() => undefined);
      e.state = 'stopped';
    }));
  }

  /** `GET /:/plugins`: `Plugin` elements, `state="0"` when running (System.bundle's convention). */
  pluginsView(): Element {
    return mediaContainer({}, [el('Plugin', { identifier: SYSTEM_PLUGIN, name: 'System', state: '0' }), ...[...this.entries.values()].map((e) =>
      el('Plugin', {
        identifier: e.spec.info.identifier,
        name: e.spec.info.name,
        state: e.state === 'running' ? '0' : e.state === 'failed' ? '2' : '1',
      }))]);
  }

  /**
   * `GET /system/agents` (every agent with its media types and languages) or, with `mediaType`, the
   * agents for that type; both include Plex's dummy `com.plexapp.agents.none` (reference plex-api.md §5;
   * the MediaType `name` "Movies" is UNVERIFIED).
   */
  agentsView(mediaType: number | undefined): Element {
    const agents = [...this.entries.values()].map((e) => e.spec.info);
    const langs = (l: string[]) => l.map((code) => el('Language', { code }));
    const none = { identifier: 'com.plexapp.agents.none', name: 'Personal Media', primary: true, hasPrefs: false, languages: ['xn'] };
    const all = [...agents, none];
    if (mediaType === undefined) {
      return mediaContainer({ identifier: 'com.plexapp.system' }, all.map((a) =>
        el('Agent', { identifier: a.identifier, hasPrefs: a.hasPrefs, hasAttribution: false, primary: a.primary }, [
          el('MediaType', { mediaType: MOVIE_TYPE, name: 'Movies' }, langs(a.languages)),
        ])));
    }
    if (mediaType !== MOVIE_TYPE) return mediaContainer({ identifier: 'com.plexapp.system' }, []);
    return mediaContainer({ identifier: 'com.plexapp.system' },
      all.map((a) => el('Agent', { identifier: a.identifier, name: a.name, hasPrefs: a.hasPrefs }, langs(a.languages))));
  }
}
