/**
 * Recipe: the honest answer when a cause has no code fix — a Cloudflare-style challenge, a title the site
 * does not have, a file name the agent cannot parse. Nothing is changed; the user gets what to do, and
 * for misnamed files the canonical name for each one.
 */
import { fill } from '../knowledge.ts';
import { emptyChange, type Recipe } from './types.ts';

/**
 * The name PGMA-style agents parse — `(Studio) - Title (Year)` — for a file name that is close to it
 * (dashes of other kinds, a studio without parentheses, a year without them); null when no studio can
 * be told apart.
 */
export function canonicalFileName(fileName: string): string | null {
  const dot = fileName.lastIndexOf('.');
  const ext = dot > 0 && fileName.length - dot <= 5 ? fileName.slice(dot) : '';
  let base = (ext ? fileName.slice(0, dot) : fileName).replace(/[\u2012-\u2015\u2212]/g, '-').replace(/\s+/g, ' ').trim();
  let studio: string | undefined;
  let m = /^\(([^()]+)\)\s*-?\s*(.+)$/.exec(base);
  if (m) [, studio, base] = m as unknown as [string, string, string];
  else if ((m = /^([^()]+?)\s*-\s+(.+)$/.exec(base))) [, studio, base] = m as unknown as [string, string, string];
  if (!studio) return null;
  let year: string | undefined;
  const y = /\s*[([]?((?:19|20)\d{2})[)\]]?\s*$/.exec(base);
  if (y && y.index > 0) {
    year = y[1];
    base = base.slice(0, y.index);
  }
  const title = base.replace(/\s*-\s*$/, '').trim();
  if (!title) return null;
  return `(${studio.trim()}) - ${title}${year ? ` (${year})` : ''}${ext}`;
}

export const workaround: Recipe = {
  name: 'workaround',
  async run(ctx) {
    const vars = { agent: ctx.group.agent, host: ctx.group.host, status: ctx.group.status, detail: ctx.group.examples[0]?.message };
    const text = fill(ctx.rule.workaround ?? 'No code change is known to help.', vars);
    const change = emptyChange(ctx.rule.fixable ? 'Workaround' : 'No code fix: workaround', fill(ctx.rule.cause, vars), 'workaround');
    const renames: string[] = [];
    if (ctx.group.class === 'filename_format_error') {
      for (const item of ctx.group.items) {
        const path = item.filePath ?? item.title;
        const name = path.split(/[\\/]/).pop()!;
        const fixed = canonicalFileName(name);
        renames.push(fixed && fixed !== name ? `"${name}" → "${fixed}"` : `"${name}" → add the studio: "(Studio) - ${name}"`);
      }
    }
    change.workaround = renames.length ? `${text}\n${renames.map((r) => `  rename ${r}`).join('\n')}` : text;
    if (ctx.probe) change.rationale += ` Probe: ${ctx.probe.detail}.`;
    return { ok: true, ...change };
  },
};
