/**
 * The PMS emulator: an HTTP server on 127.0.0.1 that answers the endpoints plexmend uses the way Plex Media
 * Server does — token check (`X-Plex-Token` header or query parameter; 401 with PMS's text/html page),
 * XML by default and JSON on `Accept: application/json`, the notification websocket, the refresh queue
 * driving real agent plug-ins, plug-in restarts by HTTP and by Info.plist touch — plus fault switches and a
 * restart for tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Activities } from './activities.ts';
import { Faults } from './faults.ts';
import { makeCtx, sendError, type Route } from './http.ts';
import { Library, pseudoUuid } from './library.ts';
import { NotificationHub } from './notifications.ts';
import { PluginRegistry } from './plugins.ts';
import { RefreshQueue, type RefreshRecord } from './refresh.ts';
import { LibraryStateWriter, loadLibraryState } from './persist.ts';
import { libraryRoutes, type Session } from './routes-library.ts';
import { systemRoutes } from './routes-system.ts';
import type { EmulatorState } from './state.ts';
import type { LibrarySpec, PluginSpec } from './types.ts';

/** Options of `startPmsEmulator`; every one has a default. */
export interface PmsEmulatorOptions {
  /** The library served (default: empty). `demoSetup()` gives a small one with in-memory agents. */
  library?: LibrarySpec;
  plugins?: PluginSpec[];
  /** `Plug-in Support` folder (saved preferences). */
  supportDir?: string;
  /** Random when absent: 20 characters like a Plex account token. */
  token?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** Refresh jobs running at once (default 2). */
  refreshConcurrency?: number;
  /** Pause between a refresh's activity steps (default 15 ms; realistic timing uses more). */
  stepDelayMs?: number;
  /** Info.plist poll interval in ms (default 1000); `false` disables the watcher. */
  plistPollMs?: number | false;
  /** SSE ping interval (Plex: 10 s). */
  ssePingMs?: number;
  machineIdentifier?: string;
  version?: string;
  friendlyName?: string;
  now?: () => number;
  /** Library database file: loaded at start when present, saved after every change (Plex keeps its DB). */
  stateFile?: string;
  /** Called after each finished refresh (the sandbox CLI prints them with --verbose). */
  onRefresh?: (record: RefreshRecord) => void;
}

/** A PMS version string of the shape Plex reports (the value itself is the emulator's). */
export const EMULATOR_VERSION = '1.41.3.9314-a0bfb8370';

/**
 * A running (after `start()`) PMS emulator: `url`, `token`, `faults` (test switches), `state` (library,
 * queue, plug-ins — for tests), `setSessions()`, `restart()`, `close()`.
 */
export class PmsEmulator {
  readonly token: string;
  readonly faults = new Faults();
  readonly state: EmulatorState;
  /** The last error a route threw (answered 500); for tests and debugging. */
  lastError: Error | undefined;
  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly routes: Route[];
  private readonly opts: PmsEmulatorOptions;
  private readonly writer: LibraryStateWriter | undefined;

  constructor(opts: PmsEmulatorOptions) {
    this.opts = opts;
    this.token = opts.token ?? randomBytes(15).toString('base64url').slice(0, 20);
    const now = opts.now ?? Date.now;
    const nowSeconds = () => Math.floor(now() / 1000);
    const hub = new NotificationHub(opts.ssePingMs);
    const lib = new Library(opts.library ?? { sections: [], items: [] }, nowSeconds());
    const plugins = new PluginRegistry(opts.plugins ?? [], opts.supportDir, now);
    const activities = new Activities(hub);
    const faults = this.faults;
    this.writer = opts.stateFile ? new LibraryStateWriter(lib, opts.stateFile) : undefined;
    const changed = () => this.writer?.changed();
    const onDone = (record: RefreshRecord) => {
      changed();
      opts.onRefresh?.(record);
    };
    const queue = new RefreshQueue(
      { lib, plugins, activities, hub, faults, nowSeconds, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), onDone },
      { concurrency: opts.refreshConcurrency ?? 2, stepDelayMs: opts.stepDelayMs ?? 15 },
    );
    const name = opts.friendlyName ?? 'plexmend sandbox';
    this.state = {
      lib, plugins, queue, activities, hub, faults, sessions: [], nowSeconds, changed,
      machineIdentifier: opts.machineIdentifier ?? pseudoUuid(`machine-${name}`).replace(/-/g, ''),
      version: opts.version ?? EMULATOR_VERSION,
      friendlyName: name,
    };
    this.routes = [...systemRoutes(this.state), ...libraryRoutes(this.state)];
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the plug-ins, the Info.plist watcher and the HTTP server. */
  async start(): Promise<void> {
    if (this.opts.stateFile) await loadLibraryState(this.state.lib, this.opts.stateFile);
    await this.state.plugins.startAll();
    const poll = this.opts.plistPollMs ?? 1000;
    if (poll !== false) this.state.plugins.watchPlists(poll);
    try {
      await this.listen(this.opts.port ?? 0);
    } catch (err) {
      // Port taken (or similar): leave nothing running behind.
      this.server = undefined;
      await this.state.hub.close();
      await this.state.plugins.stopAll();
      throw err;
    }
  }

  /** Sets the playback sessions `/status/sessions` reports (empty = nobody watching). */
  setSessions(sessions: Session[]): void {
    this.state.sessions = [...sessions];
  }

  /**
   * Fault: the server goes away (connections cut, in-flight refreshes lost, no `ended` frames) and comes
   * back on the same port after `downMs`, with the library and plug-ins as they were.
   */
  async restart(downMs = 200): Promise<void> {
    await this.stopListening();
    this.state.queue.clear();
    this.state.activities.clear();
    await new Promise((r) => setTimeout(r, downMs));
    await this.listen(this.port);
  }

  /** Stops everything: server, streams, queue, plug-ins. */
  async close(): Promise<void> {
    await this.stopListening();
    this.state.queue.clear();
    await this.state.hub.close();
    await this.state.plugins.stopAll();
    await this.writer?.flush();
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.state.hub.closeAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  private authorised(req: IncomingMessage, url: URL): boolean {
    const h = req.headers['x-plex-token'];
    const given = typeof h === 'string' && h !== '' ? h : url.searchParams.get('X-Plex-Token');
    return given === this.token;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = (req.method ?? 'GET').toUpperCase();
    const method = raw === 'HEAD' ? 'GET' : raw; // node sends no body for HEAD
    try {
      if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
      const failure = this.faults.takeFailure(method, url.pathname);
      if (failure !== undefined) return sendError(res, failure);
      if (url.pathname === '/:/eventsource/notifications') {
        if (!this.authorised(req, url)) return sendError(res, 401);
        return this.state.hub.acceptEventSource(res, url.searchParams.get('filters'));
      }
      let pathMatched = false;
      for (const route of this.routes) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (!route.methods.includes(method)) continue;
        if (route.auth && !this.authorised(req, url)) return sendError(res, 401);
        await route.handle(makeCtx(req, res, url, m.slice(1)));
        return;
      }
      if (!this.authorised(req, url)) return sendError(res, 401);
      sendError(res, pathMatched ? 405 : 404);
    } catch (err) {
      this.lastError = err as Error;
      if (!res.headersSent) sendError(res, 500);
      else res.destroy();
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/:/websockets/notifications' || !this.authorised(req, url)) {
      const status = url.pathname !== '/:/websockets/notifications' ? '404 Not Found' : '401 Unauthorized';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.state.hub.acceptWebsocket(req, socket, head, url.searchParams.get('filters'));
  }
}

/** Creates and starts an emulator; `close()` stops it and everything it started. */
export async function startPmsEmulator(opts: PmsEmulatorOptions): Promise<PmsEmulator> {
  const emu = new PmsEmulator(opts);
  await emu.start();
  return emu;
}
