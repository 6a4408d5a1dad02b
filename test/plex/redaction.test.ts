/** The token never appears in an error, a log line, a printed object or a report. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { PlexClient, PlexConnection, PlexRequestError, PlexTimeoutError, ServerUnreachableError, TokenRejectedError, safeUrl } from '../../src/plex/index.ts';
import { NotificationStream } from '../../src/plex/events.ts';
import { configSchema } from '../../src/config/schema.ts';
import { describeTarget } from '../../src/config/target.ts';

const TOKEN = 'Zq9-SECRET-token-77';

test('printing the client or its connection never shows the token', () => {
  const c = new PlexClient({ url: 'http://plex.lan:32400', token: TOKEN, clientIdentifier: 'plexmend-redaction' });
  assert.ok(!inspect(c, { depth: 10 }).includes(TOKEN));
  assert.ok(!JSON.stringify(c).includes(TOKEN));
  assert.ok(!c.conn.buildUrl('/library/sections', { a: 1 }).includes(TOKEN), 'HTTP URLs carry no token (it is a header)');
  assert.ok(c.conn.websocketUrl().includes(TOKEN), 'the websocket URL does (python-plexapi style) — and is never printed');
  assert.equal(safeUrl(c.conn.websocketUrl()), 'ws://plex.lan:32400/:/websockets/notifications');
});

test('error messages and hints are redacted, even when Plex echoes the token back', () => {
  const errors = [
    new TokenRejectedError(`http://plex.lan:32400/?X-Plex-Token=${TOKEN}`, true),
    new ServerUnreachableError(`http://plex.lan:32400/?X-Plex-Token=${TOKEN}`, 'ECONNREFUSED'),
    new PlexTimeoutError('GET', `http://plex.lan:32400/x?X-Plex-Token=${TOKEN}`, 100, 1, false),
    new PlexRequestError('GET', 'http://plex.lan:32400/x', 500, `<html>bad request X-Plex-Token=${TOKEN}</html>`),
  ];
  for (const e of errors) assert.ok(!`${e.message} ${e.hint} ${e.stack}`.includes(TOKEN), e.name);
});

test('a transport failure whose text contains the URL with the token surfaces without it', async () => {
  const conn = new PlexConnection({
    url: 'http://plex.lan:32400',
    token: TOKEN,
    clientIdentifier: 'plexmend-redaction',
    retries: 0,
    transport: async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ECONNREFUSED for ?X-Plex-Token=${TOKEN}`), { code: 'ECONNREFUSED' }) });
    },
  });
  const err = await conn.request({ path: '/library/sections' }).catch((e: unknown) => e as Error);
  assert.ok(err instanceof ServerUnreachableError);
  assert.ok(!`${err.message} ${err.hint}`.includes(TOKEN));
});

test('notification stream errors are redacted with the known token', async () => {
  const conn = new PlexConnection({ url: 'http://plex.lan:32400', token: TOKEN, clientIdentifier: 'plexmend-redaction' });
  const errors: Error[] = [];
  const stream = new NotificationStream(conn, {
    onNotification: () => {},
    onError: (e) => errors.push(e),
    socketFactory: (url) => {
      throw new Error(`cannot open ${url}`);
    },
    backoffMs: 1000,
  });
  stream.close();
  assert.equal(errors.length, 1);
  assert.ok(!errors[0]!.message.includes(TOKEN));
  assert.match(errors[0]!.message, /<redacted>/);
});

test('describeTarget shows where the token came from, never the token', () => {
  const c = configSchema.parse({
    target: { kind: 'server', url: 'http://plex.lan:32400', token: TOKEN, urlSource: 'env PLEX_URL', tokenSource: 'env PLEX_TOKEN', reason: 'configured' },
    userConfigDir: '/x',
    sandboxProfilePath: '/x/sandbox.json',
  });
  const line = describeTarget(c);
  assert.equal(line, 'target: Plex server at http://plex.lan:32400 (address from env PLEX_URL, token from env PLEX_TOKEN)');
});
