/**
 * Reads what Plex learns about a legacy agent bundle when it loads it: the identifier from
 * `Contents/Info.plist` (`CFBundleIdentifier`), and from the agent class in `Contents/Code/__init__.py`
 * its `name`, `primary_provider`, `contributes_to` and `languages` (framework `Agent.Movies` attributes).
 * Plex gets these by running the code; the emulator reads the literal assignments, which is what every
 * PGMA-shaped agent writes (the running plug-in's own declaration refines them, see src/sandbox/index.ts).
 * Throws InputError when the plist has no identifier (the bundle is not loadable).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readBundleId } from '../runtime/host.ts';
import type { AgentInfo } from './types.ts';

function pyString(code: string, attr: string): string | undefined {
  const m = new RegExp(`^\\s+${attr}\\s*=\\s*u?(['"])(.*?)\\1`, 'm').exec(code);
  return m?.[2];
}

function pyList(code: string, attr: string): string[] {
  const m = new RegExp(`^\\s+${attr}\\s*=\\s*\\[([^\\]]*)\\]`, 'm').exec(code);
  if (!m) return [];
  return [...m[1]!.matchAll(/u?(['"])(.*?)\1/g)].map((x) => x[2]!).filter((s) => !s.startsWith('Locale.'));
}

/** Agent facts from the text of `__init__.py` and the identifier. */
export function agentInfoFromCode(identifier: string, code: string, hasPrefs: boolean): AgentInfo {
  const primary = /^\s+primary_provider\s*=\s*True\b/m.test(code);
  const langs = pyList(code, 'languages');
  return {
    identifier,
    name: pyString(code, 'name') ?? identifier.split('.').pop()!,
    primary,
    hasPrefs,
    contributesTo: pyList(code, 'contributes_to'),
    languages: langs.length > 0 ? langs : ['en'],
  };
}

/** Reads one bundle folder's agent facts. */
export async function readBundleInfo(bundleDir: string): Promise<AgentInfo> {
  const id = readBundleId(bundleDir);
  let code = '';
  try {
    code = await readFile(join(bundleDir, 'Contents', 'Code', '__init__.py'), 'utf8');
  } catch {
    /* a bundle without code is listed but cannot run */
  }
  let hasPrefs = false;
  try {
    const prefs = JSON.parse(await readFile(join(bundleDir, 'Contents', 'DefaultPrefs.json'), 'utf8')) as unknown;
    hasPrefs = Array.isArray(prefs) && prefs.length > 0;
  } catch {
    /* no DefaultPrefs.json */
  }
  return agentInfoFromCode(id, code, hasPrefs);
}

/** The `*.bundle` folders of a Plug-ins folder, sorted. */
export async function listBundles(pluginsDir: string): Promise<string[]> {
  const names = await readdir(pluginsDir);
  return names.filter((n) => n.endsWith('.bundle')).sort().map((n) => join(pluginsDir, n));
}
