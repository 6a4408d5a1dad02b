/**
 * Plex's library item ("Metadata" in JSON; `Video`/`Directory`/`Track`/`Photo` elements in XML) with the
 * fields plexmend reads: ids, guid (which agent matched it), the fields a metadata agent fills (summary,
 * poster, cast, release date, studio), and the media files (`Media/Part/@file`).
 */
import { container, list, num, str, tags, type Node } from './body.ts';

/** XML tags under which items appear; JSON puts every item under `Metadata`. */
export const ITEM_TAGS = ['Metadata', 'Video', 'Directory', 'Track', 'Photo'] as const;

/** Library type numbers (Plex API description): 1 movie, 2 show, 3 season, 4 episode, 8 artist, 9 album, 10 track, 13 photo. */
export const LIBRARY_TYPES = { movie: 1, show: 2, season: 3, episode: 4, artist: 8, album: 9, track: 10, photo: 13 } as const;

/**
 * One library item.
 * - `ratingKey`: the item id (a string in JSON and XML alike).
 * - `guid`: `com.plexapp.agents.<agent>://…?lang=xx` for legacy agents, `plex://…` for new agents,
 *   `local://<ratingKey>` when unmatched, `com.plexapp.agents.none://…` for Personal Media.
 * - `agent`: the guid's scheme (the primary agent that matched it), `local` when unmatched.
 * - `cast`: `Role` tag names; listings carry only the first few (enough to tell "has cast").
 * - `files`: every `Media/Part/@file`, as the server sees the path (map with config/pathmap).
 */
export interface PlexItem {
  ratingKey: string;
  key: string;
  guid: string;
  agent: string;
  type: string;
  title: string;
  year?: number;
  summary?: string;
  studio?: string;
  originallyAvailableAt?: string;
  thumb?: string;
  art?: string;
  addedAt?: number;
  updatedAt?: number;
  librarySectionID?: string;
  parentRatingKey?: string;
  grandparentRatingKey?: string;
  grandparentGuid?: string;
  cast: string[];
  genres: string[];
  files: string[];
}

/** The agent (guid scheme) of a guid: `com.plexapp.agents.imdb://tt1?lang=en` → `com.plexapp.agents.imdb`. */
export function guidAgent(guid: string): string {
  const i = guid.indexOf('://');
  return i > 0 ? guid.slice(0, i) : '';
}

/** True for `local://…`: Plex found no match with the section's primary agent. */
export function isUnmatchedGuid(guid: string): boolean {
  return guid.startsWith('local://');
}

/** Parses one item element/object. `sectionId` fills `librarySectionID` when only the container has it. */
export function parseItem(m: Node, sectionId?: string): PlexItem {
  const guid = str(m.guid) ?? '';
  const files: string[] = [];
  for (const media of list(m, 'Media')) for (const part of list(media, 'Part')) {
    const f = str(part.file);
    if (f) files.push(f);
  }
  // The XML fixture flattens Part beside Media (a Home Assistant quirk): accept it there too.
  for (const part of list(m, 'Part')) {
    const f = str(part.file);
    if (f && !files.includes(f)) files.push(f);
  }
  const ratingKey = str(m.ratingKey) ?? '';
  return {
    ratingKey,
    key: str(m.key) ?? `/library/metadata/${ratingKey}`,
    guid,
    agent: isUnmatchedGuid(guid) ? 'local' : guidAgent(guid),
    type: str(m.type) ?? '',
    title: str(m.title) ?? '',
    year: num(m.year),
    summary: str(m.summary),
    studio: str(m.studio),
    originallyAvailableAt: str(m.originallyAvailableAt),
    thumb: str(m.thumb),
    art: str(m.art),
    addedAt: num(m.addedAt),
    updatedAt: num(m.updatedAt),
    librarySectionID: str(m.librarySectionID) ?? sectionId,
    parentRatingKey: str(m.parentRatingKey),
    grandparentRatingKey: str(m.grandparentRatingKey),
    grandparentGuid: str(m.grandparentGuid),
    cast: tags(m, 'Role'),
    genres: tags(m, 'Genre'),
    files,
  };
}

/** Parses a listing (`/library/sections/{id}/all`, `…/children`, `/library/metadata/{id}`). */
export function parseItems(body: Node): PlexItem[] {
  const c = container(body);
  const sectionId = str(c.librarySectionID);
  return list(c, ...ITEM_TAGS).map((m) => parseItem(m, sectionId));
}
