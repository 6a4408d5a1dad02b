/**
 * The fixture sites' pages, in the markup real film sites use: a search results list, film pages (title,
 * studio, release date, running time, synopsis, cast links, poster), an IAFD-like person page, and the
 * refusal pages (403, 429, a Cloudflare-style challenge, 5xx). `redesign` switches the search results to a
 * newer card layout that keeps the data but moves it (an old XPath finds nothing), as site redesigns do.
 */
import type { Film } from '../scenario.ts';
import { slug, type Person } from './catalogue.ts';

/** HTML-escapes text for element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2019-05-04` → `May 04, 2019` (the `%B %d, %Y` form PGMA-era agents parse). */
export function longDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${MONTHS[Number(m) - 1]} ${d}, ${y}`;
}

/** Where a film page lives on its site. */
export function filmPath(film: Film): string {
  return `/film/${film.id}/${slug(film.title)}`;
}

function page(title: string, label: string, body: string, lang = 'en'): string {
  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} | ${esc(label)}</title>
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<header class="site-header"><a class="logo" href="/">${esc(label)}</a>
<form class="search" action="/search" method="get"><input type="text" name="q" placeholder="Search films"><button type="submit">Search</button></form>
</header>
<main id="content">
${body}
</main>
<footer class="site-footer"><p>&copy; ${esc(label)}. All rights reserved.</p></footer>
</body>
</html>
`;
}

/** The search results page (classic list, or the redesigned card grid). */
export function searchPage(label: string, query: string, results: readonly Film[], redesign: boolean): string {
  const count = `<p class="result-count">${results.length} film${results.length === 1 ? '' : 's'} found for &quot;${esc(query)}&quot;</p>`;
  if (results.length === 0) {
    return page(`Search: ${query}`, label, `<h1>Search results</h1>\n${count}\n<div class="result-list"></div>\n<p class="no-results">No films match your search.</p>`);
  }
  const cards = results
    .map((f) =>
      redesign
        ? `<div class="film-card">
  <a class="card-image" href="${filmPath(f)}"><img src="/img/${f.id}-thumb.jpg" alt=""></a>
  <div class="card-body">
    <h3 class="card-title"><a href="${filmPath(f)}">${esc(f.title)}</a></h3>
    <div class="card-meta"><span class="meta-studio">${esc(f.studio)}</span> &middot; <span class="meta-year">${f.date.slice(0, 4)}</span></div>
  </div>
</div>`
        : `<div class="film-card">
  <a class="film-title" href="${filmPath(f)}">${esc(f.title)}</a>
  <span class="film-studio">${esc(f.studio)}</span>
  <span class="film-year">${f.date.slice(0, 4)}</span>
</div>`,
    )
    .join('\n');
  const list = redesign ? `<section class="search-grid">\n${cards}\n</section>` : `<div class="result-list">\n${cards}\n</div>`;
  return page(`Search: ${query}`, label, `<h1>Search results</h1>\n${count}\n${list}`);
}

/** A film page. `siteBase` makes the poster URL absolute; cast links point at the cast site. */
export function filmPage(label: string, film: Film, siteBase: string, castBase: string): string {
  const people = (names: readonly string[]) => names.map((n) => `<a href="${castBase}/person/${slug(n)}">${esc(n)}</a>`).join(', ');
  const body = `<article class="film">
<h1 class="film-title">${esc(film.title)}</h1>
<div class="film-poster"><img class="poster" src="${siteBase}/img/${film.id}.jpg" alt="${esc(film.title)}"></div>
<dl class="film-details">
  <dt>Studio:</dt><dd class="studio"><a href="/studio/${slug(film.studio)}">${esc(film.studio)}</a></dd>
  <dt>Released:</dt><dd class="released">${longDate(film.date)}</dd>
  <dt>Running Time:</dt><dd class="runtime">${film.minutes} min</dd>
  <dt>Director:</dt><dd class="director">${people(film.directors)}</dd>
</dl>
<div class="synopsis"><h2>Synopsis</h2><p>${esc(film.synopsis)}</p></div>
<div class="cast"><h2>Cast</h2>
<ul class="cast-list">
${film.cast.map((n) => `  <li class="cast-member"><a href="${castBase}/person/${slug(n)}">${esc(n)}</a></li>`).join('\n')}
</ul></div>
<ul class="genres">
${film.genres.map((g) => `  <li><a href="/genre/${slug(g)}">${esc(g)}</a></li>`).join('\n')}
</ul>
</article>`;
  return page(film.title, label, body);
}

/** An IAFD-like person page: name, headshot and filmography table. */
export function personPage(label: string, person: Person, siteBase: string): string {
  const rows = person.films
    .map((f) => `<tr><td class="title">${esc(f.title)}</td><td class="studio">${esc(f.studio)}</td><td class="year">${f.year}</td></tr>`)
    .join('\n');
  const body = `<div class="person">
<h1 class="person-name">${esc(person.name)}</h1>
<div class="headshot"><img src="${siteBase}/img/person/${person.slug}.jpg" alt="${esc(person.name)}"></div>
<p class="bio">${esc(person.name)} has ${person.films.length} credit${person.films.length === 1 ? '' : 's'} listed.</p>
<table class="filmography"><thead><tr><th>Title</th><th>Studio</th><th>Year</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</div>`;
  return page(person.name, label, body);
}

/** The page a site shows to requests that do not look like a browser. */
export function forbiddenPage(host: string): string {
  return `<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head><body><h1>Access denied</h1><p>You don't have permission to access this resource on ${esc(host)}.</p><hr><address>nginx</address></body></html>\n`;
}

/** The page a rate-limited request gets. */
export function rateLimitedPage(retryAfterS: number): string {
  return `<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1><p>Slow down. Try again in ${retryAfterS} seconds.</p></body></html>\n`;
}

/** A Cloudflare-style JavaScript challenge (served with 503); no header gets past it. */
export function challengePage(host: string, rayId: string): string {
  return `<!DOCTYPE html>
<html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">${esc(host)}</h1>
<h2 id="challenge-running" class="h2">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title"><div class="h2"><span class="icon-wrapper"></span>Enable JavaScript and cookies to continue</div></div></noscript>
<div id="challenge-body-text" class="core-msg spacer">${esc(host)} needs to review the security of your connection before proceeding.</div>
<form id="challenge-form" action="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1?ray=${rayId}" method="POST" enctype="application/x-www-form-urlencoded"><input type="hidden" name="md" value="${rayId}"></form>
</div></div>
<div class="footer" role="contentinfo"><div class="footer-inner"><div class="clearfix diagnostic-wrapper"><div class="ray-id">Ray ID: <code>${rayId}</code></div></div>
<div class="text-center" id="footer-text">Performance &amp; security by Cloudflare</div></div></div>
</body></html>
`;
}

/** A bare server error page. */
export function serverErrorPage(status: number, reason: string): string {
  return `<!DOCTYPE html>\n<html><head><title>${status} ${esc(reason)}</title></head><body><center><h1>${status} ${esc(reason)}</h1></center><hr><center>nginx</center></body></html>\n`;
}

/** A 404 page. */
export function notFoundPage(label: string, path: string): string {
  return page('Page not found', label, `<h1>Page not found</h1><p>The page ${esc(path)} does not exist.</p>`);
}

/** Bytes of a tiny valid JPEG (1×1 grey), served for posters and headshots. */
export const TINY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==',
  'base64',
);
