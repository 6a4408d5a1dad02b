/**
 * The adviser's OpenAI-compatible client against a fake server on loopback: the request it sends (path,
 * model, temperature 0, json mode, key only in Authorization), the one retry on 5xx/429 honouring
 * Retry-After up to the cap, the fallback without response_format, and each failure's documented error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatClient, displayEndpoint, nodeChatDeps, parseCompletion, retryAfterMs, type ChatDeps } from '../../src/diagnose/llm/client.ts';
import { AdviserAnswerError, AdviserAuthError, AdviserHttpError, AdviserTimeoutError, AdviserUnreachableError } from '../../src/diagnose/llm/errors.ts';
import { deadBase, startFakeLlm } from './llm-fake-server.ts';

const KEY = 'sk-test-0123456789abcdefSECRET';
const MESSAGES = [
  { role: 'system' as const, content: 'answer in JSON' },
  { role: 'user' as const, content: 'the group' },
];

/** Real fetch, recorded sleeps (no real waiting). */
function deps(slept: number[] = []): ChatDeps {
  return { fetch: nodeChatDeps.fetch, sleep: async (ms) => void slept.push(ms) };
}

test('client: posts model, messages, temperature 0 and json mode to {base}/chat/completions; the key only in Authorization', async () => {
  const fake = await startFakeLlm([{ content: '{"noFix":"x"}', model: 'qwen2.5-coder:7b' }]);
  try {
    const c = chatClient({ baseUrl: fake.base + '/', model: 'qwen2.5-coder', apiKey: KEY, timeoutMs: 5000 }, deps());
    const r = await c.complete(MESSAGES);
    assert.deepEqual(r, { content: '{"noFix":"x"}', model: 'qwen2.5-coder:7b', jsonMode: true, attempts: 1 });
    assert.equal(fake.requests.length, 1);
    const req = fake.requests[0]!;
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.equal(req.json?.model, 'qwen2.5-coder');
    assert.equal(req.json?.temperature, 0);
    assert.deepEqual(req.json?.response_format, { type: 'json_object' });
    assert.deepEqual(req.json?.messages, MESSAGES);
    assert.ok(!req.body.includes(KEY), 'the key is never in the body');
    assert.equal(c.endpoint, fake.base);
  } finally {
    await fake.close();
  }
});

test('client: no key, no Authorization header', async () => {
  const fake = await startFakeLlm([{ content: '{}' }]);
  try {
    await chatClient({ baseUrl: fake.base, model: 'm', timeoutMs: 5000 }, deps()).complete(MESSAGES);
    assert.equal(fake.requests[0]!.headers.authorization, undefined);
  } finally {
    await fake.close();
  }
});

test('client: a 500 then success is retried once; Retry-After is honoured up to the cap', async () => {
  const fake = await startFakeLlm([{ status: 500, body: '{"error":{"message":"model loading"}}' }, { content: '{"ok":1}' }]);
  const slept: number[] = [];
  try {
    const r = await chatClient({ baseUrl: fake.base, model: 'm', timeoutMs: 5000, retryDefaultMs: 250 }, deps(slept)).complete(MESSAGES);
    assert.equal(r.content, '{"ok":1}');
    assert.equal(r.attempts, 2);
    assert.deepEqual(slept, [250], 'no Retry-After: the default wait');
  } finally {
    await fake.close();
  }
  const limited = await startFakeLlm([{ status: 429, body: 'slow down', headers: { 'retry-after': '120' } }, { content: '{}' }]);
  const slept2: number[] = [];
  try {
    await chatClient({ baseUrl: limited.base, model: 'm', timeoutMs: 5000, retryAfterCapMs: 3000 }, deps(slept2)).complete(MESSAGES);
    assert.deepEqual(slept2, [3000], 'Retry-After: 120 s is cut to the 3 s cap');
  } finally {
    await limited.close();
  }
});

test('client: a second 5xx is an HTTP error naming the status and the server\'s message, after exactly two requests', async () => {
  const fake = await startFakeLlm([{ status: 503, body: '{"error":{"message":"overloaded"}}' }]);
  try {
    const err = await chatClient({ baseUrl: fake.base, model: 'm', apiKey: KEY, timeoutMs: 5000 }, deps()).complete(MESSAGES).catch((e: unknown) => e);
    assert.ok(err instanceof AdviserHttpError);
    assert.equal(err.status, 503);
    assert.equal(err.scope, 'endpoint');
    assert.match(err.message, /answered HTTP 503: overloaded/);
    assert.equal(fake.requests.length, 2);
  } finally {
    await fake.close();
  }
});

test('client: 401 says the key was refused and how to set it; the key is not in the message', async () => {
  const fake = await startFakeLlm([{ status: 401, body: `{"error":{"message":"Incorrect API key provided: ${KEY}"}}` }]);
  try {
    const err = await chatClient({ baseUrl: fake.base, model: 'm', apiKey: KEY, keyEnv: 'PLEXMEND_LLM_KEY', timeoutMs: 5000 }, deps()).complete(MESSAGES).catch((e: unknown) => e);
    assert.ok(err instanceof AdviserAuthError);
    assert.equal(err.message, 'the LLM endpoint refused the API key (HTTP 401)');
    assert.match(err.hint!, /set PLEXMEND_LLM_KEY .*--llm-key-env/);
    assert.ok(!`${err.message} ${err.hint}`.includes(KEY));
    assert.equal(fake.requests.length, 1, 'a refused key is not retried');
  } finally {
    await fake.close();
  }
});

test('client: connection refused names the URL', async () => {
  const base = await deadBase();
  const err = await chatClient({ baseUrl: base, model: 'm', timeoutMs: 5000 }, deps()).complete(MESSAGES).catch((e: unknown) => e);
  assert.ok(err instanceof AdviserUnreachableError);
  assert.equal(err.message, `cannot reach the LLM endpoint at ${base} (ECONNREFUSED)`);
  assert.match(err.hint!, /ollama serve|--llm URL/);
});

test('client: a hanging server times out with the timeout named', async () => {
  const fake = await startFakeLlm([{ hang: true }]);
  try {
    const t0 = Date.now();
    const err = await chatClient({ baseUrl: fake.base, model: 'm', timeoutMs: 300 }, deps()).complete(MESSAGES).catch((e: unknown) => e);
    assert.ok(err instanceof AdviserTimeoutError, String(err));
    assert.match(err.message, /did not answer within 0\.3 s/);
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(fake.requests.length, 1, 'a timeout is not retried');
  } finally {
    await fake.close();
  }
});

test('client: a server that rejects response_format is asked again without it', async () => {
  const fake = await startFakeLlm((req) =>
    req.json?.response_format ? { status: 400, body: '{"error":{"message":"unsupported parameter: response_format"}}' } : { content: 'Here: {"a":1}' },
  );
  try {
    const r = await chatClient({ baseUrl: fake.base, model: 'm', timeoutMs: 5000 }, deps()).complete(MESSAGES);
    assert.equal(r.jsonMode, false);
    assert.equal(r.content, 'Here: {"a":1}');
    assert.equal(fake.requests.length, 2);
    assert.equal(fake.requests[1]!.json?.response_format, undefined);
  } finally {
    await fake.close();
  }
});

test('client: a model that refuses temperature 0 is asked again with its default', async () => {
  const fake = await startFakeLlm((req) =>
    req.json?.temperature !== undefined ? { status: 400, body: '{"error":{"message":"Unsupported value: \'temperature\' does not support 0 with this model."}}' } : { content: '{}' },
  );
  try {
    const r = await chatClient({ baseUrl: fake.base, model: 'o3-mini', timeoutMs: 5000 }, deps()).complete(MESSAGES);
    assert.equal(r.attempts, 2);
    assert.deepEqual(fake.requests[1]!.json?.response_format, { type: 'json_object' }, 'json mode kept');
  } finally {
    await fake.close();
  }
  const other = await startFakeLlm([{ status: 400, body: '{"error":{"message":"messages: too long"}}' }]);
  try {
    await assert.rejects(chatClient({ baseUrl: other.base, model: 'm', timeoutMs: 5000 }, deps()).complete(MESSAGES), /answered HTTP 400: messages: too long/);
    assert.equal(other.requests.length, 1, 'another 400 is not retried');
  } finally {
    await other.close();
  }
});

test('client: a 200 whose body is not a chat completion is an answer error (not an endpoint failure)', async () => {
  const fake = await startFakeLlm([{ status: 200, body: '<html>proxy login</html>' }]);
  try {
    const err = await chatClient({ baseUrl: fake.base, model: 'm', timeoutMs: 5000 }, deps()).complete(MESSAGES).catch((e: unknown) => e);
    assert.ok(err instanceof AdviserAnswerError);
    assert.equal(err.scope, 'answer');
    assert.match(err.message, /not JSON/);
  } finally {
    await fake.close();
  }
  assert.throws(() => parseCompletion('{"choices":[]}', 'm'), /no choices\[0\]\.message\.content/);
});

test('retryAfterMs and displayEndpoint', () => {
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs('soon'), null);
  assert.equal(retryAfterMs('Tue, 24 Nov 2026 06:00:10 GMT', Date.parse('2026-11-24T06:00:00Z')), 10_000);
  assert.equal(displayEndpoint('https://user:pw@api.example.com/v1/?k=1'), 'https://api.example.com/v1');
});
