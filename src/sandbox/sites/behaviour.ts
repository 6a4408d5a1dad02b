/**
 * The behaviours a scenario switches on for a fixture site, decided per request before the page is routed:
 * a Cloudflare-style challenge that no header passes, 403 unless the request looks like a browser,
 * 429 above a request rate per client window (counting only requests that got through, so the limit bites
 * once a 403 is cured and requests start flowing), seeded 5xx bursts, seeded slow answers, and — with
 * realistic timing — network latency. Every time value of a scenario is in fast units (the sandbox's default,
 * a tenth of real time: the agents scale their timeouts and back-off the same way); realistic timing
 * multiplies them by 10. Randomness is `seededUnit(seed, host, what, request key, attempt)`:
 * the n-th request for the same URL gets the same answer in every run.
 */
import { seededUnit, type Behaviours } from '../scenario.ts';
import { challengePage, forbiddenPage, rateLimitedPage, serverErrorPage } from './markup.ts';

/** What the gate needs to know about one request. */
export interface RequestFacts {
  /** Path and query, e.g. `/search?q=heat+wave`. */
  url: string;
  userAgent?: string;
  acceptLanguage?: string;
  /** Who is asking (the remote address): rate windows are per client. */
  client: string;
  /** Milliseconds, from the injected clock. */
  now: number;
}

/** Mutable per-site state: rate windows and how often each URL was asked for. */
export interface GateState {
  windows: Map<string, number[]>;
  attempts: Map<string, number>;
}

/** Fresh state: no request seen yet (every URL at attempt 0). */
export function newGateState(): GateState {
  return { windows: new Map(), attempts: new Map() };
}

/** The gate's verdict: serve the page (after `delayMs`), or answer with a refusal. */
export type Verdict =
  | { kind: 'serve'; delayMs: number }
  | { kind: 'refuse'; status: number; headers: Record<string, string>; body: string; delayMs: number };

export interface GateContext {
  host: string;
  seed: number;
  /** 1 for fast timing, 10 for realistic (PGMA-era) timing. */
  timeScale: number;
  realisticTiming: boolean;
}

const REASONS: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Browser User-Agents start `Mozilla/5.0 (` and name an engine with a version. */
const BROWSER_UA = /^Mozilla\/5\.0 \([^)]+\).*\b(Chrome|Firefox|Safari|Edg|OPR)\/\d+/;

/** True when the request carries a browser-like User-Agent AND an Accept-Language header. */
export function looksLikeBrowser(userAgent: string | undefined, acceptLanguage: string | undefined): boolean {
  return BROWSER_UA.test(userAgent ?? '') && (acceptLanguage ?? '').trim().length > 0;
}

/** Decides how the site answers one request; updates `state` (attempt counters, rate windows). */
export function gate(b: Behaviours, facts: RequestFacts, state: GateState, ctx: GateContext): Verdict {
  const attempt = state.attempts.get(facts.url) ?? 0;
  state.attempts.set(facts.url, attempt + 1);
  const unit = (what: string) => seededUnit(ctx.seed, ctx.host, what, facts.url, attempt);
  const latency = ctx.realisticTiming ? Math.round(80 + unit('latency') * 520) : 0;

  if (b.challenge) {
    const ray = Math.floor(unit('ray') * 2 ** 48).toString(16).padStart(12, '0') + '-LHR';
    return {
      kind: 'refuse',
      status: 503,
      headers: { server: 'cloudflare', 'cf-mitigated': 'challenge', 'cf-ray': ray, 'cache-control': 'private, max-age=0, no-store' },
      body: challengePage(ctx.host, ray),
      delayMs: latency,
    };
  }
  if (b.browserOnly && !looksLikeBrowser(facts.userAgent, facts.acceptLanguage)) {
    return { kind: 'refuse', status: 403, headers: { server: 'nginx' }, body: forbiddenPage(ctx.host), delayMs: latency };
  }
  if (b.rateLimit) {
    const { requests } = b.rateLimit;
    const windowMs = b.rateLimit.windowMs * ctx.timeScale;
    const retryAfterS = b.rateLimit.retryAfterS * ctx.timeScale;
    const w = (state.windows.get(facts.client) ?? []).filter((t) => facts.now - t < windowMs);
    if (w.length >= requests) {
      state.windows.set(facts.client, w);
      return {
        kind: 'refuse',
        status: 429,
        headers: { server: 'nginx', 'retry-after': String(retryAfterS) },
        body: rateLimitedPage(retryAfterS),
        delayMs: latency,
      };
    }
    w.push(facts.now);
    state.windows.set(facts.client, w);
  }
  if (b.errors && unit('errors') < b.errors.share) {
    const status = b.errors.statuses[Math.floor(unit('status') * b.errors.statuses.length)];
    return { kind: 'refuse', status, headers: { server: 'nginx' }, body: serverErrorPage(status, REASONS[status] ?? 'Server Error'), delayMs: latency };
  }
  if (b.slow && unit('slow') < b.slow.share) {
    return { kind: 'serve', delayMs: latency + b.slow.ms * ctx.timeScale };
  }
  return { kind: 'serve', delayMs: latency };
}
