/**
 * THE gate to Plex: every call of every resource module goes through `PlexConnection.request()`, which
 * builds the URL, adds the token (`X-Plex-Token` header) and the product headers (python-plexapi's
 * `X-Plex-Product`/`-Version`/`-Client-Identifier`/`-Platform`/`-Device`…), asks for JSON where the
 * endpoint gives it (`Accept: application/json`) and parses XML where it does not (`/system/agents`,
 * `/:/plugins/*`), applies a timeout, retries GET with back-off on timeouts and broken connections (PUT is
 * never retried: a refresh or a match must not run twice behind the user's back), maps status codes to typed
 * errors (401 → TokenRejectedError, 404 → PlexNotFoundError, other ≥ 400 → PlexRequestError, connection
 * refused → ServerUnreachableError) and pages with `X-Plex-Container-Start`/`-Size`. The token never
 * appears in an error: URLs in messages are printed without their query string and passed through redact().
 */
import { PlexError, PlexResponseError, PlexNotFoundError, PlexRequestError, PlexTimeoutError, ServerUnreachableError, TokenRejectedError, safeUrl } from './errors.ts';
import { container, num, parseXml, type Node } from './body.ts';
import { fetchTransport, networkErrorCode, TRANSIENT_CODES, UNREACHABLE_CODES, type HttpMethod, type Transport } from './transport.ts';

export type Query = Record<string, string | number | boolean | undefined>;

/** Product identity sent with every request (python-plexapi `reset_base_headers()`). */
export interface ProductHeaders {
  product: string;
  version: string;
  platform: string;
  platformVersion: string;
  device: string;
  deviceName: string;
}

export interface PlexConnectionOptions {
  /** Base URL of Plex Media Server, e.g. `http://127.0.0.1:32400`. */
  url: string;
  /** Server owner's token; omitted for unclaimed local servers. */
  token?: string;
  /** Stable per install (see client-id.ts). */
  clientIdentifier: string;
  product?: Partial<ProductHeaders>;
  transport?: Transport;
  /** Per-attempt timeout, ms (default 15000). */
  timeoutMs?: number;
  /** Extra attempts for an idempotent GET after a timeout, reset or 503 (default 3). */
  retries?: number;
  /** First back-off delay, ms; doubled per attempt (default 500). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What the caller expects back: parsed JSON, parsed XML, or nothing (PUT/restart answers). */
export type BodyFormat = 'json' | 'xml' | 'none';

export interface RequestOptions {
  method?: HttpMethod;
  path: string;
  query?: Query;
  format?: BodyFormat;
  /** Paging: `X-Plex-Container-Start` / `X-Plex-Container-Size`. */
  start?: number;
  size?: number;
  timeoutMs?: number;
  /** Names the thing for a 404 message ("item 55"); default: the path. */
  what?: string;
}

export interface PlexResponse {
  status: number;
  /** Parsed body in the JSON shape (`{MediaContainer:{…}}`); `{}` for format 'none'. */
  body: Node;
  header(name: string): string | undefined;
}

const DEFAULT_PRODUCT: ProductHeaders = {
  product: 'plexmend',
  version: '0.1.0',
  platform: 'Node.js',
  platformVersion: process.versions.node,
  device: 'plexmend',
  deviceName: 'plexmend',
};

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A configured connection to one Plex Media Server. */
export class PlexConnection {
  readonly url: string;
  readonly clientIdentifier: string;
  readonly #token: string | undefined;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #product: ProductHeaders;

  constructor(o: PlexConnectionOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.clientIdentifier = o.clientIdentifier;
    this.#token = o.token || undefined;
    this.#transport = o.transport ?? fetchTransport;
    this.#timeoutMs = o.timeoutMs ?? 15000;
    this.#retries = o.retries ?? 3;
    this.#backoffMs = o.backoffMs ?? 500;
    this.#sleep = o.sleep ?? realSleep;
    this.#product = { ...DEFAULT_PRODUCT, ...o.product };
  }

  /** True when a token is configured (never exposes it). */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /** The tokens to scrub from any text (for redact()). */
  get secrets(): string[] {
    return this.#token ? [this.#token] : [];
  }

  /** The headers every request carries, token included (for the websocket upgrade too). */
  headers(format: BodyFormat = 'json'): Record<string, string> {
    const p = this.#product;
    const h: Record<string, string> = {
      'X-Plex-Product': p.product,
      'X-Plex-Version': p.version,
      'X-Plex-Client-Identifier': this.clientIdentifier,
      'X-Plex-Platform': p.platform,
      'X-Plex-Platform-Version': p.platformVersion,
      'X-Plex-Device': p.device,
      'X-Plex-Device-Name': p.deviceName,
      'X-Plex-Provides': 'controller',
      Accept: format === 'json' ? 'application/json' : 'application/xml, text/xml;q=0.9, */*;q=0.5',
    };
    if (this.#token) h['X-Plex-Token'] = this.#token;
    return h;
  }

  /** `url + path + query`, without the token (safe to print). */
  buildUrl(path: string, query: Query = {}): string {
    const u = new URL(this.url + (path.startsWith('/') ? path : '/' + path));
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      u.searchParams.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    }
    return u.toString();
  }

  /** The notification websocket URL with the token as query parameter (python-plexapi alert.py). Secret: never print. */
  websocketUrl(path = '/:/websockets/notifications', query: Query = {}): string {
    const u = new URL(this.buildUrl(path, query));
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.#token) u.searchParams.set('X-Plex-Token', this.#token);
    return u.toString();
  }

  /**
   * Sends one request through the gate. Throws TokenRejectedError (401), PlexNotFoundError (404),
   * PlexRequestError (other ≥ 400), ServerUnreachableError (refused/unknown host), PlexTimeoutError,
   * PlexResponseError (unparsable body).
   */
  async request(o: RequestOptions): Promise<PlexResponse> {
    const method = o.method ?? 'GET';
    const format = o.format ?? 'json';
    const url = this.buildUrl(o.path, o.query);
    const printable = safeUrl(url, this.secrets);
    const headers = this.headers(format);
    if (o.start !== undefined) headers['X-Plex-Container-Start'] = String(o.start);
    if (o.size !== undefined) headers['X-Plex-Container-Size'] = String(o.size);
    const timeoutMs = o.timeoutMs ?? this.#timeoutMs;
    const attempts = method === 'GET' ? 1 + this.#retries : 1;

    for (let attempt = 1; ; attempt++) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), timeoutMs);
      let retryable: boolean;
      try {
        const res = await this.#transport({ method, url, headers, signal: ac.signal });
        const text = await res.text();
        clearTimeout(timer);
        if (res.status === 401) throw new TokenRejectedError(this.url, this.hasToken);
        if (res.status === 404) throw new PlexNotFoundError(o.what ?? `${method} ${safeUrl(o.path)}`);
        if (res.status === 503 && attempt < attempts) {
          retryable = true;
        } else if (res.status >= 400) {
          throw new PlexRequestError(method, printable, res.status, text);
        } else {
          return { status: res.status, body: parseBody(text, format, printable), header: res.header };
        }
      } catch (err) {
        clearTimeout(timer);
        if (err instanceof PlexError) throw err;
        const code = ac.signal.aborted ? 'TIMEOUT' : networkErrorCode(err);
        if (code && UNREACHABLE_CODES.has(code)) throw new ServerUnreachableError(this.url, code);
        if (code === 'TIMEOUT' || (code && TRANSIENT_CODES.has(code))) {
          if (attempt >= attempts) {
            if (code === 'TIMEOUT') throw new PlexTimeoutError(method, printable, timeoutMs, attempt, method !== 'GET');
            throw new ServerUnreachableError(this.url, code);
          }
          retryable = true;
        } else if (err instanceof TypeError && err.message === 'fetch failed') {
          // fetch's other refusals (a port fetch blocks, a TLS failure): say what the cause was.
          const cause = (err as { cause?: { message?: unknown } }).cause?.message;
          throw new ServerUnreachableError(this.url, typeof cause === 'string' && cause ? cause : 'connection failed', err);
        } else {
          throw err;
        }
      }
      if (retryable) await this.#sleep(this.#backoffMs * 2 ** (attempt - 1));
    }
  }

  /**
   * Fetches every page of a listing (python-plexapi `fetchItems`): asks for `pageSize` items at a time and
   * stops when `totalSize` (or, when the server omits it, a short page) says the list is complete.
   * `pick` extracts the items of one page's body. Returns the items and the first page's container.
   */
  async requestAll<T>(o: RequestOptions, pick: (body: Node) => T[], pageSize = 100): Promise<{ items: T[]; container: Node }> {
    const items: T[] = [];
    let first: Node | undefined;
    for (let start = 0; ; ) {
      const res = await this.request({ ...o, start, size: pageSize });
      const c = container(res.body);
      first ??= c;
      const page = pick(res.body);
      // The same first item again: the server ignored the offset; what we have is everything.
      if (start > 0 && page.length > 0 && items.length > 0 && JSON.stringify(page[0]) === JSON.stringify(items[0])) break;
      items.push(...page);
      const total = num(c.totalSize) ?? num(res.header('X-Plex-Container-Total-Size'));
      start += page.length;
      // A server that ignores the paging headers answers everything at once: more than a page means done.
      if (page.length === 0 || page.length !== pageSize || (total !== undefined && start >= total)) break;
    }
    return { items, container: first ?? {} };
  }
}

function parseBody(text: string, format: BodyFormat, url: string): Node {
  if (format === 'none' || text.trim() === '') return {};
  const trimmed = text.trimStart();
  // Some endpoints ignore Accept: read what actually came.
  try {
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) return JSON.parse(text) as Node;
    if (trimmed.startsWith('<')) return parseXml(text);
  } catch (err) {
    throw new PlexResponseError(url, `malformed ${trimmed.startsWith('<') ? 'XML' : 'JSON'} (${(err as Error).message.slice(0, 80)})`);
  }
  throw new PlexResponseError(url, `neither JSON nor XML (starts with ${JSON.stringify(trimmed.slice(0, 20))})`);
}
