/**
 * The adviser's prompt for one error group, built as a pure function of what diagnose already holds: the
 * observed behaviour and the knowledge base's cause, the redacted log evidence, the code context (see
 * context.ts), the lessons in scope, what the knowledge base tried, and the exact JSON shape of the answer.
 * Redaction: the Plex token (the X-Plex-Token / plextoken forms of src/redact.ts and every known secret —
 * the Plex token and the LLM key are passed in), and home folders in paths (`/home/<user>`, `/Users/<user>`,
 * `C:\Users\<user>`), since file names of a user's library say enough without the account name.
 */
import { redact } from '../../redact.ts';
import type { LogEvent } from '../../logs/schema.ts';
import type { Lesson, RecipeName } from '../schema.ts';
import type { ChatMessage } from './client.ts';
import type { CodeContext } from './context.ts';

/** Everything the prompt is built from (all values diagnose already holds). */
export interface AdvicePromptInput {
  group: { id: string; class: string; agent: string; host?: string; status?: number; events: number; itemsAffected: number };
  cause: { ruleId: string; summary: string; expected: string; fixable: boolean };
  /** The recipes the knowledge base names for this cause: the answer's `recipe` must be one of them. */
  remedies: RecipeName[];
  /** Example log events (at most the first 5 are shown). */
  evidence: LogEvent[];
  context: CodeContext;
  lessons: Lesson[];
  /** What the knowledge base did for the group: proposals offered, recipes that did not apply and why. */
  tried: string[];
  /** Values that must never reach the endpoint (Plex token, the LLM key). */
  secrets: string[];
}

const HOME_PATTERNS: Array<[RegExp, string]> = [
  [/(^|[^\w.])\/home\/[^/\s'"]+/g, '$1~'],
  [/(^|[^\w.])\/Users\/[^/\s'"]+/g, '$1~'],
  // Windows account folders may hold spaces ("C:\Users\Bob Smith\Videos"): up to the next backslash.
  [/\b[A-Za-z]:\\{1,2}Users\\{1,2}(?:[^\\\r\n'"<>|]{1,40}(?=\\)|[^\\\s'"]+)/gi, '%USERPROFILE%'],
];

/** Hides account names in home-folder paths. */
export function redactHomes(text: string): string {
  return HOME_PATTERNS.reduce((t, [re, to]) => t.replace(re, to), text);
}

/** Everything that leaves for the endpoint goes through here. */
export function scrub(text: string, secrets: readonly string[]): string {
  return redactHomes(redact(text, secrets));
}

/** The answer shape, as the model is shown it. */
export function answerShape(remedies: readonly RecipeName[]): string {
  return JSON.stringify(
    {
      recipe: remedies.filter((r) => r !== 'workaround').join(' | ') || remedies.join(' | '),
      title: 'short imperative title of the change',
      rationale: 'why this removes the cause, citing the log lines and code lines shown',
      edits: [{ file: 'X.bundle/Contents/Code/file.py (a file shown above)', old: 'exact text copied from that file, occurring exactly once in it', new: 'the replacement text' }],
      expectedChange: 0.5,
    },
    null,
    2,
  );
}

const SYSTEM = [
  'You advise plexmend, a tool that repairs legacy Plex metadata agents: Python 2.7 plug-in bundles run by Plex under RestrictedPython.',
  'Answer with ONE JSON object and nothing else.',
  'Rules for a code change:',
  '- Python 2.7 only: no f-strings, no print(), no nonlocal, no annotations, no keyword-only arguments.',
  '- Plex refuses to load code with a new name that starts with an underscore, or that uses __file__, __import__ and the like.',
  '- Imports only from the Python 2.7 standard library or the bundle; the framework globals (HTTP, HTML, JSON, Log, Prefs, String) exist.',
  '- Change only the files shown (paths relative to the Plug-ins folder); "old" must be copied exactly (spaces and indentation included) and occur once in that file.',
  '- Change the lines the evidence names; keep the change small; never add credentials.',
  '- Prefer changing lines to removing them; to drop a statement, replace it.',
  'If no code change can help, answer {"noFix": "the reason"}.',
].join('\n');

function logLine(e: LogEvent): string {
  const message = e.message.length > 600 ? `${e.message.slice(0, 600)}…` : e.message;
  const parts = [e.ts, e.level, message, e.url ? `<${e.url}>` : undefined, e.location ? `[${e.location.file ?? '?'}:${e.location.line ?? '?'}]` : undefined];
  return parts.filter(Boolean).join(' ');
}

/** The chat messages for one group; every text passes through {@link scrub}. */
export function buildAdvicePrompt(i: AdvicePromptInput): ChatMessage[] {
  const g = i.group;
  const out: string[] = [];
  out.push(`## Error group ${g.id}`);
  out.push(`${g.events} ${g.class} events${g.status !== undefined ? ` (HTTP ${g.status})` : ''}${g.host ? ` from ${g.host}` : ''} in agent ${g.agent}; ${g.itemsAffected} items affected.`);
  out.push(`Cause (knowledge base rule ${i.cause.ruleId}): ${i.cause.summary}`);
  out.push(`Expected behaviour: ${i.cause.expected}`);
  out.push(`Remedies the knowledge base allows for this cause: ${i.remedies.join(', ')}.`);
  if (i.tried.length) out.push('', '## What plexmend already tried', ...i.tried.map((t) => `- ${t}`));
  out.push('', '## Log evidence', '```', ...i.evidence.slice(0, 5).map(logLine), '```');
  out.push('', '## Code context (line numbers are not part of the file)');
  if (i.context.snippets.length === 0) out.push('(no code could be tied to this group)');
  for (const s of i.context.snippets) out.push('', `${s.file} lines ${s.from}-${s.to}:`, '```python', s.text, '```');
  if (i.context.anchors.length) out.push('', 'Lines the evidence names:', ...i.context.anchors.map((a) => `- ${a.file}:${a.line} — ${a.why}`));
  if (i.context.truncated) out.push('(more code was found than fits; the most specific lines are shown)');
  out.push('', '## Lessons from earlier iterations (honour them)');
  if (i.lessons.length === 0) out.push('(none)');
  for (const l of i.lessons) out.push(`- ${l.id} [${l.kind}, weight ${l.weight}]: ${l.text}`);
  out.push('', '## Answer', 'Reply with a JSON object of exactly this shape ("recipe" is one of the names given):', '```json', answerShape(i.remedies), '```');
  return [
    { role: 'system', content: scrub(SYSTEM, i.secrets) },
    { role: 'user', content: scrub(out.join('\n'), i.secrets) },
  ];
}
