/**
 * Request plumbing shared by the emulator's routes: the request context, Plex-style answers (XML or JSON
 * by `Accept`, empty 200 for actions, text/html error pages like PMS's) and the route table type.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toJson, toXml, wantsJson, type Element } from './container.ts';

/** One request as a route sees it. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Path captures of the route's pattern. */
  params: string[];
  json: boolean;
  /** A request header or, as Plex allows for every `X-Plex-*` header, the query parameter of that name. */
  plexParam(name: string): string | undefined;
}

/** One route: method(s), path pattern, whether a token is needed, handler. */
export interface Route {
  methods: string[];
  pattern: RegExp;
  auth: boolean;
  handle(ctx: Ctx): Promise<void> | void;
}

/** Builds the context of a request. */
export function makeCtx(req: IncomingMessage, res: ServerResponse, url: URL, params: string[]): Ctx {
  return {
    req,
    res,
    method: (req.method ?? 'GET').toUpperCase() === 'HEAD' ? 'GET' : (req.method ?? 'GET').toUpperCase(),
    url,
    params,
    json: wantsJson(req.headers.accept),
    plexParam(name) {
      const h = req.headers[name.toLowerCase()];
      if (typeof h === 'string' && h !== '') return h;
      return url.searchParams.get(name) ?? undefined;
    },
  };
}

/** Answers with a Plex document in the format the client asked for. */
export function send(ctx: Ctx, body: Element, headers: Record<string, string> = {}): void {
  const text = ctx.json ? toJson(body) : toXml(body);
  ctx.res.writeHead(200, {
    'Content-Type': ctx.json ? 'application/json' : 'text/xml;charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  ctx.res.end(text);
}

/** Answers an action (refresh, match, restart…) with an empty 200, as PMS does. */
export function sendOk(ctx: Ctx): void {
  ctx.res.writeHead(200, { 'Content-Length': 0 });
  ctx.res.end();
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Answers an error with PMS's small text/html page (`<h1>401 Unauthorized</h1>`). */
export function sendError(res: ServerResponse, status: number): void {
  const reason = REASONS[status] ?? 'Error';
  const body = `<html><head><title>${reason}</title></head><body><h1>${status} ${reason}</h1></body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
