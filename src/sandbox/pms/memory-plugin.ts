/**
 * An in-memory agent plug-in: the `AgentPlugin` port without Python, for tests of the emulator and of the
 * Plex client. Its behaviour is given as functions; it records every call and every (re)start, and can be
 * told to fail its next start (as a plug-in refused by RestrictedPython does).
 */
import type { AgentInfo, AgentPlugin, MetadataOut, SearchMedia, SearchResultOut } from './types.ts';

/** What an in-memory plug-in answers (absent = no results / no metadata). */
export interface MemoryPluginBehaviour {
  search?: (media: SearchMedia, lang: string, manual: boolean) => SearchResultOut[] | Promise<SearchResultOut[]>;
  update?: (id: string, media: SearchMedia, lang: string) => MetadataOut | null | Promise<MetadataOut | null>;
}

/** One recorded call. */
export interface MemoryCall {
  op: 'search' | 'update';
  mediaId: string;
  id?: string;
  guid?: string;
  manual?: boolean;
}

/** An `AgentPlugin` kept in memory; `failNextStart` simulates a plug-in that does not load. */
export class MemoryPlugin implements AgentPlugin {
  readonly calls: MemoryCall[] = [];
  /** One entry per start or restart, with its outcome. */
  readonly starts: boolean[] = [];
  running = false;
  /** When set, the next start/restart fails with this error (and the plug-in stays down). */
  failNextStart: string | undefined;
  behaviour: MemoryPluginBehaviour;

  constructor(readonly bundleId: string, behaviour: MemoryPluginBehaviour = {}) {
    this.behaviour = behaviour;
  }

  async start(): Promise<{ ok: boolean; error?: string }> {
    const error = this.failNextStart;
    this.failNextStart = undefined;
    this.running = error === undefined;
    this.starts.push(this.running);
    return error === undefined ? { ok: true } : { ok: false, error };
  }

  restart(): Promise<{ ok: boolean; error?: string }> {
    return this.start();
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  async search(media: SearchMedia, lang: string, manual: boolean): Promise<SearchResultOut[]> {
    if (!this.running) throw new Error(`plug-in ${this.bundleId} is not running`);
    this.calls.push({ op: 'search', mediaId: media.id, guid: media.guid, manual });
    return this.behaviour.search ? await this.behaviour.search(media, lang, manual) : [];
  }

  async update(id: string, media: SearchMedia, lang: string): Promise<MetadataOut | null> {
    if (!this.running) throw new Error(`plug-in ${this.bundleId} is not running`);
    this.calls.push({ op: 'update', mediaId: media.id, id, guid: media.guid });
    return this.behaviour.update ? await this.behaviour.update(id, media, lang) : null;
  }
}

/** Agent facts for an in-memory plug-in. */
export function memoryAgentInfo(identifier: string, opts: Partial<AgentInfo> = {}): AgentInfo {
  return {
    identifier,
    name: opts.name ?? identifier.split('.').pop()!,
    primary: opts.primary ?? false,
    hasPrefs: opts.hasPrefs ?? false,
    contributesTo: opts.contributesTo ?? [],
    languages: opts.languages ?? ['en'],
  };
}
