/**
 * The emulator's library database: sections and their items, with what the agents contributed.
 * Combined metadata follows Plex's legacy "Metadata Combination": for each field the first agent in the
 * section's order (primary first, then contributors) that supplied a value wins. An agent's contribution is
 * kept until that agent updates the item again (Plex keeps each agent's stored metadata bundle); that a
 * failed later search leaves the old contribution in place is UNVERIFIED against a real server.
 */
import { InputError } from '../../errors.ts';
import type { ItemSpec, LibrarySpec, MetadataOut, SectionSpec } from './types.ts';

/** One item's state. */
export interface Item {
  readonly spec: ItemSpec;
  readonly ratingKey: string;
  readonly section: Section;
  /** `local://<ratingKey>` while unmatched, else `<primary identifier>://<id>?lang=<lang>`. */
  guid: string;
  addedAt: number;
  updatedAt: number;
  /** Agent identifier → the metadata its last update set. */
  contributions: Map<string, MetadataOut>;
  mediaId: number;
  partId: number;
}

/** One library section's state. */
export interface Section {
  readonly spec: SectionSpec;
  /** Contributing agents in order; `PUT /system/agents/<id>/config/1?order=` changes it. */
  contributors: string[];
  uuid: string;
  createdAt: number;
  updatedAt: number;
  scannedAt: number;
}

/** The fields an item shows, combined from the agents' contributions. */
export interface CombinedMetadata extends MetadataOut {
  title: string;
}

/** Builds the `local://` guid Plex gives an unmatched item. */
export function localGuid(ratingKey: string): string {
  return `local://${ratingKey}`;
}

/** Builds a legacy agent guid: the scheme is the agent's bundle identifier (reference plex-api.md §2). */
export function agentGuid(agent: string, id: string, lang: string): string {
  return `${agent}://${id}?lang=${lang}`;
}

/** The result id inside a legacy guid, or undefined for `local://`. */
export function guidId(guid: string): string | undefined {
  const m = /^[^:]+:\/\/(.*?)(\?lang=[^&]*)?$/.exec(guid);
  if (!m || guid.startsWith('local://')) return undefined;
  return m[1];
}

/** The sections and items the emulator serves. Throws InputError on a duplicate ratingKey or an unknown section. */
export class Library {
  readonly sections = new Map<number, Section>();
  readonly items = new Map<string, Item>();

  constructor(spec: LibrarySpec, now: number) {
    let seq = 1000;
    for (const s of spec.sections) {
      this.sections.set(s.id, {
        spec: s,
        contributors: [...s.contributors],
        uuid: pseudoUuid(`section-${s.id}-${s.title}`),
        createdAt: now - 86_400 * 30,
        updatedAt: now - 3600,
        scannedAt: now - 3600,
      });
    }
    for (const it of spec.items) {
      const section = this.sections.get(it.sectionId);
      if (!section) throw new InputError(`library item ${it.ratingKey} names section ${it.sectionId}, which the library does not have`, 'fix the scenario: every item needs a section listed in its sections');
      if (this.items.has(it.ratingKey)) throw new InputError(`ratingKey ${it.ratingKey} appears twice in the library`, 'fix the scenario: every item needs its own ratingKey');
      seq += 1;
      const lang = section.spec.language ?? 'en';
      this.items.set(it.ratingKey, {
        spec: it,
        ratingKey: it.ratingKey,
        section,
        guid: it.matchedId === undefined ? localGuid(it.ratingKey) : agentGuid(section.spec.agent, it.matchedId, lang),
        addedAt: now - 86_400,
        updatedAt: now - 86_400,
        contributions: new Map(),
        mediaId: seq,
        partId: seq,
      });
    }
  }

  /** Items of a section in ratingKey order (numeric where possible), as Plex lists by default. */
  sectionItems(sectionId: number): Item[] {
    return [...this.items.values()]
      .filter((i) => i.section.spec.id === sectionId)
      .sort((a, b) => Number(a.ratingKey) - Number(b.ratingKey) || a.ratingKey.localeCompare(b.ratingKey));
  }

  /** The agents that contribute to an item, in the order their fields win: primary first. */
  agentOrder(item: Item): string[] {
    const primary = item.guid.startsWith('local://') ? item.section.spec.agent : item.guid.slice(0, item.guid.indexOf('://'));
    return [primary, ...item.section.contributors.filter((a) => a !== primary)];
  }

  /** Combined metadata for display: per field, the first agent in order with a value. */
  combined(item: Item): CombinedMetadata {
    const out: CombinedMetadata = { title: item.spec.title };
    if (item.spec.year !== undefined) out.year = item.spec.year;
    const fields = ['title', 'summary', 'studio', 'originally_available_at', 'year', 'roles', 'posters', 'genres',
      'collections', 'directors', 'rating'] as const;
    const taken = new Set<string>();
    for (const agent of this.agentOrder(item)) {
      const c = item.contributions.get(agent);
      if (!c) continue;
      for (const f of fields) {
        const v = c[f];
        if (taken.has(f) || v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
        (out as unknown as Record<string, unknown>)[f] = v;
        taken.add(f);
      }
    }
    return out;
  }

  /** Marks an item refreshed: `updatedAt` moves (and with it the thumb URL), strictly forward. */
  touch(item: Item, now: number): void {
    item.updatedAt = Math.max(now, item.updatedAt + 1);
  }
}

/** A stable uuid-shaped string from a seed (sections need a uuid; nothing depends on its value). */
export function pseudoUuid(seed: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < seed.length; i++) {
      h1 = Math.imul(h1 ^ seed.charCodeAt(i), 16777619) >>> 0;
      h2 = Math.imul(h2 + seed.charCodeAt(i) + round, 2246822519) >>> 0;
    }
    hex.push(((h1 ^ h2) >>> 0).toString(16).padStart(8, '0'));
  }
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
}
