/**
 * Test helpers for the sandbox runtime: a loopback site serving test/fixtures/runtime/site, and a temp
 * "Plex data dir" (with a space in its path) holding copies of the fixture bundles.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/runtime/', import.meta.url));

/** The framework line grammar (DESIGN §Phase 1). */
export const LINE =
  /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) \((-?[0-9a-f]+)\) : {2}(DEBUG|INFO|WARNING|ERROR|CRITICAL) \(([^:()]+):(\d+)\) - (.*)$/;

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface Site {
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A loopback site: /search, /film/42, /img/*, /forbidden (403), /counter (changes per request), /data.json. */
export async function startSite(): Promise<Site> {
  const requests: SeenRequest[] = [];
  let counter = 0;
  const search = await readFile(join(FIXTURES, 'site', 'search.html'));
  const film = await readFile(join(FIXTURES, 'site', 'film42.html'));
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/search') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(search);
    } else if (path === '/film/42') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(film);
    } else if (path.startsWith('/img/')) {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end('JPEGDATA');
    } else if (path === '/forbidden') {
      res.writeHead(403, 'Forbidden', { 'Content-Type': 'text/html' }).end('no');
    } else if (path === '/counter') {
      counter += 1;
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`count ${counter}`);
    } else if (path === '/data.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"a": [1, 2], "b": "ü"}');
    } else if (path === '/set-cookie') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Set-Cookie': 'cf_clearance=ok42; Path=/' }).end('cookie set');
    } else if (path === '/echo-cookie') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`cookie=${req.headers.cookie ?? ''}`);
    } else if (path === '/slow') {
      const timer = setTimeout(() => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('late'), 1500);
      res.on('close', () => clearTimeout(timer));
    } else if (path === '/redirect') {
      res.writeHead(302, { Location: '/counter' }).end();
    } else {
      res.writeHead(404, 'Not Found').end('missing');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface DataDir {
  root: string;
  plugins: string;
  logs: string;
  support: string;
  cleanup(): Promise<void>;
}

/** A temp Plex data dir ("Application Support/Plex Media Server") with the fixture bundles copied in. */
export async function makeDataDir(): Promise<DataDir> {
  const base = await mkdtemp(join(tmpdir(), 'plexmend-runtime-'));
  const root = join(base, 'Application Support', 'Plex Media Server');
  const plugins = join(root, 'Plug-ins');
  await cp(join(FIXTURES, 'Plug-ins'), plugins, { recursive: true });
  return {
    root,
    plugins,
    logs: join(root, 'Logs', 'PMS Plugin Logs'),
    support: join(root, 'Plug-in Support'),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

/** Every line of a log file must be a framework line or a traceback continuation. */
export function checkGrammar(text: string): { records: RegExpExecArray[]; stray: string[] } {
  const records: RegExpExecArray[] = [];
  const stray: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = LINE.exec(line);
    if (m) records.push(m);
    else if (!/^( {2}File "|    |[A-Za-z_.]+(Error|Exception)\b|KeyError)/.test(line)) stray.push(line);
  }
  return { records, stray };
}
