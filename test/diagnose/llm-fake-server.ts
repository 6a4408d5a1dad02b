/**
 * A fake OpenAI-compatible server on 127.0.0.1 (port 0) for the adviser tests: answers POST
 * /v1/chat/completions from a script of replies (one per request, the last repeated), records every
 * request's headers and body, and can hang. `close()` ends open connections and stops it.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: { model?: string; messages?: Array<{ role: string; content: string }>; temperature?: number; response_format?: unknown } | null;
}

/** One scripted reply: a chat completion with this content, a raw status/body, or no answer at all. */
export type FakeReply =
  | { content: string; model?: string }
  | { status: number; body: string; headers?: Record<string, string> }
  | { hang: true };

export interface FakeServer {
  /** The API base, e.g. `http://127.0.0.1:41234/v1`. */
  base: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

/** A chat completion body as OpenAI (and Ollama, llama.cpp) send it. */
export function completion(content: string, model = 'fake-coder:7b'): string {
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1764000000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
}

export async function startFakeLlm(script: FakeReply[] | ((req: CapturedRequest, n: number) => FakeReply)): Promise<FakeServer> {
  const requests: CapturedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: CapturedRequest['json'] = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const captured: CapturedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json };
      requests.push(captured);
      const n = requests.length - 1;
      const reply = typeof script === 'function' ? script(captured, n) : script[Math.min(n, script.length - 1)]!;
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
        return;
      }
      if ('hang' in reply) {
        hanging.push(res);
        return;
      }
      if ('content' in reply) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(completion(reply.content, reply.model));
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A base URL on which nothing listens (a port just freed). */
export async function deadBase(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}
