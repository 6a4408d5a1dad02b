/**
 * The emulator's library database on disk, as Plex keeps its own (`Plug-in Support/Databases/`): each item's
 * guid, `updatedAt` and what every agent contributed, so a restarted sandbox still shows what earlier
 * refreshes found, as a restarted Plex does. A versioned document (`plexmend.sandbox-library/1`), written
 * atomically after changes (debounced). Items not in the file keep their scenario state; entries for
 * items the library no longer has are ignored.
 */
import { z } from 'zod';
import { defineDocument, readDocument, writeDocument } from '../../documents.ts';
import type { Library } from './library.ts';

const metadataSchema = z.object({
  title: z.string().optional(),
  summary: z.string().optional(),
  studio: z.string().optional(),
  originally_available_at: z.string().optional(),
  year: z.number().optional(),
  roles: z.array(z.object({ name: z.string(), role: z.string().optional(), photo: z.string().optional() })).optional(),
  posters: z.array(z.string()).optional(),
  genres: z.array(z.string()).optional(),
  collections: z.array(z.string()).optional(),
  directors: z.array(z.string()).optional(),
  rating: z.number().optional(),
});

/** The saved library database (`plexmend.sandbox-library/1`). */
export const libraryStateDoc = defineDocument('plexmend.sandbox-library/1', z.object({
  schema: z.literal('plexmend.sandbox-library/1'),
  items: z.record(z.string(), z.object({
    guid: z.string(),
    addedAt: z.number().optional(),
    updatedAt: z.number(),
    contributions: z.record(z.string(), metadataSchema),
  })),
}));

/** The library's item states as a document. */
export function snapshot(lib: Library): z.input<typeof libraryStateDoc.schema> {
  const items: Record<string, { guid: string; addedAt: number; updatedAt: number; contributions: Record<string, z.input<typeof metadataSchema>> }> = {};
  for (const item of lib.items.values()) {
    items[item.ratingKey] = { guid: item.guid, addedAt: item.addedAt, updatedAt: item.updatedAt, contributions: Object.fromEntries(item.contributions) };
  }
  return { schema: 'plexmend.sandbox-library/1', items };
}

/** Applies a saved state to the library; returns how many items it restored. */
export function restore(lib: Library, state: z.output<typeof libraryStateDoc.schema>): number {
  let n = 0;
  for (const [key, saved] of Object.entries(state.items)) {
    const item = lib.items.get(key);
    if (!item) continue;
    item.guid = saved.guid;
    item.updatedAt = saved.updatedAt;
    if (saved.addedAt !== undefined) item.addedAt = saved.addedAt;
    item.contributions = new Map(Object.entries(saved.contributions).map(([agent, md]) => [agent, { ...md }]));
    n += 1;
  }
  return n;
}

/** Loads `path` into the library when it exists; a missing file restores nothing, a bad one throws InputError. */
export async function loadLibraryState(lib: Library, path: string): Promise<number> {
  try {
    return restore(lib, await readDocument(libraryStateDoc, path));
  } catch (err) {
    if (/cannot read .* \(ENOENT\)/.test((err as Error).message)) return 0;
    throw err;
  }
}

/** Saves the library to `path` at most every `delayMs`; `flush()` writes pending changes now. */
export class LibraryStateWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly lib: Library, private readonly path: string, private readonly delayMs = 250) {}

  /** Notes a change; the file is written shortly after. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, this.delayMs);
  }

  private write(): Promise<void> {
    const doc = snapshot(this.lib);
    this.writing = this.writing.then(() => writeDocument(libraryStateDoc, this.path, doc)).catch(() => undefined);
    return this.writing;
  }

  /** Writes pending changes and waits for every write. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.write();
    }
    await this.writing;
  }
}
