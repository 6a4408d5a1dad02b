import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { PlexConnection } from '../../src/plex/request.ts';
import { PlexNotFoundError, PlexRequestError, PlexTimeoutError, ServerUnreachableError, TokenRejectedError } from '../../src/plex/errors.ts';
import { listSections, listSectionItems } from '../../src/plex/library.ts';
import { refreshItem } from '../../src/plex/items.ts';
import { getIdentity } from '../../src/plex/identity.ts';
import { fetchTransport, type Transport } from '../../src/plex/transport.ts';
import { startFakePlex, type FakePlex } from './fake-server.ts';

const servers: FakePlex[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function plex(o: Parameters<typeof startFakePlex>[0] = {}) {
  const s = await startFakePlex(o);
  servers.push(s);
  return s;
}
const noSleep = async () => {};

test('every request carries the token header, a stable client identifier, product headers and Accept JSON', async () => {
  const s = await plex();
  const conn = new PlexConnection({ url: s.url + '/', token: s.token, clientIdentifier: 'plexmend-test-id' });
  const sections = await listSections(conn);
  assert.equal(sections.length, 3);
  const req = s.requests.at(-1)!;
  assert.equal(req.headers['x-plex-token'], s.token);
  assert.equal(req.headers['x-plex-client-identifier'], 'plexmend-test-id');
  assert.equal(req.headers['x-plex-product'], 'plexmend');
  assert.equal(req.headers.accept, 'application/json');
  assert.equal(req.query.get('X-Plex-Token'), null, 'token not in the URL of HTTP requests');
});

test('401: TokenRejectedError whose message and hint never contain the token', async () => {
  const s = await plex();
  const bad = 'WRONG-secret-token-abcdef';
  const conn = new PlexConnection({ url: s.url, token: bad, clientIdentifier: 'x-test-0001' });
  const err = await listSections(conn).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof TokenRejectedError);
  assert.equal(err.status, 401);
  assert.match(err.message, /rejected the token/);
  assert.match(err.hint!, /PlexOnlineToken/);
  assert.ok(!`${err.message} ${err.hint} ${err.stack}`.includes(bad));
  const none = new PlexConnection({ url: s.url, clientIdentifier: 'x-test-0001' });
  const err2 = await listSections(none).catch((e: unknown) => e);
  assert.ok(err2 instanceof TokenRejectedError);
  assert.match(err2.message, /none is configured/);
  // /identity needs no token.
  assert.equal((await getIdentity(none)).claimed, true);
});

test('server down: ServerUnreachableError "is Plex running at <url>?" without retries', async () => {
  const s = await plex();
  const url = s.url;
  await s.close();
  servers.splice(servers.indexOf(s), 1);
  let sleeps = 0;
  const conn = new PlexConnection({ url, token: 'tok-123456789', clientIdentifier: 'x-test-0001', sleep: async () => void sleeps++ });
  const err = await listSections(conn).catch((e: unknown) => e);
  assert.ok(err instanceof ServerUnreachableError, String(err));
  assert.match(err.message, /ECONNREFUSED/);
  assert.match(err.hint!, new RegExp(`is Plex running at ${url.replace(/[.]/g, '\\.')}\\?`));
  assert.equal(sleeps, 0);
});

test('GET that times out is retried with back-off, then PlexTimeoutError; PUT is tried once', async () => {
  const s = await plex();
  s.hang.add('/library/sections');
  const delays: number[] = [];
  const attempts: string[] = [];
  const transport: Transport = (req) => {
    attempts.push(`${req.method} ${new URL(req.url).pathname}`);
    return fetchTransport(req);
  };
  const conn = new PlexConnection({ url: s.url, token: s.token, clientIdentifier: 'x-test-0001', timeoutMs: 150, retries: 2, backoffMs: 10, sleep: async (ms) => void delays.push(ms), transport });
  const err = await listSections(conn).catch((e: unknown) => e);
  assert.ok(err instanceof PlexTimeoutError);
  assert.match(err.message, /3 attempts/);
  assert.deepEqual(delays, [10, 20]);
  assert.deepEqual(attempts, ['GET /library/sections', 'GET /library/sections', 'GET /library/sections']);
  s.hang.add('/library/metadata/55/refresh');
  const err2 = await refreshItem(conn, '55').catch((e: unknown) => e);
  assert.ok(err2 instanceof PlexTimeoutError);
  assert.match(err2.hint!, /may have been applied/);
  assert.equal(attempts.filter((a) => a === 'PUT /library/metadata/55/refresh').length, 1);
});

test('a connection reset on GET is retried and succeeds', async () => {
  const s = await plex();
  s.reset.set('/library/sections', 1);
  const conn = new PlexConnection({ url: s.url, token: s.token, clientIdentifier: 'x-test-0001', sleep: noSleep });
  const sections = await listSections(conn);
  assert.equal(sections.length, 3);
  assert.equal(s.requests.filter((r) => r.path === '/library/sections').length, 2);
});

test('404 → PlexNotFoundError naming the thing; other errors → PlexRequestError with status', async () => {
  const s = await plex();
  const conn = new PlexConnection({ url: s.url, token: s.token, clientIdentifier: 'x-test-0001', sleep: noSleep });
  const err = await refreshItem(conn, '424242').catch((e: unknown) => e);
  assert.ok(err instanceof PlexNotFoundError);
  assert.match(err.message, /item 424242/);
  const e2 = new PlexRequestError('GET', 'http://h:32400/x', 500, '<html><body>Internal X-Plex-Token=abcdef123</body></html>');
  assert.ok(!e2.message.includes('abcdef123'));
  assert.match(e2.message, /500/);
  assert.match(new PlexRequestError('GET', 'http://h/x', 403, '').hint!, /server owner's token/);
  assert.match(new PlexRequestError('GET', 'http://h/x', 400, '').hint!, /refused the parameters/);
});

test('paging: X-Plex-Container-Start/Size until totalSize, every item once', async () => {
  const s = await plex({ extraItems: 23 });
  const conn = new PlexConnection({ url: s.url, token: s.token, clientIdentifier: 'x-test-0001' });
  const items = await listSectionItems(conn, '1', { pageSize: 10 });
  assert.equal(items.length, 27);
  assert.equal(new Set(items.map((i) => i.ratingKey)).size, 27);
  const pages = s.requests.filter((r) => r.path === '/library/sections/1/all');
  assert.deepEqual(pages.map((r) => r.headers['x-plex-container-start']), ['0', '10', '20']);
  assert.ok(pages.every((r) => r.headers['x-plex-container-size'] === '10' && r.query.get('includeGuids') === '1'));
  // An empty section omits the Metadata list entirely.
  assert.deepEqual(await listSectionItems(conn, '14'), []);
});

test('paging: a server that ignores the paging headers (everything in one answer) does not loop', async () => {
  let calls = 0;
  const all = Array.from({ length: 7 }, (_, i) => ({ ratingKey: String(i + 1), guid: `local://${i + 1}`, title: `T${i}` }));
  const conn = new PlexConnection({
    url: 'http://plex.invalid:32400',
    token: 'tok-123456789',
    clientIdentifier: 'x-test-0001',
    transport: async () => {
      calls++;
      return { status: 200, header: () => undefined, text: async () => JSON.stringify({ MediaContainer: { size: 7, Metadata: all } }) };
    },
  });
  const items = await listSectionItems(conn, '1', { pageSize: 3 });
  assert.equal(items.length, 7);
  assert.equal(calls, 1);
  const exact = await listSectionItems(conn, '1', { pageSize: 7 });
  assert.equal(exact.length, 7, 'a full page repeated is recognised, not appended');
  assert.equal(calls, 3);
});
