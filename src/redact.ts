/**
 * Token redaction. The Plex token must never reach a log, report or error message: it appears as
 * `X-Plex-Token=…` in URLs (also URL-encoded), as an `X-Plex-Token` header (also printed as a dict or JSON), and as PGMA's `plextoken` preference in its
 * setup dumps (`UTILS :: \t\t07. plextoken   <value>`).
 */

const REDACTED = '<redacted>';

const PATTERNS: RegExp[] = [
  // `X-Plex-Token=v` (URL), `X-Plex-Token: v` (header), `'X-Plex-Token': 'v'` (a Python dict), `"X-Plex-Token": "v"`
  // (JSON), and the URL-encoded `X-Plex-Token%3Dv` of a URL inside another (Plex's photo transcoder).
  /(X-Plex-Token["']?\s*(?:[=:]|%3D)\s*["']?)([^&\s"'<>%]+)/gi,
  /(PlexOnlineToken=")([^"]+)/g,
  // PGMA preference dumps: "plextoken" followed by padding and the value.
  /(\bplextoken\b[^\S\r\n]*[:=]?[^\S\r\n]*)([A-Za-z0-9_\-]{8,})/gi,
];

/** Replaces every token-looking value in `text`; also any exact occurrence of the known tokens. */
export function redact(text: string, knownTokens: readonly string[] = []): string {
  let out = text;
  for (const token of knownTokens) {
    if (token.length >= 4) out = out.split(token).join(REDACTED);
  }
  for (const re of PATTERNS) out = out.replace(re, (_m, head: string) => head + REDACTED);
  return out;
}
