/**
 * The emulator's response bodies, shaped like the recorded responses in fixtures/plex-api/ (attribute
 * names and order, which values are numbers, which are strings, nested Media/Part/Stream, tag lists).
 * Pure functions of the library state: no I/O.
 */
import { el, mediaContainer, type Element } from './container.ts';
import type { Item, Library, Section } from './library.ts';

/** PMS constants every library container carries. */
export const MEDIA_TAG_PREFIX = '/system/bundle/media/flags/';
/** The emulator's media flag version (any number; clients only echo it). */
export const MEDIA_TAG_VERSION = 1700000000;
/** `identifier` of library containers, as Plex sends it. */
export const LIBRARY_IDENTIFIER = 'com.plexapp.plugins.library';

/** `GET /library/sections`: one `Directory` per section with its `Location`s. */
export function sectionsView(lib: Library): Element {
  const dirs = [...lib.sections.values()].map((s) =>
    el('Directory', {
      allowSync: true,
      art: '/:/resources/movie-fanart.jpg',
      composite: `/library/sections/${s.spec.id}/composite/${s.scannedAt}`,
      filters: true,
      refreshing: false,
      thumb: '/:/resources/movie.png',
      key: String(s.spec.id),
      type: 'movie',
      title: s.spec.title,
      agent: s.spec.agent,
      scanner: 'Plex Movie Scanner',
      language: s.spec.language ?? 'en',
      uuid: s.uuid,
      updatedAt: s.updatedAt,
      createdAt: s.createdAt,
      scannedAt: s.scannedAt,
      content: true,
      directory: true,
      contentChangedAt: s.scannedAt % 10_000_000,
    }, s.spec.locations.map((path, i) => el('Location', { id: s.spec.id * 100 + i, path }))),
  );
  return mediaContainer({
    allowSync: false,
    identifier: LIBRARY_IDENTIFIER,
    mediaTagPrefix: MEDIA_TAG_PREFIX,
    mediaTagVersion: MEDIA_TAG_VERSION,
    title1: 'Plex Library',
  }, dirs);
}

/** Paging facts for a listing (`X-Plex-Container-Start/Size`). */
export interface Page {
  offset: number;
  totalSize: number;
  paged: boolean;
}

/** `GET /library/sections/<id>/all`: the items of a section as a listing (short tag lists). */
export function sectionAllView(lib: Library, section: Section, items: Item[], page: Page): Element {
  return mediaContainer({
    allowSync: true,
    art: '/:/resources/movie-fanart.jpg',
    identifier: LIBRARY_IDENTIFIER,
    librarySectionID: section.spec.id,
    librarySectionTitle: section.spec.title,
    librarySectionUUID: section.uuid,
    mediaTagPrefix: MEDIA_TAG_PREFIX,
    mediaTagVersion: MEDIA_TAG_VERSION,
    thumb: '/:/resources/movie.png',
    title1: section.spec.title,
    title2: 'All Movies',
    viewGroup: 'movie',
    viewMode: 65592,
    offset: page.paged ? page.offset : undefined,
    totalSize: page.paged ? page.totalSize : undefined,
  }, items.map((i) => itemView(lib, i, 'listing')));
}

/** `GET /library/metadata/<ids>`: full items (with section fields on each item). */
export function metadataView(lib: Library, items: Item[]): Element {
  const first = items[0]?.section;
  return mediaContainer({
    allowSync: true,
    identifier: LIBRARY_IDENTIFIER,
    librarySectionID: first?.spec.id,
    librarySectionTitle: first?.spec.title,
    librarySectionUUID: first?.uuid,
    mediaTagPrefix: MEDIA_TAG_PREFIX,
    mediaTagVersion: MEDIA_TAG_VERSION,
  }, items.map((i) => itemView(lib, i, 'detail')));
}

/** Server-wide listing (`/library/all`). */
export function libraryAllView(lib: Library, items: Item[], page: Page): Element {
  return mediaContainer({
    allowSync: false,
    identifier: LIBRARY_IDENTIFIER,
    mediaTagPrefix: MEDIA_TAG_PREFIX,
    mediaTagVersion: MEDIA_TAG_VERSION,
    offset: page.paged ? page.offset : undefined,
    totalSize: page.paged ? page.totalSize : undefined,
  }, items.map((i) => itemView(lib, i, 'listing')));
}

function containerOf(file: string): string {
  const m = /\.([A-Za-z0-9]{2,4})$/.exec(file);
  return m ? m[1]!.toLowerCase() : 'mkv';
}

/** One movie: a `Video` element in XML, an entry of `Metadata` in JSON. */
export function itemView(lib: Library, item: Item, mode: 'listing' | 'detail'): Element {
  const md = lib.combined(item);
  const detail = mode === 'detail';
  const rk = item.ratingKey;
  const container = containerOf(item.spec.file);
  const duration = item.spec.duration;
  const streams = detail
    ? [
        el('Stream', { id: item.partId * 10 + 1, streamType: 1, default: true, codec: 'h264', index: 0, displayTitle: '1080p (H.264)' }),
        el('Stream', { id: item.partId * 10 + 2, streamType: 2, selected: true, default: true, codec: 'aac', index: 1, channels: 2, displayTitle: 'Unknown (AAC Stereo)' }),
      ]
    : [];
  const part = el('Part', {
    id: item.partId,
    key: `/library/parts/${item.partId}/${item.addedAt}/file.${container}`,
    duration,
    file: item.spec.file,
    size: item.spec.size ?? 1_073_741_824,
    container,
  }, streams);
  const media = el('Media', {
    id: item.mediaId,
    duration,
    bitrate: 4000,
    width: 1920,
    height: 1080,
    aspectRatio: 1.78,
    audioChannels: 2,
    audioCodec: 'aac',
    videoCodec: 'h264',
    videoResolution: '1080',
    container,
    videoFrameRate: '24p',
  }, [part]);
  const tag = (kind: string, filterName: string, values: string[] | undefined): Element[] =>
    (values ?? []).map((v) => el(kind, detail ? { id: tagId(filterName, v), filter: `${filterName}=${tagId(filterName, v)}`, tag: v } : { tag: v }));
  const roles = (md.roles ?? []).slice(0, detail ? undefined : 3).map((r) =>
    el('Role', detail
      ? { id: tagId('actor', r.name), filter: `actor=${tagId('actor', r.name)}`, tag: r.name, role: r.role, thumb: r.photo }
      : { tag: r.name }),
  );
  const hasPoster = (md.posters ?? []).length > 0;
  return el('Video', {
    ratingKey: rk,
    key: `/library/metadata/${rk}`,
    guid: item.guid,
    studio: md.studio,
    type: 'movie',
    title: md.title,
    librarySectionTitle: detail ? item.section.spec.title : undefined,
    librarySectionID: detail ? item.section.spec.id : undefined,
    librarySectionKey: detail ? `/library/sections/${item.section.spec.id}` : undefined,
    summary: md.summary ?? '',
    rating: md.rating,
    year: md.year,
    thumb: hasPoster ? `/library/metadata/${rk}/thumb/${item.updatedAt}` : undefined,
    duration,
    originallyAvailableAt: md.originally_available_at,
    addedAt: item.addedAt,
    updatedAt: item.updatedAt,
  }, [
    media,
    ...tag('Genre', 'genre', md.genres),
    ...tag('Director', 'director', md.directors),
    ...tag('Collection', 'collection', md.collections),
    ...roles,
  ], 'Metadata');
}

const TAG_IDS = new Map<string, number>();
/** Stable per-process tag ids (Plex's tag table); the value is opaque to clients. */
function tagId(kind: string, value: string): number {
  const k = `${kind}\u0000${value}`;
  let id = TAG_IDS.get(k);
  if (id === undefined) {
    id = TAG_IDS.size + 1;
    TAG_IDS.set(k, id);
  }
  return id;
}
