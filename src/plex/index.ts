/**
 * The Plex client's one entry. `PlexClient` binds the resource functions to one connection so callers hold
 * a single object (and tests can hand phases a small fake of the few methods they use). Every method is an
 * explicit request (no hidden I/O on property reads); the path of each lives beside its function in the
 * resource module named after Plex's noun.
 */
import { listActivities, type Activity } from './activities.ts';
import { listAgents, type Agent } from './agents.ts';
import { getIdentity, type Identity } from './identity.ts';
import { listMatches, matchItem, refreshItem, unmatchItem, type SearchResult } from './items.ts';
import { buildFileIndex, getChildren, getItem, listSections, listSectionItems, searchByFile, searchByTitle, type FileIndex, type Section, type SectionItemsOptions } from './library.ts';
import type { PlexItem } from './metadata.ts';
import { getPluginPrefs, listPlugins, restartPlugin, setPluginPrefs, type Plugin, type Setting } from './plugins.ts';
import { RefreshWatcher, waitForRefresh, type RefreshOutcome, type RefreshWaitOptions } from './refresh-wait.ts';
import { PlexConnection, type PlexConnectionOptions } from './request.ts';
import { listSessions, type Session } from './sessions.ts';
import { listUnmatched } from './unmatched.ts';

export class PlexClient {
  readonly conn: PlexConnection;

  constructor(conn: PlexConnection | PlexConnectionOptions) {
    this.conn = conn instanceof PlexConnection ? conn : new PlexConnection(conn);
  }

  get url(): string {
    return this.conn.url;
  }

  identity(): Promise<Identity> {
    return getIdentity(this.conn);
  }
  sections(): Promise<Section[]> {
    return listSections(this.conn);
  }
  sectionItems(sectionKey: string, o?: SectionItemsOptions): Promise<PlexItem[]> {
    return listSectionItems(this.conn, sectionKey, o);
  }
  item(ratingKey: string): Promise<PlexItem> {
    return getItem(this.conn, ratingKey);
  }
  children(ratingKey: string): Promise<PlexItem[]> {
    return getChildren(this.conn, ratingKey);
  }
  searchByTitle(title: string, o?: { year?: number; sections?: Section[] }): Promise<PlexItem[]> {
    return searchByTitle(this.conn, title, o);
  }
  searchByFile(serverPath: string, o?: { sections?: Section[] }): Promise<PlexItem[]> {
    return searchByFile(this.conn, serverPath, o);
  }
  fileIndex(sections?: Section[]): Promise<FileIndex> {
    return buildFileIndex(this.conn, sections);
  }
  unmatched(sections?: Section[]): Promise<Array<{ section: Section; item: PlexItem }>> {
    return listUnmatched(this.conn, sections);
  }
  refresh(ratingKey: string, o?: { agent?: string; markUpdated?: boolean }): Promise<{ activity?: string }> {
    return refreshItem(this.conn, ratingKey, o);
  }
  matches(ratingKey: string, o?: { title?: string; year?: number; agent?: string; language?: string }): Promise<SearchResult[]> {
    return listMatches(this.conn, ratingKey, o);
  }
  match(ratingKey: string, result: Pick<SearchResult, 'guid' | 'name' | 'year'>): Promise<void> {
    return matchItem(this.conn, ratingKey, result);
  }
  unmatch(ratingKey: string): Promise<void> {
    return unmatchItem(this.conn, ratingKey);
  }
  activities(): Promise<Activity[]> {
    return listActivities(this.conn);
  }
  /** Number of playback sessions (0 = nobody is watching). */
  async sessions(): Promise<number> {
    return (await listSessions(this.conn)).count;
  }
  sessionList(): Promise<{ count: number; sessions: Session[] }> {
    return listSessions(this.conn);
  }
  agents(mediaType?: number): Promise<Agent[]> {
    return listAgents(this.conn, mediaType);
  }
  plugins(): Promise<Plugin[]> {
    return listPlugins(this.conn);
  }
  restartPlugin(identifier: string): Promise<void> {
    return restartPlugin(this.conn, identifier);
  }
  pluginPrefs(identifier: string): Promise<Setting[]> {
    return getPluginPrefs(this.conn, identifier);
  }
  setPluginPrefs(identifier: string, values: Record<string, string | boolean>): Promise<void> {
    return setPluginPrefs(this.conn, identifier, values);
  }
  /** Refresh one item and wait for it (reference §4). For many items use `watcher()`. */
  refreshAndWait(ratingKey: string, o?: RefreshWaitOptions): Promise<RefreshOutcome> {
    return waitForRefresh(this.conn, ratingKey, o);
  }
  /** A shared notification stream for many refresh waits; `close()` it when done. */
  watcher(o?: RefreshWaitOptions): RefreshWatcher {
    return new RefreshWatcher(this.conn, o);
  }
}

export { PlexConnection } from './request.ts';
export type { PlexConnectionOptions } from './request.ts';
export * from './errors.ts';
export type { Activity, ActivityContext } from './activities.ts';
export type { Agent } from './agents.ts';
export type { Identity } from './identity.ts';
export type { SearchResult } from './items.ts';
export type { FileIndex, Section } from './library.ts';
export { LIBRARY_TYPES, guidAgent, isUnmatchedGuid, type PlexItem } from './metadata.ts';
export type { Plugin, Setting } from './plugins.ts';
export { RefreshWatcher, REFRESH_RESULTS, REFRESH_DECIDERS, type RefreshOutcome, type RefreshResult, type RefreshWaitOptions, type Clock } from './refresh-wait.ts';
export type { Session } from './sessions.ts';
export { loadClientIdentifier } from './client-id.ts';
export { NotificationStream, wsSocketFactory, type SocketFactory } from './events.ts';
export { sseSocketFactory } from './sse.ts';
export type { Notification } from './notifications.ts';
