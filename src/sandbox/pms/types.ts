/**
 * The emulator's inputs: the library it serves and the agent plug-ins it drives. The plug-in interface is
 * the shape of the sandbox runtime's `PluginHost` (src/sandbox/runtime/host.ts), restated here
 * structurally so the emulator runs with any implementation of it: the real Python host, or an in-memory
 * runner in tests.
 */

/** What Plex hands an agent's `search`/`update` about the item (legacy framework `media` object). */
export interface SearchMedia {
  id: string;
  name: string;
  year?: number;
  filename: string;
  /** Milliseconds, as Plex stores a part's duration. */
  duration?: number;
  /** The primary agent's guid, given to contributing agents. */
  guid?: string;
}

/** One `MetadataSearchResult` an agent appended. */
export interface SearchResultOut {
  id: string;
  name: string;
  score: number;
  year?: number;
  lang: string;
}

/** The metadata object an agent's `update` filled in. */
export interface MetadataOut {
  title?: string;
  summary?: string;
  studio?: string;
  originally_available_at?: string;
  year?: number;
  roles?: { name: string; role?: string; photo?: string }[];
  posters?: string[];
  genres?: string[];
  collections?: string[];
  directors?: string[];
  rating?: number;
}

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

export interface LibrarySpec {
  sections: SectionSpec[];
  items: ItemSpec[];
}
