/**
 * What a fixture site knows and how its own search box behaves: a lenient keyword search over its catalogue,
 * as real film sites do (they fold case, drop punctuation of either quote style, and rank partial hits), so an
 * agent receives near misses it must reject with its own title test — the step where PGMA's title
 * normalisation matters.
 */
import type { Film } from '../scenario.ts';

/** Words a site's search ignores. */
const STOPWORDS = new Set(['a', 'an', 'the', 'of', 'and', 'in', 'on', 'to', 'for']);

/** Lower-cases, strips diacritics, folds straight and curly quotes away and splits into words. */
export function searchWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['\u2018\u2019\u201c\u201d"]/g, '')
    .replace(/&/g, ' and ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0 && !STOPWORDS.has(w));
}

/**
 * The site's search: films whose title holds at least 60 % of the query's words (at least one), newest
 * first (as film sites list them, so a sequel often comes before the film asked for), at most `limit`.
 * Ties keep catalogue order, so the answer is deterministic.
 */
export function siteSearch(films: readonly Film[], query: string, limit = 10): Film[] {
  const q = [...new Set(searchWords(query))];
  if (q.length === 0) return [];
  const scored: { film: Film; index: number }[] = [];
  films.forEach((film, index) => {
    const words = new Set(searchWords(film.title));
    const hits = q.filter((w) => words.has(w)).length;
    if (hits > 0 && hits / q.length >= 0.6) scored.push({ film, index });
  });
  scored.sort((a, b) => b.film.date.localeCompare(a.film.date) || a.index - b.index);
  return scored.slice(0, limit).map((s) => s.film);
}

/** URL slug of a title or name: `Tom’s Summer Job` → `toms-summer-job`. */
export function slug(text: string): string {
  return searchWords(text.replace(/&/g, ' ')).join('-') || 'x';
}

/** A person on the cast site: slug, name, and the films (by title) they appear in. */
export interface Person {
  slug: string;
  name: string;
  films: { title: string; studio: string; year: string }[];
}

/** Everyone in the given films' casts, keyed by slug. */
export function peopleOf(films: readonly Film[]): Map<string, Person> {
  const out = new Map<string, Person>();
  for (const film of films) {
    for (const name of [...film.cast, ...film.directors]) {
      const s = slug(name);
      const p = out.get(s) ?? { slug: s, name, films: [] };
      p.films.push({ title: film.title, studio: film.studio, year: film.date.slice(0, 4) });
      out.set(s, p);
    }
  }
  return out;
}
