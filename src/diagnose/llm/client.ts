/**
 * A small OpenAI-compatible chat client: `POST {base}/chat/completions` with `model`, `messages`,
 * `temperature: 0` and `response_format: {type: 'json_object'}`. That one request shape is served by OpenAI,
 * Ollama (`http://127.0.0.1:11434/v1`) and llama.cpp's `llama-server` (`http://127.0.0.1:8080/v1`); a server
 * that rejects `response_format` with a 400 naming it is asked again without it (the answer's JSON is then
 * extracted from the text, see answer.ts), and one that refuses `temperature: 0` (OpenAI's reasoning models
 * take only their default) is asked again without it. One retry on 429/5xx, honouring `Retry-After` up to a cap. The API
 * key travels only in the `Authorization` header and never appears in an error message.
 */
import { redact } from '../../redact.ts';
import {
  AdviserAnswerError,
  AdviserAuthError,
  AdviserError,
  AdviserHttpError,
  AdviserTimeoutError,
  AdviserUnreachableError,
} from './errors.ts';

/** One chat message (OpenAI's `messages[]` item). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The ports the client uses: HTTP (global `fetch` in real use) and a sleep for the retry wait. */
export interface ChatDeps {
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
}

/** Where and how to ask. */
export interface ChatClientOptions {
  /** API base, e.g. `http://127.0.0.1:11434/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Name of the environment variable the key came from (named in the 401 hint, never its value). */
  keyEnv?: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Longest `Retry-After` honoured before the one retry (longer waits are cut to this). */
  retryAfterCapMs?: number;
  /** Wait before the retry when the server names none. */
  retryDefaultMs?: number;
}

/** The answer of one completion. */
export interface ChatReply {
  /** The assistant message's text. */
  content: string;
  /** The model the server says answered (may differ from the one asked for, e.g. a tag). */
  model: string;
  /** Whether the server accepted `response_format: json_object`. */
  jsonMode: boolean;
  /** HTTP requests made (retries and the fallback without response_format included). */
  attempts: number;
}

/** A client bound to one endpoint and model; `complete` throws AdviserErrors only. */
export interface ChatClient {
  readonly endpoint: string;
  readonly model: string;
  complete(messages: ChatMessage[]): Promise<ChatReply>;
}

/** The real ports: global fetch and a timer. */
export const nodeChatDeps: ChatDeps = {
  fetch: (input, init) => fetch(input, init),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `http://user:pw@host:1/v1/?x` → `http://host:1/v1`: what reports and messages may show of an endpoint. */
export function displayEndpoint(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(an invalid URL)';
  }
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** The error code of a fetch failure (undici puts it on `cause`). */
function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } };
  const code = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The server's own error text (OpenAI: `{error: {message}}`; Ollama and llama.cpp: the same or plain text), short. */
function serverDetail(body: string, secrets: string[]): string {
  let text = body;
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : typeof j.error?.message === 'string' ? j.error.message : typeof j.message === 'string' ? j.message : undefined;
    if (m) text = m;
  } catch {
    /* plain text */
  }
  return redact(text.replace(/\s+/g, ' ').trim().slice(0, 200), secrets);
}

/**
 * Builds the client. Throws {@link AdviserError}s: auth (401/403), unreachable, timeout, HTTP (after the
 * retry), answer (the body is not a chat completion). Never throws anything carrying the key.
 */
export function chatClient(o: ChatClientOptions, deps: ChatDeps = nodeChatDeps): ChatClient {
  const shown = displayEndpoint(o.baseUrl);
  const url = `${o.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const secrets = o.apiKey ? [o.apiKey] : [];
  const cap = o.retryAfterCapMs ?? 10_000;
  const fallbackWait = o.retryDefaultMs ?? 1_000;
  let jsonMode = true;
  // Some models (OpenAI's reasoning models) accept only their default temperature: asked again without it.
  let fixedTemperature = true;

  async function post(messages: ChatMessage[]): Promise<{ status: number; body: string; retryAfter: string | null }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
    const body = JSON.stringify({ model: o.model, messages, ...(fixedTemperature ? { temperature: 0 } : {}), ...(jsonMode ? { response_format: { type: 'json_object' } } : {}), stream: false });
    try {
      const res = await deps.fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(o.timeoutMs) });
      // The body read is bounded by the same timeout signal.
      return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      if (isAbort(err)) throw new AdviserTimeoutError(shown, o.timeoutMs);
      const code = errorCode(err);
      if (code && TRANSPORT_CODES.has(code)) throw new AdviserUnreachableError(shown, code, err);
      throw new AdviserUnreachableError(shown, redact((err as Error)?.message ?? String(err), secrets));
    }
  }

  return {
    endpoint: shown,
    model: o.model,
    async complete(messages) {
      let attempts = 0;
      let retried = false;
      for (;;) {
        attempts++;
        const r = await post(messages);
        if (r.status === 401 || r.status === 403) throw new AdviserAuthError(r.status, o.keyEnv);
        if (r.status === 400 && jsonMode && /response_format|json_object|json mode/i.test(r.body)) {
          jsonMode = false;
          continue;
        }
        if (r.status === 400 && fixedTemperature && /temperature/i.test(r.body)) {
          fixedTemperature = false;
          continue;
        }
        if ((r.status === 429 || r.status >= 500) && !retried) {
          retried = true;
          await deps.sleep(Math.min(cap, retryAfterMs(r.retryAfter) ?? fallbackWait));
          continue;
        }
        if (r.status < 200 || r.status >= 300) throw new AdviserHttpError(shown, r.status, serverDetail(r.body, secrets));
        return { ...parseCompletion(r.body, o.model), jsonMode, attempts };
      }
    },
  };
}

/** The assistant text of a chat completion body. Throws AdviserAnswerError when the body is not one. */
export function parseCompletion(body: string, asked: string): { content: string; model: string } {
  let j: { model?: unknown; choices?: Array<{ message?: { content?: unknown } }> };
  try {
    j = JSON.parse(body);
  } catch {
    throw new AdviserAnswerError(`the endpoint's reply is not JSON (${body.trim().slice(0, 60).replace(/\s+/g, ' ') || 'empty'}…): not an OpenAI-compatible chat completion`);
  }
  const content = j?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new AdviserAnswerError('the endpoint\'s reply has no choices[0].message.content text: not an OpenAI-compatible chat completion');
  return { content, model: typeof j.model === 'string' && j.model ? j.model : asked };
}

export { AdviserError };
