/**
 * Recipe: XPath repair (reference §6: the most common real fix). The broken expression is the one at the
 * code location the evidence names (PGMA's `File: X, Line: N`, or the nearest `.xpath()` before the
 * `raise '< No Films! >'`); the current page is read; the value the file name says must be there (the
 * title; the studio; the year) is located; a robust XPath 1.0 replacement is derived and checked with a
 * real engine to extract that value on this item's page — and on the pages of other affected items.
 */
import { evaluate, parseHtml, resultStrings } from '../html.ts';
import { deriveListXPath, deriveXPath, type DerivedXPath } from '../xpath-derive.ts';
import { BROWSER_HEADERS } from '../probe.ts';
import type { ItemOutcome } from '../../logs/schema.ts';
import type { LogicalFile, XPathSite } from '../inspect/types.ts';
import { pyString, splitLines } from './source.ts';
import { addEdits, bundleFiles, emptyChange, evidenceLocations, type Recipe, type RecipeContext } from './types.ts';

type Field = 'title' | 'studio' | 'year';

/** Which file-name value a failing read was after, from the agent's own message ("Error getting Site Title"). */
export function fieldOf(message: string): Field | null {
  // Words, not substrings: PGMA prefixes update messages with "UPDATE::", which holds "date".
  if (/\bstudios?\b/i.test(message)) return 'studio';
  if (/\b(date|year)\b/i.test(message)) return 'year';
  if (/title|no film|no scene|no result|< no /i.test(message)) return 'title';
  return null;
}

function targetOf(item: ItemOutcome, field: Field): string | null {
  if (field === 'title') return item.title || null;
  if (field === 'studio') return item.studio ?? null;
  return item.year !== undefined ? String(item.year) : null;
}

interface Located {
  file: LogicalFile;
  path: string;
  site: XPathSite;
}

/** The `.xpath()` the evidence points at: on the logged line, else the nearest one before it in that function. */
function brokenSite(ctx: RecipeContext): Located | null {
  for (const { line, path, file } of evidenceLocations(ctx)) {
    const f = { path, file };
    const loc = { line };
    const fn = f.file.inspection.functions.filter((x) => x.line <= loc.line! && x.endLine >= loc.line!).sort((a, b) => b.line - a.line)[0];
    const sites = f.file.inspection.xpaths.filter((s) => s.expression && s.line <= loc.line! && (!fn || s.line >= fn.line));
    const site = sites.find((s) => s.line === loc.line) ?? sites.sort((a, b) => b.line - a.line)[0];
    if (site) return { file: f.file, path: f.path, site };
  }
  return null;
}

/** URLs of the page the broken expression reads: the logged URL, else the request that produced its receiver. */
function pageUrls(ctx: RecipeContext, at: Located, item: ItemOutcome): string[] {
  const urls = ctx.group.examples.map((e) => e.url).filter((u): u is string => Boolean(u));
  const from = at.site.receiverFrom?.line;
  const req = from ? at.file.inspection.requests.find((r) => r.line === from) : undefined;
  for (const template of req?.urls ?? []) {
    if (!template.includes('{?}')) urls.push(template);
    else {
      const q = item.title.toLowerCase();
      urls.push(template.replace('{?}', encodeURIComponent(q)), template.replace('{?}', encodeURIComponent(q).replace(/%20/g, '+')));
    }
  }
  return [...new Set(urls)].filter((u) => /^https?:\/\//.test(u));
}

async function fetchPage(ctx: RecipeContext, url: string): Promise<string | null> {
  try {
    const a = await ctx.http.get(url, { ...BROWSER_HEADERS }, 20000);
    return a.status < 400 ? a.body : null;
  } catch {
    return null;
  }
}

export const xpathRepair: Recipe = {
  name: 'xpath_repair',
  async run(ctx) {
    const at = brokenSite(ctx);
    if (!at) return { ok: false, reason: 'the evidence names no code line with an .xpath() expression' };
    const old = at.site.expression!;
    const message = ctx.group.examples.map((e) => e.message).join(' ');
    const field = ctx.group.class === 'no_results' ? 'title' : fieldOf(message);
    if (!field) return { ok: false, reason: `cannot tell which file-name value "${old}" should read (${message.slice(0, 80)})` };
    const items = ctx.group.items.filter((i) => targetOf(i, field));
    if (items.length === 0) return { ok: false, reason: `no affected item with a ${field} in its file name to locate on the page` };
    const relative = old.startsWith('.');
    const fn = at.file.inspection.functions.filter((x) => x.line <= at.site.line && x.endLine >= at.site.line).sort((a, b) => b.line - a.line)[0];
    const siblings = at.file.inspection.xpaths.filter((s) => s.expression && fn && s.line >= fn.line && s.line <= fn.endLine);
    const listSite = relative ? siblings.filter((s) => !s.expression!.startsWith('.') && s.line < at.site.line).sort((a, b) => b.line - a.line)[0] : undefined;
    const isList = ctx.group.class === 'no_results' || relative;

    const replacements = new Map<XPathSite, string>();
    const notes: string[] = [];
    for (const item of items.slice(0, 4)) {
      const target = targetOf(item, field)!;
      const listAt = isList ? (relative ? listSite : at.site) : undefined;
      for (const url of pageUrls(ctx, listAt ? { ...at, site: listAt } : at, item)) {
        const html = await fetchPage(ctx, url);
        if (!html) continue;
        const doc = parseHtml(html);
        if (isList && listAt) {
          const rel = siblings.filter((s) => s.expression!.startsWith('.') && s.line > listAt.line).map((s) => s.expression!);
          const listWorks = safeCount(listAt.expression!, doc) > 0;
          const d = deriveListXPath({ html, target, relative: rel });
          if (!d) continue;
          if (!listWorks) replacements.set(listAt, d.list);
          for (const s of siblings.filter((x) => x.expression!.startsWith('.') && x.line > listAt.line)) {
            const r = d.relative[s.expression!];
            if (r && r.xpath !== s.expression && !relativeWorks(doc, listWorks ? listAt.expression! : d.list, s.expression!)) replacements.set(s, r.xpath);
          }
          notes.push(`${url}: result list ${d.list} (${d.items} items)`);
        } else {
          if (safeCount(old, doc) > 0) {
            notes.push(`${url}: "${old}" still matches here`);
            continue;
          }
          const found: DerivedXPath[] = deriveXPath({ html, target, oldXPath: old });
          if (found[0]) {
            replacements.set(at.site, found[0].xpath);
            notes.push(`${url}: ${found[0].xpath} extracts "${found[0].value}" (${found[0].strategy})`);
          }
        }
        if (replacements.size) break;
      }
      if (replacements.size) break;
    }
    if (replacements.size === 0) {
      return { ok: false, reason: `could not derive a replacement for "${old}": the ${field} was not found on the pages read${notes.length ? ` (${notes.join('; ')})` : ''}` };
    }
    const lines = splitLines(ctx.text(at.file));
    const change = emptyChange(
      `Repair ${replacements.size === 1 ? 'the XPath' : `${replacements.size} XPaths`} in ${fn?.name ?? at.path}`,
      `The page markup changed: ${[...replacements.keys()].map((s) => `"${s.expression}"`).join(', ')} find nothing on the current page; the replacements were checked to extract the ${field} from the file name (${notes[notes.length - 1]}).`,
    );
    addEdits(
      change.edits,
      at.file.sha256,
      [...replacements].map(([site, xp]) => ({
        kind: 'transform' as const,
        line: site.line,
        fn: (l: string) => (l.includes(site.expressionText) ? l.replace(site.expressionText, pyString(xp)) : l),
        why: `replace ${site.expression}`,
      })),
    );
    for (const site of replacements.keys()) change.evidence.push({ file: `${ctx.bundle.bundle}/${at.path}`, line: site.line, text: (lines[site.line - 1] ?? '').trim(), why: `"${site.expression}" finds nothing on the current page` });
    return { ok: true, ...change };
  },
};

function safeCount(xp: string, doc: ReturnType<typeof parseHtml>): number {
  try {
    const v = evaluate(xp, doc);
    return Array.isArray(v) ? v.length : resultStrings(v)[0] ? 1 : 0;
  } catch {
    return 0;
  }
}

function relativeWorks(doc: ReturnType<typeof parseHtml>, list: string, rel: string): boolean {
  try {
    const items = evaluate(list, doc);
    if (!Array.isArray(items) || items.length === 0) return false;
    const v = evaluate(rel, items[0]!);
    return Array.isArray(v) ? v.length > 0 : Boolean(resultStrings(v)[0]);
  } catch {
    return false;
  }
}
