/**
 * The emulator's inputs: the library it serves and the agent plug-ins it drives. The plug-in interface is
 * the shape of the sandbox runtime's `PluginHost` (src/sandbox/runtime/host.ts), stated structurally so the
 * emulator runs with any implementation of it: the real Python host, or the in-memory `MemoryPlugin`.
 */

import type { MetadataOut, SearchMedia, SearchResultOut } from '../runtime/host.ts';

/**
 * What Plex hands an agent's `search`/`update` about the item (`media`), one appended
 * `MetadataSearchResult`, and the metadata an `update` filled in: the runtime host's own types.
 */
export type { MetadataOut, SearchMedia, SearchResultOut };

/** A running agent plug-in (one process per plug-in, as Plex spawns them). */
export interface AgentPlugin {
  readonly bundleId: string;
  start(): Promise<{ ok: boolean; error?: string }>;
  restart(): Promise<{ ok: boolean; error?: string }>;
  stop(): Promise<void>;
  search(media: SearchMedia, lang: string, manual: boolean): Promise<SearchResultOut[]>;
  update(id: string, media: SearchMedia, lang: string): Promise<MetadataOut | null>;
  /** Optional: re-read saved preferences without a restart (the framework applies a set at once). */
  reloadPrefs?(): Promise<void>;
}

/** Static facts about an agent, as `/system/agents` lists them. */
export interface AgentInfo {
  identifier: string;
  name: string;
  primary: boolean;
  hasPrefs: boolean;
  /** Primary agents this one contributes to (PGMA `contributes_to`). */
  contributesTo: string[];
  languages: string[];
}

/** A plug-in the emulator knows: its process, its facts and (for real bundles) its folder. */
export interface PluginSpec {
  plugin: AgentPlugin;
  info: AgentInfo;
  /** `<name>.bundle` folder: enables Info.plist-touch restarts and `DefaultPrefs.json`. */
  bundleDir?: string;
}

/** One library section (movie sections only: what PGMA serves). */
export interface SectionSpec {
  id: number;
  title: string;
  /** The primary agent's identifier, e.g. `com.plexapp.agents.GayAdultFilms`. */
  agent: string;
  /** Contributing agents in the order configured in Settings → Agents. */
  contributors: string[];
  language?: string;
  locations: string[];
}

/** One film as the scanner found it. */
export interface ItemSpec {
  ratingKey: string;
  sectionId: number;
  /** The title the scanner derived from the file name. */
  title: string;
  year?: number;
  file: string;
  /** Milliseconds. */
  duration?: number;
  size?: number;
  /** The file is gone: a refresh ends with `exists:false` and runs no agent. */
  missing?: boolean;
  /** Present when the item is already matched (the primary's search result id). */
  matchedId?: string;
}

/** The library to serve: sections and items (E2's `scenarioLibrary()` produces this shape). */
export interface LibrarySpec {
  sections: SectionSpec[];
  items: ItemSpec[];
}
