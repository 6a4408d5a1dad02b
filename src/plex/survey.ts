/**
 * `plexmend survey`: the library-wide picture a few MiB of rotating plug-in logs cannot give — per library
 * section and per agent (the guid scheme of the item's match: the section's primary agent, `local` when
 * unmatched), how many items lack a summary, a poster (`thumb`), cast (`Role` tags; listings carry the first
 * few, enough to tell "none") or a release date (`originallyAvailableAt`). Reads section listings only (one
 * paged request series per section, never one request per item). Sections of types without these fields
 * (music, photos) are listed as skipped.
 */
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import type { Section } from './library.ts';
import type { PlexItem } from './metadata.ts';

export const SURVEY_FIELDS = ['summary', 'poster', 'cast', 'releaseDate'] as const;
export type SurveyField = (typeof SURVEY_FIELDS)[number];
/** Section types the survey reads (movie and show libraries are where metadata agents fill these fields). */
export const SURVEYED_TYPES = ['movie', 'show'] as const;

const lackingSchema = z.object({ summary: z.number(), poster: z.number(), cast: z.number(), releaseDate: z.number() });
const rowSchema = z.object({
  agent: z.string(),
  items: z.number(),
  lacking: lackingSchema,
  /** Items lacking every field: the agent most likely never updated them. */
  lackingAll: z.number(),
  /** Up to 10 ratingKeys per field, to look at or refresh. */
  examples: z.object({ summary: z.array(z.string()), poster: z.array(z.string()), cast: z.array(z.string()), releaseDate: z.array(z.string()) }),
});

export const surveyDoc = defineDocument(
  'plexmend.survey/1',
  z.object({
    schema: z.literal('plexmend.survey/1'),
    target: z.string(),
    createdAt: z.string(),
    sections: z.array(z.object({
      key: z.string(),
      title: z.string(),
      type: z.string(),
      /** The section's primary agent. */
      agent: z.string(),
      items: z.number(),
      lacking: lackingSchema,
      byAgent: z.array(rowSchema),
    })),
    skipped: z.array(z.object({ key: z.string(), title: z.string(), type: z.string(), reason: z.string() })),
    totals: z.object({ items: z.number(), lacking: lackingSchema }),
  }),
);
export type SurveyReport = z.infer<typeof surveyDoc.schema>;
type Row = z.infer<typeof rowSchema>;

/** The client calls the survey makes. */
export interface SurveyClient {
  sections(): Promise<Section[]>;
  sectionItems(sectionKey: string): Promise<PlexItem[]>;
}

/** Which survey fields an item lacks. */
export function lackingFields(item: PlexItem): SurveyField[] {
  const out: SurveyField[] = [];
  if (!item.summary || item.summary.trim() === '') out.push('summary');
  if (!item.thumb) out.push('poster');
  if (item.cast.length === 0) out.push('cast');
  if (!item.originallyAvailableAt) out.push('releaseDate');
  return out;
}

const zero = () => ({ summary: 0, poster: 0, cast: 0, releaseDate: 0 });

/** Pure: one section's items → its per-agent rows. */
export function surveyItems(items: PlexItem[]): { lacking: Row['lacking']; byAgent: Row[] } {
  const rows = new Map<string, Row>();
  const lacking = zero();
  for (const item of items) {
    const agent = item.agent || '(no guid)';
    let row = rows.get(agent);
    if (!row) {
      row = { agent, items: 0, lacking: zero(), lackingAll: 0, examples: { summary: [], poster: [], cast: [], releaseDate: [] } };
      rows.set(agent, row);
    }
    row.items++;
    const missing = lackingFields(item);
    for (const f of missing) {
      row.lacking[f]++;
      lacking[f]++;
      if (row.examples[f].length < 10) row.examples[f].push(item.ratingKey);
    }
    if (missing.length === SURVEY_FIELDS.length) row.lackingAll++;
  }
  return { lacking, byAgent: [...rows.values()].sort((a, b) => b.items - a.items || a.agent.localeCompare(b.agent)) };
}

/**
 * Surveys the library (all movie/show sections, or those whose key or title is in `only`).
 * Throws the client's errors (unreachable, token rejected).
 */
export async function survey(client: SurveyClient, o: { target: string; only?: string[]; now?: () => Date }): Promise<SurveyReport> {
  const sections = await client.sections();
  const report: SurveyReport = {
    schema: 'plexmend.survey/1',
    target: o.target,
    createdAt: (o.now?.() ?? new Date()).toISOString(),
    sections: [],
    skipped: [],
    totals: { items: 0, lacking: zero() },
  };
  for (const s of sections) {
    if (o.only?.length && !o.only.includes(s.key) && !o.only.includes(s.title)) continue;
    if (!(SURVEYED_TYPES as readonly string[]).includes(s.type)) {
      report.skipped.push({ key: s.key, title: s.title, type: s.type, reason: `${s.type} sections have no summary/poster/cast/release date to survey` });
      continue;
    }
    const items = await client.sectionItems(s.key);
    const { lacking, byAgent } = surveyItems(items);
    report.sections.push({ key: s.key, title: s.title, type: s.type, agent: s.agent, items: items.length, lacking, byAgent });
    report.totals.items += items.length;
    for (const f of SURVEY_FIELDS) report.totals.lacking[f] += lacking[f];
  }
  return report;
}

const pct = (n: number, of: number) => (of === 0 ? '   -' : `${String(Math.round((100 * n) / of)).padStart(3)}%`);

/** Text rendering: one block per section, one line per agent (`header: false` leaves out the target line). */
export function renderSurvey(r: SurveyReport, o: { header?: boolean } = {}): string {
  const lines = o.header === false ? [] : [r.target, ''];
  const head = `${'agent'.padEnd(40)} ${'items'.padStart(6)}  ${'no summary'.padStart(12)} ${'no poster'.padStart(12)} ${'no cast'.padStart(12)} ${'no date'.padStart(12)}`;
  const cell = (n: number, of: number) => `${String(n).padStart(6)} ${pct(n, of)}`.padStart(12);
  for (const s of r.sections) {
    lines.push(`section ${s.key} "${s.title}" (${s.type}, primary agent ${s.agent || 'none'}): ${s.items} items`);
    lines.push('  ' + head);
    for (const row of s.byAgent) {
      const name = row.agent === 'local' ? 'local (unmatched)' : row.agent;
      lines.push(`  ${name.padEnd(40)} ${String(row.items).padStart(6)}  ${cell(row.lacking.summary, row.items)} ${cell(row.lacking.poster, row.items)} ${cell(row.lacking.cast, row.items)} ${cell(row.lacking.releaseDate, row.items)}`);
    }
    lines.push('');
  }
  for (const s of r.skipped) lines.push(`skipped section ${s.key} "${s.title}": ${s.reason}`);
  const t = r.totals;
  lines.push(`total: ${t.items} items; lacking summary ${t.lacking.summary}, poster ${t.lacking.poster}, cast ${t.lacking.cast}, release date ${t.lacking.releaseDate}`);
  return lines.join('\n') + '\n';
}
