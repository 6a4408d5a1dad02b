/**
 * Versioned documents. Every file a phase writes is `{ schema: "plexmend.<kind>/<n>", ... }` with a zod
 * schema; the reader rejects any other kind or version with a message naming both.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InputError, SchemaMismatchError } from './errors.ts';
import { writeJsonAtomic } from './io/atomic.ts';

export interface DocumentType<S extends z.ZodType> {
  readonly id: string;
  readonly schema: S;
}

/** Declares a document type; `id` is e.g. `plexmend.aggregate/1`. */
export function defineDocument<S extends z.ZodType>(id: string, schema: S): DocumentType<S> {
  return { id, schema };
}

/** Parses an already-read value as a document of `type`; `where` names the source in errors. */
export function parseDocument<S extends z.ZodType>(type: DocumentType<S>, value: unknown, where: string): z.output<S> {
  const found =
    value && typeof value === 'object' && 'schema' in value ? String((value as { schema: unknown }).schema) : '(none)';
  if (found !== type.id) throw new SchemaMismatchError(where, found, type.id);
  const parsed = type.schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const at = first?.path.length ? ` at ${first.path.join('.')}` : '';
    throw new InputError(`${where} is not a valid ${type.id} document${at}: ${first?.message ?? 'invalid'}`,
      'the file may have been edited by hand or truncated; re-run the phase that writes it');
  }
  return parsed.data;
}

/** Reads and validates a document file. */
export async function readDocument<S extends z.ZodType>(type: DocumentType<S>, path: string): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${path} (${code ?? 'error'})`, 'check the path, or run the phase that writes it first', err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`${path} is not JSON`, 'pass the .json document, not its text or Markdown rendering');
  }
  return parseDocument(type, value, path);
}

/** Validates and writes a document atomically. */
export async function writeDocument<S extends z.ZodType>(type: DocumentType<S>, path: string, doc: z.input<S>): Promise<void> {
  const checked = type.schema.parse(doc);
  await writeJsonAtomic(path, checked);
}
