/**
 * The fixture sites on loopback: one node:http server per scenario site (a `down` site gets a port with
 * nothing listening: connection refused). Agents use real-looking `https://<host>/…` URLs; the sandbox's
 * framework shim sends them to `hostMap[host]` over plain HTTP with the Host header kept, like /etc/hosts.
 *
 * Routes of a `films` site: `/search?q=…` (results list), `/film/<id>/<slug>` (film page), `/img/…` (a tiny
 * JPEG), `/`. Of a `cast` site: `/person/<slug>`, `/img/person/<slug>.jpg`, `/`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scenario, Site } from '../scenario.ts';
import { peopleOf, siteSearch, type Person } from './catalogue.ts';
import { gate, newGateState, type GateState } from './behaviour.ts';
import { filmPage, notFoundPage, personPage, searchPage, TINY_JPEG } from './markup.ts';

export { looksLikeBrowser } from './behaviour.ts';
export { siteSearch, searchWords, slug } from './catalogue.ts';

/** Options of `startSites`. */
export interface SitesOptions {
  /** Replay PGMA-era timing: network latency on every answer and slow answers ×10. Default: fast. */
  realisticTiming?: boolean;
  /** Clock (ms) for rate windows; default `Date.now`. */
  now?: () => number;
}

/** Per-host counters. */
export interface SiteStats {
  requests: number;
  byStatus: Record<string, number>;
  /** Requests per path (without query) prefix: `/search`, `/film`, `/person`, `/img`, other. */
  byRoute: Record<string, number>;
}

/** The running sites. */
export interface SitesHandle {
  /** Site host name → `127.0.0.1:<port>`. */
  hostMap: Record<string, string>;
  /** Counters per host since start (or the last `resetStats`). */
  stats(): Record<string, SiteStats>;
  resetStats(): void;
  /** Stops every server and drops open connections and pending delayed answers. */
  close(): Promise<void>;
}

interface Running {
  site: Site;
  server?: Server;
  state: GateState;
  stats: SiteStats;
  people: Map<string, Person>;
}

function emptyStats(): SiteStats {
  return { requests: 0, byStatus: {}, byRoute: {} };
}

function routeOf(path: string): string {
  const m = /^\/(search|film|person|img)\b/.exec(path);
  return m ? `/${m[1]}` : 'other';
}

/**
 * Starts the scenario's sites on 127.0.0.1 (random ports). `seed` drives the seeded behaviours
 * (default: the scenario's seed).
 */
export async function startSites(scenario: Scenario, seed: number = scenario.seed, options: SitesOptions = {}): Promise<SitesHandle> {
  const realistic = options.realisticTiming ?? false;
  const now = options.now ?? Date.now;
  const allFilms = scenario.sites.flatMap((s) => s.films);
  const castBase = `https://${scenario.castSite}`;
  const timers = new Set<NodeJS.Timeout>();
  const running: Running[] = scenario.sites.map((site) => ({
    site,
    state: newGateState(),
    stats: emptyStats(),
    people: site.kind === 'cast' ? peopleOf(allFilms) : new Map(),
  }));
  const hostMap: Record<string, string> = {};

  const handle = (r: Running) => (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const verdict = gate(
      r.site.behaviours,
      {
        url,
        userAgent: req.headers['user-agent'],
        acceptLanguage: req.headers['accept-language'],
        client: req.socket.remoteAddress ?? 'unknown',
        now: now(),
      },
      r.state,
      { host: r.site.host, seed, timeScale: realistic ? 10 : 1, realisticTiming: realistic },
    );
    let status: number;
    let headers: Record<string, string>;
    let body: string | Buffer;
    if (verdict.kind === 'refuse') {
      ({ status, headers, body } = verdict);
      headers = { 'content-type': 'text/html; charset=utf-8', ...headers };
    } else {
      ({ status, headers, body } = route(r, url, castBase));
    }
    r.stats.requests++;
    r.stats.byStatus[String(status)] = (r.stats.byStatus[String(status)] ?? 0) + 1;
    const routeName = routeOf(url);
    r.stats.byRoute[routeName] = (r.stats.byRoute[routeName] ?? 0) + 1;
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (verdict.delayMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, verdict.delayMs);
      timers.add(t);
    } else send();
  };

  for (const r of running) {
    const server = createServer(handle(r));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
    const port = (server.address() as AddressInfo).port;
    hostMap[r.site.host] = `127.0.0.1:${port}`;
    if (r.site.behaviours.down) {
      // Keep the port's number but let nothing listen on it: connection refused, as for a dead site.
      await new Promise<void>((ok) => server.close(() => ok()));
    } else {
      r.server = server;
    }
  }

  return {
    hostMap,
    stats: () => Object.fromEntries(running.map((r) => [r.site.host, structuredClone(r.stats)])),
    resetStats: () => {
      for (const r of running) r.stats = emptyStats();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(
        running.map(
          (r) =>
            new Promise<void>((ok) => {
              if (!r.server) return ok();
              r.server.close(() => ok());
              r.server.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function html(status: number, body: string): { status: number; headers: Record<string, string>; body: string } {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', server: 'nginx' }, body };
}

/** Routes a request that passed the gate. */
function route(r: Running, url: string, castBase: string): { status: number; headers: Record<string, string>; body: string | Buffer } {
  const u = new URL(url, `https://${r.site.host}`);
  const path = decodeURIComponent(u.pathname);
  const label = r.site.label;
  const base = `https://${r.site.host}`;
  if (path.startsWith('/img/')) {
    return { status: 200, headers: { 'content-type': 'image/jpeg', 'cache-control': 'max-age=86400' }, body: TINY_JPEG };
  }
  if (path === '/' || path === '') {
    return html(200, searchPage(label, '', [], false).replace('<h1>Search results</h1>', `<h1>${label}</h1>`));
  }
  if (r.site.kind === 'films') {
    if (path === '/search' || path === '/search/') {
      const q = u.searchParams.get('q') ?? '';
      return html(200, searchPage(label, q, siteSearch(r.site.films, q), r.site.behaviours.redesign));
    }
    const m = /^\/film\/([a-z0-9-]+)(?:\/[^/]*)?$/.exec(path);
    const film = m ? r.site.films.find((f) => f.id === m[1]) : undefined;
    if (film) return html(200, filmPage(label, film, base, castBase));
  } else {
    const m = /^\/person\/([a-z0-9-]+)$/.exec(path);
    const person = m ? r.people.get(m[1]) : undefined;
    if (person) return html(200, personPage(label, person, base));
  }
  return html(404, notFoundPage(label, path));
}
