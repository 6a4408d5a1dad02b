/**
 * Legacy plug-in routes (served by the plug-in framework, XML): `GET /:/plugins` (`Plugin{identifier,state}`,
 * "0" = running per System.bundle), `GET /:/plugins/{id}/restart` (restart one plug-in: code is loaded only
 * at plug-in start, so a patched `Code/*.py` takes effect after this), and the plug-in's preferences
 * `GET /:/plugins/{id}/prefs` (`Setting` elements). Saved preferences
 * (`Plug-in Support/Preferences/<id>.xml`) win over `DefaultPrefs.json`, so a preference change goes through
 * here, never through DefaultPrefs.json. Setting: the framework's route `GET /:/plugins/{id}/prefs/set?name=value`
 * (Plex framework handlers/runtime.py; reaching it through PMS is UNVERIFIED on current servers).
 */
import { bool, container, list, str, type Node } from './body.ts';
import type { PlexConnection } from './request.ts';

export const PLUGINS_PATH = '/:/plugins';
export const pluginPath = (identifier: string) => `${PLUGINS_PATH}/${encodeURIComponent(identifier)}`;

export interface Plugin {
  identifier: string;
  name?: string;
  state?: string;
  version?: string;
}

/** A preference. `secure` ones (passwords, PGMA's `plextoken`) have their value hidden in reports. */
export interface Setting {
  id: string;
  label?: string;
  type?: string;
  default?: string;
  value?: string;
  values?: string[];
  secure: boolean;
  hidden: boolean;
}

/** Parses `/:/plugins`. */
export function parsePlugins(body: Node): Plugin[] {
  return list(container(body), 'Plugin').map((p) => ({
    identifier: str(p.identifier) ?? '',
    name: str(p.name) ?? str(p.title),
    state: str(p.state),
    version: str(p.version),
  }));
}

/** Parses `/:/plugins/{id}/prefs`. */
export function parseSettings(body: Node): Setting[] {
  return list(container(body), 'Setting').map((s) => ({
    id: str(s.id) ?? '',
    label: str(s.label),
    type: str(s.type),
    default: str(s.default),
    value: str(s.value),
    values: str(s.values)?.split('|'),
    secure: bool(s.secure) ?? false,
    hidden: bool(s.hidden) ?? str(s.option) === 'hidden',
  }));
}

/** Lists the running legacy plug-ins. */
export async function listPlugins(conn: PlexConnection): Promise<Plugin[]> {
  return parsePlugins((await conn.request({ path: PLUGINS_PATH, format: 'xml' })).body);
}

/** Restarts one plug-in over HTTP (System.bundle `restart_self_silently`). Success is OBSERVED elsewhere: a fresh `Starting framework core` in its log. */
export async function restartPlugin(conn: PlexConnection, identifier: string): Promise<void> {
  await conn.request({ path: `${pluginPath(identifier)}/restart`, format: 'none', what: `plug-in ${identifier}` });
}

/** Reads a plug-in's preferences. */
export async function getPluginPrefs(conn: PlexConnection, identifier: string): Promise<Setting[]> {
  return parseSettings((await conn.request({ path: `${pluginPath(identifier)}/prefs`, format: 'xml', what: `plug-in ${identifier}` })).body);
}

/** Saves preferences (`name` → value; booleans as "true"/"false" as the framework stores them). Idempotent, so the gate may retry it. */
export async function setPluginPrefs(conn: PlexConnection, identifier: string, values: Record<string, string | boolean>): Promise<void> {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) query[k] = typeof v === 'boolean' ? String(v) : v;
  await conn.request({ path: `${pluginPath(identifier)}/prefs/set`, query, format: 'none', what: `plug-in ${identifier}` });
}
