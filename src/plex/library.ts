/**
 * Library routes: sections (`/library/sections`), a section's items (`/library/sections/{id}/all`, paged,
 * with `includeGuids=1` as python-plexapi always sends), one item (`/library/metadata/{ratingKey}`), and the
 * searches plexmend needs to map a PGMA log line to an item: by title/year (section filters `title=`,
 * `year=`) and by media file path (`Media/Part/@file`).
 */
import { bool, container, list, num, str, type Node } from './body.ts';
import { PlexNotFoundError } from './errors.ts';
import { parseItems, type PlexItem } from './metadata.ts';
import type { PlexConnection, Query } from './request.ts';

/**
 * A library section. `agent` is the section's PRIMARY agent (e.g. `com.plexapp.agents.imdb`, or a PGMA
 * umbrella agent); site agents that contribute to it are not listed here. `locations` are folder paths as
 * the server sees them.
 */
export interface Section {
  key: string;
  type: string;
  title: string;
  agent: string;
  scanner: string;
  language: string;
  uuid: string;
  refreshing: boolean;
  updatedAt?: number;
  scannedAt?: number;
  locations: string[];
}

export const SECTIONS_PATH = '/library/sections';
export const sectionAllPath = (sectionKey: string) => `/library/sections/${encodeURIComponent(sectionKey)}/all`;
export const metadataPath = (ratingKey: string) => `/library/metadata/${encodeURIComponent(ratingKey)}`;

/** Parses `/library/sections` (JSON: numbers/booleans; XML: strings, "0"/"1"). */
export function parseSections(body: Node): Section[] {
  return list(container(body), 'Directory').map((d) => ({
    key: str(d.key) ?? '',
    type: str(d.type) ?? '',
    title: str(d.title) ?? '',
    agent: str(d.agent) ?? '',
    scanner: str(d.scanner) ?? '',
    language: str(d.language) ?? '',
    uuid: str(d.uuid) ?? '',
    refreshing: bool(d.refreshing) ?? false,
    updatedAt: num(d.updatedAt),
    scannedAt: num(d.scannedAt),
    locations: list(d, 'Location').map((l) => str(l.path)).filter((p): p is string => Boolean(p)),
  }));
}

/** Lists the library sections. */
export async function listSections(conn: PlexConnection): Promise<Section[]> {
  return parseSections((await conn.request({ path: SECTIONS_PATH })).body);
}

export interface SectionItemsOptions {
  /** Library type number (metadata.ts LIBRARY_TYPES); default: the section's own type. */
  type?: number;
  /** Extra filters as Plex takes them (`title`, `year`, `unmatched`…). */
  filters?: Query;
  pageSize?: number;
}

/** Lists every item of a section, page by page (`X-Plex-Container-Start/Size`). */
export async function listSectionItems(conn: PlexConnection, sectionKey: string, o: SectionItemsOptions = {}): Promise<PlexItem[]> {
  const query: Query = { includeGuids: 1, type: o.type, ...o.filters };
  const { items } = await conn.requestAll({ path: sectionAllPath(sectionKey), query, what: `library section ${sectionKey}` }, parseItems, o.pageSize ?? 100);
  for (const it of items) it.librarySectionID ??= sectionKey;
  return items;
}

/** Reads one item with its full details (Media/Part/@file, Role…). Throws PlexNotFoundError when gone. */
export async function getItem(conn: PlexConnection, ratingKey: string): Promise<PlexItem> {
  const res = await conn.request({ path: metadataPath(ratingKey), what: `item ${ratingKey}` });
  const item = parseItems(res.body)[0];
  if (!item) throw new PlexNotFoundError(`item ${ratingKey}`);
  return item;
}

/** Reads a show's/season's/album's children (`/library/metadata/{id}/children`). */
export async function getChildren(conn: PlexConnection, ratingKey: string): Promise<PlexItem[]> {
  const res = await conn.request({ path: `${metadataPath(ratingKey)}/children`, what: `item ${ratingKey}` });
  return parseItems(res.body);
}

/**
 * Finds items by title (Plex's partial-match `title=` filter) and optional year, in the given sections (all
 * sections when omitted). Plex matches the title loosely; the caller ranks.
 */
export async function searchByTitle(conn: PlexConnection, title: string, o: { year?: number; sections?: Section[] } = {}): Promise<PlexItem[]> {
  const sections = o.sections ?? (await listSections(conn));
  const out: PlexItem[] = [];
  for (const s of sections) {
    out.push(...(await listSectionItems(conn, s.key, { filters: { title, year: o.year } })));
  }
  return out;
}

/**
 * Finds the items whose media file is `serverPath` (as the SERVER sees it: map local paths first). Plex has no
 * file filter, so the sections whose folders contain the path are listed and `Media/Part/@file` compared
 * (case-insensitively for Windows-style paths). For many lookups build a FileIndex instead.
 */
export async function searchByFile(conn: PlexConnection, serverPath: string, o: { sections?: Section[] } = {}): Promise<PlexItem[]> {
  const index = await buildFileIndex(conn, o.sections, serverPath);
  return index.lookup(serverPath);
}

/** A file path → items index over one or more sections, built with one paged listing per section. */
export interface FileIndex {
  lookup(serverPath: string): PlexItem[];
  readonly size: number;
}

/** Builds a FileIndex; with `onlyFor`, lists only the sections whose locations contain that path. */
export async function buildFileIndex(conn: PlexConnection, sections?: Section[], onlyFor?: string): Promise<FileIndex> {
  const all = sections ?? (await listSections(conn));
  const wanted = onlyFor ? all.filter((s) => s.locations.length === 0 || s.locations.some((l) => isUnder(onlyFor, l))) : all;
  const map = new Map<string, PlexItem[]>();
  for (const s of wanted) {
    for (const it of await listSectionItems(conn, s.key)) {
      for (const f of it.files) {
        const k = fileKey(f);
        const arr = map.get(k) ?? [];
        arr.push(it);
        map.set(k, arr);
      }
    }
  }
  return { lookup: (p) => map.get(fileKey(p)) ?? [], size: map.size };
}

function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function fileKey(p: string): string {
  return isWindowsPath(p) ? p.replace(/\//g, '\\').toLowerCase() : p;
}

function isUnder(path: string, folder: string): boolean {
  const p = fileKey(path);
  const f = fileKey(folder).replace(/[\\/]+$/, '');
  return p.startsWith(f + (isWindowsPath(folder) ? '\\' : '/'));
}
