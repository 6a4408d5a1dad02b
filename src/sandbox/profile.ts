/**
 * The sandbox profile: what a running `plexmend sandbox` tells other commands — URL, token and folders of
 * the rehearsal Plex — as a versioned document (`plexmend.sandbox/1`), written atomically. The config layer
 * reads it only when asked (`--sandbox`) or when no real server is configured; `pid` is null once the
 * sandbox stopped, so a reader can tell a live sandbox from a stale file.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { defineDocument, readDocument, writeDocument } from '../documents.ts';

/** The profile document type (`plexmend.sandbox/1`). */
export const sandboxProfileDoc = defineDocument('plexmend.sandbox/1', z.object({
  schema: z.literal('plexmend.sandbox/1'),
  /** `http://127.0.0.1:<port>` of the PMS emulator. */
  url: z.string().url(),
  /** The emulator's token (also `PlexOnlineToken` in the sandbox's Preferences.xml). */
  token: z.string().min(1),
  /** `<dir>/Library/Application Support/Plex Media Server`. */
  dataDir: z.string(),
  pluginsDir: z.string(),
  /** `PMS Plugin Logs`. */
  logsDir: z.string(),
  /** `Plug-in Support`. */
  supportDir: z.string(),
  scenario: z.string(),
  seed: z.number().int(),
  /** The sandbox process while it runs; null after it stopped. */
  pid: z.number().int().nullable(),
  startedAt: z.string().optional(),
  /**
   * Where the sandbox's site hostnames live (hostname -> `127.0.0.1:port`), like /etc/hosts entries:
   * plexmend's own HTTP (site probe, XPath repair's page reads) resolves them through this map.
   */
  hostMap: z.record(z.string(), z.string()).optional(),
}));

/** A sandbox profile as read. */
export type SandboxProfile = z.output<typeof sandboxProfileDoc.schema>;

/** File name of the profile inside the user config folder. */
export const SANDBOX_PROFILE_FILE = 'sandbox.json';

/** `<configDir>/sandbox.json`. */
export function sandboxProfilePath(configDir: string): string {
  return join(configDir, SANDBOX_PROFILE_FILE);
}

/**
 * plexmend's user config folder, from values the caller read: `PLEXMEND_CONFIG_DIR`, else
 * `%APPDATA%\plexmend` (Windows), `~/Library/Application Support/plexmend` (macOS),
 * `$XDG_CONFIG_HOME/plexmend` or `~/.config/plexmend` (elsewhere).
 */
export function userConfigDir(env: Record<string, string | undefined>, platform: string, home: string): string {
  if (env.PLEXMEND_CONFIG_DIR) return env.PLEXMEND_CONFIG_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'plexmend');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'plexmend');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'plexmend');
}

/** Writes the profile atomically. */
export async function writeSandboxProfile(path: string, profile: SandboxProfile): Promise<void> {
  await writeDocument(sandboxProfileDoc, path, profile);
}

/** Reads and validates a profile (InputError / SchemaMismatchError on a bad file). */
export async function readSandboxProfile(path: string): Promise<SandboxProfile> {
  return readDocument(sandboxProfileDoc, path);
}

/**
 * Marks the profile stopped (pid null) if it still describes the sandbox at `url`; a profile another
 * sandbox wrote since is left alone. Never throws.
 */
export async function markSandboxStopped(path: string, url: string): Promise<void> {
  try {
    const current = await readSandboxProfile(path);
    if (current.url !== url) return;
    await writeSandboxProfile(path, { ...current, pid: null });
  } catch {
    /* nothing to mark */
  }
}
