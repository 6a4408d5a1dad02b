/**
 * File adapter for the template miner's state: `paths.templates(ws)` (`templates.json` in the workspace),
 * a `plexmend.templates/1` document written atomically. A missing file is an empty state; a file of another
 * kind or version is refused (SchemaMismatchError) rather than overwritten.
 */
import { stat } from 'node:fs/promises';
import { readDocument, writeDocument } from '../documents.ts';
import { TemplateStateDocument, type TemplateState, type TemplateStore } from './templates.ts';

export function fileTemplateStore(path: string): TemplateStore {
  return {
    async load(): Promise<TemplateState | null> {
      try {
        await stat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      return readDocument(TemplateStateDocument, path);
    },
    async save(state: TemplateState): Promise<void> {
      await writeDocument(TemplateStateDocument, path, state);
    },
  };
}
