/**
 * The ground-truth oracle: what a sandbox site agent's search yields for one item, computed from the world
 * (the file name, the site's catalogue and behaviours) by the same rules the agents' Python code applies —
 * PGMA's filename REGEX, the search-string cleaning, the site's own search, the title / studio / release-date
 * tests — once with the planted defects and once with every fixable defect cured.
 *
 * Used to write the scenario files' `truth` (build.ts) and by tests that check the files still agree with
 * their world. The agents' code in `../agents/` is the reference; keep the two in step (the end-to-end test
 * runs the real agents and compares with the truth).
 */
import type { Defect, Scenario, Site, Truth } from '../scenario.ts';
import type { Film } from '../scenario.ts';
import { siteSearch } from '../sites/catalogue.ts';

/** PGMA's filename convention `(Studio) - Title [(Year)]` (our agents' form of it). */
export const FILENAME_RE = /^\((?<studio>[^()]*)\) - (?<title>.+?)(?: \((?<year>\d{4})\))?$/;

/** The name part of a path without its extension. */
export function stem(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** utils.cleanSearchString: diacritics off, lower case, `' ’ ‘ , & ! . # : ? " “ ”` removed, spaces collapsed. */
export function cleanSearchString(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['\u2019\u2018,&!.#:?"\u201c\u201d]/g, '')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

const ROMAN: Record<string, string> = { ii: '2', iii: '3', iv: '4', v: '5', vi: '6', vii: '7', viii: '8', ix: '9', x: '10' };

/**
 * utils.normaliseTitle. `defective` reproduces the planted bugs: only the straight apostrophe is dropped (a
 * curly one becomes a space: `Tom’s` → `tom s`), and the roman-numeral table is never applied (its keys are
 * upper case, the words lower case).
 */
export function normaliseTitle(title: string, defective: boolean): string {
  let s = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  s = s.replace(/&/g, ' and ');
  s = defective ? s.replace(/'/g, '') : s.replace(/['\u2019\u2018]/g, '');
  s = s.replace(/[^a-z0-9 ]/g, ' ');
  const words = s.split(/\s+/).filter(Boolean);
  return (defective ? words : words.map((w) => ROMAN[w] ?? w)).join(' ');
}

/** utils.matchStudio: equal after normalising, or one contains the other. */
export function studioMatches(site: string, file: string): boolean {
  const a = normaliseTitle(site, false).replace(/ /g, '');
  const b = normaliseTitle(file, false).replace(/ /g, '');
  return a === b || a.includes(b) || b.includes(a);
}

/** utils.matchReleaseDate: within 366 days of 31 December of the file's year (skipped without a year). */
export function dateMatches(siteIso: string, year: number | undefined): boolean {
  if (year === undefined) return true;
  const delta = Math.abs(Date.parse(`${siteIso}T00:00:00Z`) - Date.parse(`${year}-12-31T00:00:00Z`)) / 86_400_000;
  return delta <= 366;
}

/** The film an agent's loop would accept among `results`, or undefined. */
function accepted(results: readonly Film[], title: string, studio: string, year: number | undefined, defective: boolean): Film | undefined {
  const want = normaliseTitle(title, defective);
  return results.find((f) => normaliseTitle(f.title, defective) === want && studioMatches(f.studio, studio) && dateMatches(f.date, year));
}

const CURE: Partial<Record<Defect, Truth['fix'][number]>> = {
  browser_headers: 'request_headers',
  rate_limit: 'retry_backoff',
  redesigned_markup: 'xpath_repair',
  title_normaliser: 'title_normalisation',
  transient_5xx: 'retry_backoff',
  slow_site: 'timeout_delay',
};

/** Computes the ground truth of one file name for an agent whose search pages live on `site`. */
export function truthFor(file: string, site: Site): Truth {
  const m = FILENAME_RE.exec(stem(file));
  if (!m?.groups) {
    return { now: 'fail', class: 'filename_format_error', defects: ['misnamed_file'], fixable: false, fix: [], then: 'fail', thenClass: 'filename_format_error', note: 'rename the file to (Studio) - Title (Year)' };
  }
  const studio = m.groups.studio;
  const title = m.groups.title;
  const year = m.groups.year ? Number(m.groups.year) : undefined;
  const b = site.behaviours;
  if (b.down) {
    return { now: 'fail', class: 'connection_error', defects: ['site_down'], fixable: false, fix: [], then: 'fail', thenClass: 'connection_error', note: 'nothing answers at the site' };
  }
  if (b.challenge) {
    return { now: 'fail', class: 'http_error', status: 503, defects: ['cloudflare_challenge'], fixable: false, fix: [], then: 'fail', thenClass: 'http_error', note: 'a Cloudflare-style challenge no header passes' };
  }
  const results = siteSearch(site.films, cleanSearchString(title));
  const fixedFilm = accepted(results, title, studio, year, false);
  const defects: Defect[] = [];
  let now: Pick<Truth, 'now' | 'class' | 'status'>;
  if (b.browserOnly) {
    defects.push('browser_headers');
    now = { now: 'fail', class: 'http_error', status: 403 };
  } else if (results.length === 0) {
    now = { now: 'fail', class: 'no_results' };
  } else if (b.redesign) {
    now = { now: 'fail', class: 'xpath_failure' };
  } else if (accepted(results, title, studio, year, true)) {
    now = { now: 'match' };
  } else {
    now = { now: 'fail', class: 'title_match_failure' };
  }
  if (b.rateLimit && fixedFilm) defects.push('rate_limit');
  if (b.redesign && results.length > 0) defects.push('redesigned_markup');
  if (fixedFilm && !accepted(results, title, studio, year, true)) defects.push('title_normaliser');
  if (b.errors) defects.push('transient_5xx');
  if (b.slow) defects.push('slow_site');
  if (!fixedFilm) defects.push('absent_title');
  const then: Truth['then'] = fixedFilm ? 'match' : 'fail';
  const fix = [...new Set(defects.map((d) => CURE[d]).filter((x): x is NonNullable<typeof x> => x !== undefined))];
  const truth: Truth = {
    ...now,
    defects,
    fixable: now.now === 'fail' && then === 'match',
    fix: then === 'match' ? fix : [],
    then,
  };
  if (then === 'fail') truth.thenClass = results.length === 0 ? 'no_results' : 'title_match_failure';
  if (fixedFilm) truth.film = fixedFilm.id;
  return truth;
}

/** Recomputes every item × agent truth of a scenario (for consistency tests). */
export function recomputeTruth(s: Scenario): Map<string, Record<string, Truth>> {
  const sites = new Map(s.sites.map((x) => [x.host, x]));
  const out = new Map<string, Record<string, Truth>>();
  for (const item of s.items) {
    const sec = s.sections.find((x) => x.id === item.section)!;
    const rec: Record<string, Truth> = {};
    for (const bundle of sec.agents) {
      const name = bundle.slice(bundle.lastIndexOf('.') + 1);
      rec[name] = truthFor(item.file, sites.get(s.agentSites[name])!);
    }
    out.set(item.ratingKey, rec);
  }
  return out;
}
