/**
 * Finding the server owner's token (`PlexOnlineToken`) on this machine, per install (reference plex-api.md §1):
 * - Linux, Docker, Synology, QNAP: attribute `PlexOnlineToken="…"` in `<data dir>/Preferences.xml` (owned by
 *   the `plex` user: often unreadable for others — then say so and suggest --token);
 * - macOS: user defaults `defaults read com.plexapp.plexmediaserver PlexOnlineToken`;
 * - Windows: registry `reg query "HKCU\Software\Plex, Inc.\Plex Media Server" /v PlexOnlineToken`.
 * External commands go through the injected runner with argument arrays. The token is returned, never logged.
 */
import { posix, win32 } from 'node:path';
import type { ConfigDeps } from './ports.ts';

export interface FoundToken {
  token?: string;
  /** Where it came from, e.g. `Preferences.xml (/var/lib/…)`, `macOS defaults`, `Windows registry`. */
  source?: string;
  /** What was tried and why it failed (no secrets). */
  notes: string[];
}

/** Reads `PlexOnlineToken` from Preferences.xml text (attribute order and quoting as PMS writes it). */
export function tokenFromPreferences(xml: string): string | undefined {
  const m = /\sPlexOnlineToken="([^"]+)"/.exec(xml);
  return m?.[1];
}

/** Parses `reg query … /v PlexOnlineToken` output: `    PlexOnlineToken    REG_SZ    abc`. */
export function tokenFromRegQuery(out: string): string | undefined {
  const m = /PlexOnlineToken\s+REG_SZ\s+(\S+)/.exec(out);
  return m?.[1];
}

export const MACOS_DEFAULTS_ARGS = ['read', 'com.plexapp.plexmediaserver', 'PlexOnlineToken'];
export const WINDOWS_REG_ARGS = ['query', 'HKCU\\Software\\Plex, Inc.\\Plex Media Server', '/v', 'PlexOnlineToken'];

/** Tries the platform's store, then each data dir's Preferences.xml. */
export async function discoverToken(platform: string, dataDirs: string[], deps: ConfigDeps): Promise<FoundToken> {
  const notes: string[] = [];
  if (platform === 'darwin') {
    const r = await deps.run('defaults', MACOS_DEFAULTS_ARGS);
    const t = r.code === 0 ? r.stdout.trim() : '';
    if (t) return { token: t, source: 'macOS defaults (com.plexapp.plexmediaserver)', notes };
    notes.push(r.code === -1 ? 'macOS `defaults` not found' : 'no PlexOnlineToken in macOS defaults com.plexapp.plexmediaserver (server not signed in?)');
  }
  if (platform === 'win32') {
    const r = await deps.run('reg', WINDOWS_REG_ARGS);
    const t = r.code === 0 ? tokenFromRegQuery(r.stdout) : undefined;
    if (t) return { token: t, source: 'Windows registry (HKCU\\Software\\Plex, Inc.\\Plex Media Server)', notes };
    notes.push('no PlexOnlineToken in the registry key HKCU\\Software\\Plex, Inc.\\Plex Media Server');
  }
  for (const dir of dataDirs) {
    const file = (platform === 'win32' ? win32 : posix).join(dir, 'Preferences.xml');
    try {
      const t = tokenFromPreferences(await deps.readText(file));
      if (t) return { token: t, source: `Preferences.xml (${file})`, notes };
      notes.push(`${file} has no PlexOnlineToken (server not signed in to a Plex account?)`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        notes.push(`${file} exists but this user may not read it (it belongs to the plex user): pass --token or set PLEX_TOKEN`);
      }
    }
  }
  return { notes };
}
