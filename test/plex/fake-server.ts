/**
 * A small loopback Plex that replays the recorded fixtures (test/fixtures/plex-api/) for the client tests,
 * with switches for the situations the client must survive: wrong token, paging, a refresh that never ends,
 * a websocket that drops mid-refresh, a missing file, hanging or resetting connections.
 * It is a test double, not the sandbox's emulator (src/sandbox/pms/).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

const FIX = new URL('../fixtures/plex-api/', import.meta.url);

/** A fixture's text with its first-line SOURCE comment removed for JSON/JSONL (kept for XML: it is a comment). */
export function fixture(name: string): string {
  const text = readFileSync(new URL(name, FIX), 'utf8');
  return name.endsWith('.xml') ? text : text.slice(text.indexOf('\n') + 1);
}
export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixture(name)) as Record<string, unknown>;
}

export type RefreshMode = 'normal' | 'never' | 'missing-file' | 'drop-socket' | 'silent' | 'timeline-only';

export interface FakePlexOptions {
  token?: string;
  refresh?: RefreshMode;
  /** Delay between refresh frames, ms. */
  frameDelayMs?: number;
  /** Extra generated movies appended to section 1 (for paging). */
  extraItems?: number;
  /** With refresh 'drop-socket': how long websocket connections are refused after the drop. */
  wsDownMs?: number;
  sessions?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

interface Running {
  uuid: string;
  key: string;
  subtitle: string;
  progress: number;
}

export interface FakePlex {
  url: string;
  token: string;
  port: number;
  requests: RecordedRequest[];
  /** Paths answered by holding the connection open forever. */
  hang: Set<string>;
  /** Paths whose next N requests get their connection destroyed. */
  reset: Map<string, number>;
  options: FakePlexOptions;
  /** Currently connected websocket clients. */
  sockets(): number;
  wsUpgrades: number;
  /** Terminates every websocket client. */
  dropSockets(): void;
  close(): Promise<void>;
}

function movies(extra: number): Record<string, unknown>[] {
  const base = (fixtureJson('section-all-movies-legacy-imdb.json').MediaContainer as { Metadata: Record<string, unknown>[] }).Metadata;
  const gen = Array.from({ length: extra }, (_, i) => ({
    ratingKey: String(1000 + i),
    key: `/library/metadata/${1000 + i}`,
    guid: i % 3 === 0 ? `local://${1000 + i}` : `com.plexapp.agents.imdb://tt${9000000 + i}?lang=en`,
    type: 'movie',
    title: `Generated Film ${i}`,
    year: 2000 + (i % 20),
    ...(i % 2 === 0 ? { summary: 'A film.' } : {}),
    ...(i % 4 === 0 ? {} : { thumb: `/library/metadata/${1000 + i}/thumb/1` }),
    ...(i % 5 === 0 ? { originallyAvailableAt: '2001-01-01' } : {}),
    ...(i % 2 === 1 ? { Role: [{ tag: 'Someone' }] } : {}),
    Media: [{ id: 5000 + i, Part: [{ id: 5000 + i, file: `/data/Movies/Generated Film ${i}.mkv` }] }],
  }));
  return [...base, ...gen];
}

export async function startFakePlex(options: FakePlexOptions = {}): Promise<FakePlex> {
  const token = options.token ?? 'fake-token-0123456789';
  const requests: RecordedRequest[] = [];
  const hang = new Set<string>();
  const reset = new Map<string, number>();
  const running = new Map<string, Running>();
  const timers = new Set<NodeJS.Timeout>();
  const held = new Set<ServerResponse>();
  let wsRefuseUntil = 0;
  let wsUpgrades = 0;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const authed = (req: IncomingMessage, q: URLSearchParams) => (req.headers['x-plex-token'] ?? q.get('X-Plex-Token')) === token;

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const path = u.pathname;
    requests.push({ method: req.method ?? 'GET', path, query: u.searchParams, headers: req.headers });
    const left = reset.get(path);
    if (left && left > 0) {
      reset.set(path, left - 1);
      req.socket.destroy();
      return;
    }
    if (hang.has(path)) {
      held.add(res);
      return;
    }
    const json = String(req.headers.accept ?? '').includes('application/json');
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    const sendJson = (v: unknown) => send(200, JSON.stringify(v));
    if (path === '/identity') return send(200, fixture('assembled-identity.json'));
    if (!authed(req, u.searchParams)) {
      return send(401, '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>', 'text/html');
    }
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (path === '/library/sections') {
      return json ? send(200, fixture('library-sections.json')) : send(200, fixture('library-sections.xml'), 'text/xml');
    }
    if ((m = /^\/library\/sections\/(\w+)\/all$/.exec(path))) {
      if (m[1] === '14' || m[1] === '2') return sendJson({ MediaContainer: { size: 0, librarySectionID: Number(m[1]) } });
      if (m[1] !== '1') return send(404, 'Not Found', 'text/html');
      let all = movies(options.extraItems ?? 0);
      const title = u.searchParams.get('title');
      const year = u.searchParams.get('year');
      if (title) all = all.filter((x) => String(x.title).toLowerCase().includes(title.toLowerCase()));
      if (year) all = all.filter((x) => String(x.year) === year);
      const start = Number(req.headers['x-plex-container-start'] ?? 0);
      const size = Number(req.headers['x-plex-container-size'] ?? all.length);
      const page = all.slice(start, start + size);
      const c: Record<string, unknown> = { size: page.length, totalSize: all.length, offset: start, librarySectionID: 1 };
      if (page.length) c.Metadata = page;
      return sendJson({ MediaContainer: c });
    }
    if ((m = /^\/library\/metadata\/(\w+)\/children$/.exec(path))) {
      if (m[1] === '157') return send(200, fixture('children-tracks-local-guid.json'));
      if (m[1] === '89') return send(200, fixture('children-episodes-legacy-thetvdb.json'));
      return send(404, 'Not Found', 'text/html');
    }
    if ((m = /^\/library\/metadata\/(\w+)\/refresh$/.exec(path)) && method === 'PUT') {
      const id = m[1]!;
      if (!movies(options.extraItems ?? 0).some((x) => x.ratingKey === id) && id !== '513' && id !== '10123') return send(404, 'Not Found', 'text/html');
      send(200, '', 'text/plain');
      runRefresh(id);
      return;
    }
    if ((m = /^\/library\/metadata\/(\w+)\/matches$/.exec(path))) return send(200, fixture('matches-search-results.xml'), 'text/xml');
    if ((m = /^\/library\/metadata\/(\w+)\/(match|unmatch)$/.exec(path)) && method === 'PUT') return send(200, '', 'text/plain');
    if ((m = /^\/library\/metadata\/(\w+)$/.exec(path))) {
      if (m[1] === '108') return send(200, fixture('metadata-item-movie-legacy-imdb.json'));
      if (m[1] === '1' && !json) return send(200, fixture('metadata-item-movie-legacy-imdb.xml'), 'text/xml');
      const item = movies(options.extraItems ?? 0).find((x) => x.ratingKey === m![1]);
      if (!item) return send(404, 'Not Found', 'text/html');
      return sendJson({ MediaContainer: { size: 1, librarySectionID: 1, Metadata: [item] } });
    }
    if (path === '/activities') {
      const acts = [...running.values()].map((r) => ({
        uuid: r.uuid, type: 'library.refresh.items', cancellable: false, userID: 1, title: 'Refreshing', subtitle: r.subtitle, progress: r.progress,
        Context: { key: r.key },
      }));
      return sendJson({ MediaContainer: acts.length ? { size: acts.length, Activity: acts } : { size: 0 } });
    }
    if (path === '/status/sessions') {
      if (options.sessions) return send(200, fixture('assembled-status-sessions.json'));
      return sendJson({ MediaContainer: { size: 0 } });
    }
    if (path === '/system/agents') return send(200, fixture('assembled-system-agents.xml'), 'text/xml');
    if (path === '/:/plugins') return send(200, fixture('assembled-plugins.xml'), 'text/xml');
    if ((m = /^\/:\/plugins\/([\w.]+)\/restart$/.exec(path))) return send(200, '', 'text/plain');
    if ((m = /^\/:\/plugins\/([\w.]+)\/prefs$/.exec(path))) return send(200, fixture('assembled-plugin-prefs.xml'), 'text/xml');
    if ((m = /^\/:\/plugins\/([\w.]+)\/prefs\/set$/.exec(path))) return send(200, '', 'text/plain');
    return send(404, 'Not Found', 'text/html');
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket: Socket, head) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: 'UPGRADE', path: u.pathname, query: u.searchParams, headers: req.headers });
    if (u.pathname !== '/:/websockets/notifications' || Date.now() < wsRefuseUntil) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!authed(req, u.searchParams)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      wsUpgrades++;
      wss.emit('connection', ws, req);
    });
  });

  const broadcast = (frame: unknown) => {
    const text = JSON.stringify(frame);
    for (const c of wss.clients) if (c.readyState === 1) c.send(text);
  };

  /** The recorded 5-frame refresh (started → updated×3 → ended) re-keyed to this item and a new uuid. */
  function framesFor(id: string, missing: boolean): Record<string, unknown>[] {
    const uuid = randomUUID();
    const lines = fixture('ws-activity-refresh-item.jsonl').trim().split('\n');
    const frames = lines.map((l) => JSON.parse(l.replaceAll('c30c1edc-8df0-4713-a7f1-f1373f6db8e9', uuid).replaceAll('/library/metadata/513', `/library/metadata/${id}`)));
    if (missing) {
      const ended = JSON.parse(fixture('ws-activity-refresh-ended-missing-file.json').replaceAll('e236a6e5-50ea-40b0-8c77-6300a43be5fe', uuid).replaceAll('/library/metadata/10123', `/library/metadata/${id}`));
      frames[frames.length - 1] = ended;
    }
    return frames;
  }

  function runRefresh(id: string): void {
    const mode = options.refresh ?? 'normal';
    const delay = options.frameDelayMs ?? 20;
    if (mode === 'silent') return;
    if (mode === 'timeline-only') {
      later(delay, () => broadcast({ NotificationContainer: { type: 'timeline', size: 1, TimelineEntry: [{ identifier: 'com.plexapp.plugins.library', sectionID: '1', itemID: id, type: 1, state: 5 }] } }));
      return;
    }
    const frames = framesFor(id, mode === 'missing-file');
    const uuid = ((frames[0]!.NotificationContainer as { ActivityNotification: Array<{ uuid: string }> }).ActivityNotification[0]!).uuid;
    const key = `/library/metadata/${id}`;
    const last = mode === 'never' ? 3 : frames.length;
    frames.slice(0, last).forEach((f, i) => {
      later(delay * (i + 1), () => {
        const n = (f.NotificationContainer as { ActivityNotification: Array<{ event: string; Activity: { subtitle: string; progress: number } }> }).ActivityNotification[0]!;
        if (n.event === 'ended') running.delete(uuid);
        else running.set(uuid, { uuid, key, subtitle: n.Activity.subtitle, progress: n.Activity.progress });
        if (mode === 'drop-socket' && i === 2) {
          wsRefuseUntil = Date.now() + (options.wsDownMs ?? 300);
          for (const c of wss.clients) c.terminate();
        }
        broadcast(f);
        if (n.event === 'ended') {
          broadcast({ NotificationContainer: { type: 'timeline', size: 1, TimelineEntry: [{ identifier: 'com.plexapp.plugins.library', sectionID: '1', itemID: id, type: 1, state: 5 }] } });
        }
      });
    });
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    port,
    requests,
    hang,
    reset,
    options,
    sockets: () => wss.clients.size,
    get wsUpgrades() {
      return wsUpgrades;
    },
    dropSockets: () => {
      for (const c of wss.clients as Set<WebSocket>) c.terminate();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const c of wss.clients) c.terminate();
      for (const r of held) r.destroy();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
