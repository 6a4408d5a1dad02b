/**
 * The HTTP port of the Plex client. The real adapter is Node 20's global `fetch`; tests may pass any
 * function of the same shape (the fake server is reached through the real adapter, on loopback).
 */

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  header(name: string): string | undefined;
  text(): Promise<string>;
}

/** Sends one request. Rejects on network failure (connection refused, reset, aborted by `signal`). */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/** The default transport: global `fetch` (undici inside Node 20). */
export const fetchTransport: Transport = async (req) => {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, signal: req.signal, redirect: 'follow' });
  return {
    status: res.status,
    header: (name) => res.headers.get(name) ?? undefined,
    text: () => res.text(),
  };
};

/**
 * The errno-style code of a network failure, looking through fetch's `TypeError: fetch failed`
 * wrapper (`cause.code`, e.g. ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET) and AggregateErrors
 * (dual-stack connects). `undefined` when the error is not a network failure.
 */
export function networkErrorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = networkErrorCode(errors[0]);
      if (inner) return inner;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Codes that mean "nobody is listening there" (no retry helps right now). */
export const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

/** Codes of a connection that broke mid-way: a GET may be retried. */
export const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ECONNABORTED']);
