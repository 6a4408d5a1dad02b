/**
 * The line every command prints first, so nobody mistakes the sandbox for their server or the reverse
 * (DESIGN.md: "every command prints which target it acts on"). Never includes the token.
 */
import type { Config } from './schema.ts';

/** `target: sandbox at http://127.0.0.1:41234 (scenario default, seed 1) — asked for with --sandbox` or `target: Plex server at http://… (token from env PLEX_TOKEN)`. */
export function describeTarget(config: Config): string {
  const t = config.target;
  if (t.kind === 'sandbox') {
    const sb = config.sandbox;
    const extra = sb ? ` (scenario ${sb.scenario}, seed ${sb.seed})` : '';
    return `target: sandbox at ${t.url}${extra} — ${t.reason}`;
  }
  const token = t.token ? `token from ${t.tokenSource ?? 'config'}` : 'no token';
  const url = t.urlSource === 'default' ? 'default address' : `address from ${t.urlSource}`;
  const why = t.reason && t.reason !== 'configured' ? ` — ${t.reason}` : '';
  return `target: Plex server at ${t.url} (${url}, ${token})${why}`;
}
