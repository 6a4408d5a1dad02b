import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { probeSite, hostMappedHttp, BROWSER_HEADERS } from '../../src/diagnose/probe.ts';

/** A loopback site with three behaviours chosen by path. */
async function site(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const ua = req.headers['user-agent'] ?? '';
    const browser = /Mozilla\/5\.0/.test(ua) && Boolean(req.headers['accept-language']);
    if (req.headers.host !== 'films.example.test') {
      res.writeHead(421).end('wrong host');
      return;
    }
    if (req.url?.startsWith('/picky')) {
      res.writeHead(browser ? 200 : 403, { 'content-type': 'text/html' }).end(browser ? '<p>ok</p>' : 'Forbidden');
    } else if (req.url?.startsWith('/challenge')) {
      res.writeHead(403, { 'content-type': 'text/html' }).end('<html><head><title>Just a moment...</title></head><body><script src="/cdn-cgi/challenge-platform/x.js"></script></body></html>');
    } else if (req.url?.startsWith('/busy')) {
      res.writeHead(429).end('slow down');
    } else {
      res.writeHead(200).end('fine');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

test('probe tells header refusal, challenge, rate limit and a healthy site apart', async (t) => {
  const { server, port } = await site();
  t.after(() => server.close());
  const http = hostMappedHttp({ 'films.example.test': `127.0.0.1:${port}` });
  const agent = { 'User-Agent': 'Python-urllib/2.7' };
  const picky = await probeSite(http, 'https://films.example.test/picky?q=x', agent);
  assert.equal(picky.verdict, 'needs_browser_headers');
  assert.equal(picky.asAgent.status, 403);
  assert.equal(picky.asBrowser?.status, 200);
  const challenge = await probeSite(http, 'https://films.example.test/challenge', { ...BROWSER_HEADERS });
  assert.equal(challenge.verdict, 'challenge');
  assert.match(challenge.challengeSign ?? '', /challenge/);
  assert.equal((await probeSite(http, 'https://films.example.test/busy', agent)).verdict, 'rate_limited');
  assert.equal((await probeSite(http, 'https://films.example.test/', agent)).verdict, 'ok');
});

test('an unreachable host is named as such', async () => {
  const http = hostMappedHttp({ 'dead.example.test': '127.0.0.1:9' });
  const r = await probeSite(http, 'http://dead.example.test/', {}, 2000);
  assert.equal(r.verdict, 'unreachable');
});
