/**
 * The fixed panel the loop's progress is judged on: items with failed operations plus a seeded sample of
 * the library, chosen once at the start and refreshed at the end of every iteration. Its figure is the
 * share of the site agents' searches for panel items that match (item success as DESIGN.md defines it:
 * the agent's own footer).
 */
import type { LogReport } from '../logs/schema.ts';
import type { PanelItem } from './coordinator.ts';
import type { PanelFigure } from './schema.ts';

const canon = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** Seeded order (FNV-1a of seed and key): the same seed picks the same sample. */
export function seededOrder<T>(xs: T[], key: (x: T) => string, seed: number): T[] {
  const h = (k: string) => {
    let v = 2166136261 ^ seed;
    for (let i = 0; i < k.length; i++) v = Math.imul(v ^ k.charCodeAt(i), 16777619);
    return v >>> 0;
  };
  return [...xs].sort((a, b) => h(key(a)) - h(key(b)));
}

/** Failing items first, then a sample of the rest of the library, up to `size` in all. */
export function choosePanel(library: Array<Omit<PanelItem, 'failing'>>, failingKeys: Set<string>, size: number, seed: number): PanelItem[] {
  const failing = library.filter((i) => failingKeys.has(i.ratingKey)).map((i) => ({ ...i, failing: true }));
  const rest = seededOrder(library.filter((i) => !failingKeys.has(i.ratingKey)), (i) => i.ratingKey, seed).map((i) => ({ ...i, failing: false }));
  return [...failing, ...rest.slice(0, Math.max(0, size - failing.length))];
}

/**
 * The panel's figure: the share of panel items that at least one site agent matched (PGMA's site agents
 * contribute to one umbrella: an item is served when any of them found it), with per-agent search figures.
 */
export function panelFigure(iteration: number, panel: PanelItem[], report: LogReport, refreshes: number, durationMs: number): PanelFigure {
  const byPath = new Map(panel.filter((p) => p.filePath).map((p) => [p.filePath!, p.ratingKey]));
  const byTitle = new Map(panel.map((p) => [canon(p.title), p.ratingKey]));
  const perAgent: PanelFigure['perAgent'] = {};
  const items = new Map<string, boolean>();
  for (const row of report.items) {
    if (row.phase !== 'search') continue;
    const key = (row.filePath && byPath.get(row.filePath)) ?? byTitle.get(canon(row.title));
    if (!key) continue;
    const a = (perAgent[row.agent] ??= { matched: 0, observed: 0 });
    a.observed++;
    if (row.outcome === 'matched') a.matched++;
    items.set(key, (items.get(key) ?? false) || row.outcome === 'matched');
  }
  const matched = [...items.values()].filter(Boolean).length;
  const observed = items.size;
  const errorsByClass: Record<string, number> = {};
  for (const [c, v] of Object.entries(report.totals.byClass)) if (c !== 'framework_noise' && v) errorsByClass[c] = v;
  return { iteration, success: observed ? matched / observed : 0, matched, observed, perAgent, errorsByClass, refreshes, durationMs };
}
