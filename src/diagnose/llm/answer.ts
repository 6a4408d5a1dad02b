/**
 * The adviser's answer: the JSON object the prompt asks for, read with zod. Servers that honour
 * `response_format: json_object` return the object alone; others (and chatty models) wrap it in prose or a
 * Markdown fence, so the first JSON object in the text is taken. Anything else is an answer failure (the
 * answer is discarded with the reason; the diagnosis goes on).
 */
import { z } from 'zod';
import { RECIPES } from '../schema.ts';
import { AdviserAnswerError } from './errors.ts';

/** One edit: in `file` (relative to the Plug-ins folder), the exact text `old` (occurring once) becomes `new`. */
export const adviceEditSchema = z.object({
  file: z.string().min(1),
  old: z.string().min(1),
  new: z.string(),
});
export type AdviceEdit = z.infer<typeof adviceEditSchema>;

/**
 * The answer's shape (the prompt shows it). `recipe` is the fix category from plexmend's taxonomy, which the
 * checklist's error-alignment point judges against the knowledge base's remedies for the cause. `noFix`
 * with no edits: the model declines, saying why.
 */
export const adviceAnswerSchema = z.object({
  recipe: z.enum(RECIPES),
  title: z.string().min(1).max(200),
  rationale: z.string().min(1).max(4000),
  edits: z.array(adviceEditSchema).max(20),
  /** The relative fall of the group's error count the model expects (0.5 = by half). */
  expectedChange: z.number().min(0).max(1).optional(),
});
/** A proposal as the model states it (before plexmend checks anything). */
export type AdviceAnswer = z.infer<typeof adviceAnswerSchema>;

/** `{"noFix": "…"}`: the model sees no code change that helps. */
export const adviceDeclineSchema = z.object({ noFix: z.string().min(1).max(2000), edits: z.array(z.unknown()).max(0).optional() });

/** What an answer says: a proposal, or a decline with the model's reason. */
export type ParsedAdvice = { kind: 'proposal'; answer: AdviceAnswer } | { kind: 'declined'; reason: string };

/**
 * The first complete JSON object in `text` (outside string literals, braces balanced) that parses, or
 * undefined. Skips `{` that start no valid object (prose like "use {x}").
 */
export function firstJsonObject(text: string): unknown {
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        try {
          return JSON.parse(text.slice(start, i + 1));
        } catch {
          break;
        }
      }
    }
  }
  return undefined;
}

function issues(err: z.ZodError): string {
  return err.issues
    .slice(0, 4)
    .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
    .join('; ');
}

/**
 * Reads the model's text into a proposal or a decline. Throws AdviserAnswerError (reason quoted in the
 * report) when it holds no JSON object or not the schema.
 */
export function parseAdvice(content: string): ParsedAdvice {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    value = firstJsonObject(content);
  }
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AdviserAnswerError(`the answer holds no JSON object (${content.trim().slice(0, 60).replace(/\s+/g, ' ') || 'empty'}…)`);
  }
  const declined = adviceDeclineSchema.safeParse(value);
  if (declined.success && !('recipe' in value)) return { kind: 'declined', reason: declined.data.noFix };
  const parsed = adviceAnswerSchema.safeParse(value);
  if (!parsed.success) throw new AdviserAnswerError(`the answer is not a proposal in the required shape: ${issues(parsed.error)}`);
  if (parsed.data.edits.length === 0) throw new AdviserAnswerError('the answer proposes no edit (and gives no noFix reason)');
  return { kind: 'proposal', answer: parsed.data };
}
