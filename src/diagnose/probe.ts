/**
 * Site probe: before blaming code, ask the site. One request shaped like the agent's (its headers as the
 * inspection found them) and one shaped like a browser tell apart "refuses non-browser requests" (a header
 * fix cures it), "challenge page" (Cloudflare-style: no header fixes it), rate limiting, server errors, a
 * moved URL and a dead host. At most two requests per probe: a site's rate limit is a real risk.
 */
import { request as httpRequest } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The one port the probe (and XPath repair's page reads) use for HTTP. */
export interface HttpGet {
  get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpAnswer>;
}

/**
 * Request headers of a current desktop browser. The header recipe writes exactly these into the agent, so
 * the probe has tested the very change that is proposed.
 */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language': 'en-US,en;q=0.9',
};

export const PROBE_VERDICTS = [
  'ok',
  'needs_browser_headers',
  'challenge',
  'rate_limited',
  'server_error',
  'not_found',
  'forbidden',
  'timeout',
  'unreachable',
] as const;
export type ProbeVerdict = (typeof PROBE_VERDICTS)[number];

export interface ProbeResult {
  url: string;
  verdict: ProbeVerdict;
  asAgent: { status: number | null; error?: string };
  asBrowser: { status: number | null; error?: string } | null;
  /** What in the answer showed a challenge (header or markup), when one did. */
  challengeSign?: string;
  detail: string;
}

/** Markers of an anti-bot challenge page (Cloudflare and look-alikes); status alone cannot tell. */
const CHALLENGE_SIGNS: Array<[RegExp, string]> = [
  [/cf-chl|challenge-platform|cf_chl_opt/i, 'challenge script'],
  [/<title>\s*(just a moment|attention required|checking your browser)/i, 'challenge page title'],
  [/enable javascript and cookies to continue/i, 'javascript challenge text'],
];

function challengeSign(a: HttpAnswer): string | undefined {
  if ((a.headers['cf-mitigated'] ?? '').toLowerCase() === 'challenge') return 'cf-mitigated: challenge header';
  for (const [re, name] of CHALLENGE_SIGNS) if (re.test(a.body)) return name;
  return undefined;
}

async function attempt(http: HttpGet, url: string, headers: Record<string, string>, timeoutMs: number) {
  try {
    const a = await http.get(url, headers, timeoutMs);
    return { answer: a, status: a.status, error: undefined as string | undefined };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const timedOut = e.name === 'TimeoutError' || e.code === 'ETIMEDOUT' || /timed? ?out/i.test(e.message);
    return { answer: null, status: null, error: timedOut ? 'timeout' : e.code ?? e.message };
  }
}

/** Probes one URL as the agent and, when that fails, as a browser. */
export async function probeSite(http: HttpGet, url: string, agentHeaders: Record<string, string>, timeoutMs = 15000): Promise<ProbeResult> {
  const a = await attempt(http, url, agentHeaders, timeoutMs);
  const asAgent = { status: a.status, ...(a.error ? { error: a.error } : {}) };
  const base = { url, asAgent };
  if (a.error === 'timeout') return { ...base, asBrowser: null, verdict: 'timeout', detail: 'the site did not answer in time' };
  if (a.error) return { ...base, asBrowser: null, verdict: 'unreachable', detail: `the site could not be reached (${a.error})` };
  const sign = challengeSign(a.answer!);
  if (a.status! < 400 && !sign) return { ...base, asBrowser: null, verdict: 'ok', detail: `the site answers ${a.status} to the agent's request now` };
  if (a.status === 429) return { ...base, asBrowser: null, verdict: 'rate_limited', detail: 'the site answers 429 Too Many Requests' };
  if (a.status === 404) return { ...base, asBrowser: null, verdict: 'not_found', detail: 'the URL no longer exists (404)' };

  const b = await attempt(http, url, { ...BROWSER_HEADERS }, timeoutMs);
  const asBrowser = { status: b.status, ...(b.error ? { error: b.error } : {}) };
  const bSign = b.answer ? challengeSign(b.answer) : undefined;
  if (sign || bSign) {
    return { ...base, asBrowser, verdict: 'challenge', challengeSign: sign ?? bSign, detail: `an anti-bot challenge answers even a browser's request (${sign ?? bSign})` };
  }
  if (b.status !== null && b.status < 400) {
    return { ...base, asBrowser, verdict: 'needs_browser_headers', detail: `the site answers ${a.status} to the agent's request and ${b.status} to a browser's` };
  }
  if (a.status! >= 500) return { ...base, asBrowser, verdict: 'server_error', detail: `the site answers ${a.status} to every request` };
  return { ...base, asBrowser, verdict: 'forbidden', detail: `the site answers ${a.status} to the agent and ${b.status ?? b.error} to a browser` };
}

/** HTTP through global fetch (real sites). */
export const fetchHttp: HttpGet = {
  async get(url, headers, timeoutMs) {
    const res = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    const hdrs: Record<string, string> = {};
    res.headers.forEach((v, k) => (hdrs[k.toLowerCase()] = v));
    return { status: res.status, headers: hdrs, body };
  },
};

/**
 * HTTP with host overrides, like an /etc/hosts entry: a request for a mapped hostname goes to the mapped
 * `address:port` over plain HTTP with the original Host header; other hosts go through `fallback`.
 */
export function hostMappedHttp(hostMap: Record<string, string>, fallback: HttpGet = fetchHttp): HttpGet {
  return {
    get(url, headers, timeoutMs) {
      const u = new URL(url);
      const target = hostMap[u.hostname];
      if (!target) return fallback.get(url, headers, timeoutMs);
      const [address, port] = target.split(':');
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: address, port: Number(port), path: u.pathname + u.search, method: 'GET', headers: { ...headers, Host: u.host }, timeout: timeoutMs },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const hdrs: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hdrs[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
              resolve({ status: res.statusCode ?? 0, headers: hdrs, body: Buffer.concat(chunks).toString('utf8') });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
        req.on('error', reject);
        req.end();
      });
    },
  };
}
