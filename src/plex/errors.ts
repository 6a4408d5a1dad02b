/**
 * Plex client failures, one class per thing a user can act on (python-plexapi's short tree:
 * `PlexApiError` → `BadRequest` → `Unauthorized`/`NotFound`, here under PlexmendError so the CLI prints
 * message + hint). Messages carry the server URL but never the token: every text passes `redact()`.
 */
import { PlexmendError } from '../errors.ts';
import { redact } from '../redact.ts';

/** Strips the query string (which may hold `X-Plex-Token`) and redacts what is left. */
export function safeUrl(url: string, knownTokens: readonly string[] = []): string {
  const q = url.indexOf('?');
  return redact(q < 0 ? url : url.slice(0, q), knownTokens);
}

/** Any failure talking to Plex. `status` is the HTTP status when there was one. */
export class PlexError extends PlexmendError {
  readonly status: number | undefined;
  constructor(message: string, hint: string, status?: number, cause?: unknown) {
    super(redact(message), { hint: redact(hint), cause });
    this.status = status;
  }
}

/** Plex answered with an error status other than 401/404 (python-plexapi `BadRequest`). */
export class PlexRequestError extends PlexError {
  constructor(method: string, url: string, status: number, body: string) {
    const excerpt = redact(body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()).slice(0, 120);
    super(
      `Plex answered ${status} to ${method} ${url}${excerpt ? `: ${excerpt}` : ''}`,
      status >= 500
        ? 'Plex may be starting up or overloaded; wait a minute and try again (server log: Logs/Plex Media Server.log)'
        : status === 403
          ? "this token's account may not do that on this server (a shared or managed user's token?): use the server owner's token"
          : status === 400
            ? 'Plex refused the parameters of this request (an unknown preference or item?); check the names and values given'
            : 'this plexmend request is not understood by this Plex version; please report it with `plexmend doctor --json`',
      status,
    );
  }
}

/** 401: the token is missing, wrong, or belongs to an account without access to this server. */
export class TokenRejectedError extends PlexError {
  constructor(url: string, hadToken: boolean) {
    super(
      hadToken ? `Plex rejected the token (401) at ${url}` : `Plex requires a token (401) at ${url} and none is configured`,
      'use the server owner\'s token: PlexOnlineToken in Preferences.xml (Linux, Docker, NAS), ' +
        '`defaults read com.plexapp.plexmediaserver PlexOnlineToken` (macOS) or ' +
        '`reg query "HKCU\\Software\\Plex, Inc.\\Plex Media Server" /v PlexOnlineToken` (Windows); ' +
        'pass it with --token or PLEX_TOKEN',
      401,
    );
  }
}

/** 404: the item, section, activity or plug-in does not exist (python-plexapi `NotFound`). */
export class PlexNotFoundError extends PlexError {
  constructor(what: string) {
    super(`Plex has no ${what} (404)`, 'the item may have been deleted or renumbered; list it again (e.g. `plexmend survey`)', 404);
  }
}

/** Connection refused / host unknown: nothing listens at the URL. */
export class ServerUnreachableError extends PlexError {
  constructor(url: string, code: string, cause?: unknown) {
    super(
      `cannot reach Plex at ${url} (${code})`,
      `is Plex running at ${url}? check the address (--url, PLEX_URL or plexmend.yaml); the default port is 32400`,
      undefined,
      cause,
    );
  }
}

/** The server did not answer in time (after retries for GET; never retried for PUT). */
export class PlexTimeoutError extends PlexError {
  constructor(method: string, url: string, timeoutMs: number, attempts: number, mayHaveApplied: boolean) {
    super(
      `Plex did not answer ${method} ${url} within ${timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'})`,
      mayHaveApplied
        ? 'the change may have been applied anyway; check the item in Plex before repeating it'
        : 'Plex may be busy (a library scan?); try again, or raise timeoutMs in plexmend.yaml',
    );
  }
}

/** A body that is not the JSON/XML the endpoint should return. */
export class PlexResponseError extends PlexError {
  constructor(url: string, detail: string) {
    super(`unexpected answer from Plex at ${url}: ${detail}`, 'check that the URL points at Plex Media Server (port 32400), not Plex Web or a proxy page');
  }
}
