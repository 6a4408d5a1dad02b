/**
 * The legacy agent bundles in a `Plug-ins` folder: `<Name>.bundle/Contents/Info.plist` gives the id
 * (`CFBundleIdentifier`, which is also the log file name `<id>.log` and the agent identifier Plex lists in
 * `/system/agents`) and `CFBundleVersion`; `Contents/Code/__init__.py` gives, when easy to read, the agent
 * class's `name` (shown in Plex), PGMA's `VERSION_NO`, `primary_provider` and `contributes_to` (PGMA site
 * agents contribute to an umbrella primary agent). Folders that are not bundles (PGMA's `_PGMA/`) are skipped.
 */
import { posix, win32 } from 'node:path';

export interface BundleInfo {
  /** Folder name, e.g. `GEVI.bundle`. */
  folder: string;
  dir: string;
  identifier?: string;
  version?: string;
  /** The agent's display name (`name = '…'` in its Agent class). */
  agentName?: string;
  /** True when Info.plist says `PlexPluginClass Agent` or the code defines an Agent class. */
  isAgent: boolean;
  primary?: boolean;
  contributesTo: string[];
  problems: string[];
}

export interface BundleReader {
  list(dir: string): Promise<string[]>;
  readText(path: string): Promise<string>;
}

/** `<key>K</key><string>V</string>` of a plist. */
export function plistString(xml: string, key: string): string | undefined {
  const re = new RegExp(`<key>\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*</key>\\s*<string>([^<]*)</string>`);
  const v = re.exec(xml)?.[1]?.trim();
  return v === undefined || v === '' ? undefined : v.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** What the agent code says about itself (best effort: plain assignments only). */
export function agentFromCode(py: string): { agentName?: string; version?: string; primary?: boolean; contributesTo: string[]; isAgent: boolean } {
  const cls = /^class\s+\w+\s*\(\s*Agent\.\w+\s*\)\s*:/m.exec(py);
  const body = cls ? py.slice(cls.index) : '';
  const name = /^\s+name\s*=\s*u?(['"])(.*?)\1/m.exec(body)?.[2];
  const primary = /^\s+primary_provider\s*=\s*(True|False)/m.exec(body)?.[1];
  const contrib = /^\s+contributes_to\s*=\s*\[([^\]]*)\]/m.exec(body)?.[1];
  const version = /^VERSION_NO\s*=\s*u?(['"])(.*?)\1/m.exec(py)?.[2];
  return {
    agentName: name,
    version,
    primary: primary === undefined ? undefined : primary === 'True',
    contributesTo: contrib ? [...contrib.matchAll(/(['"])(.*?)\1/g)].map((m) => m[2]!) : [],
    isAgent: cls !== null,
  };
}

/** Reads every `*.bundle` in `pluginsDir` (sorted). A bundle whose files cannot be read is listed with problems. */
export async function listBundles(pluginsDir: string, r: BundleReader, platform: string = process.platform): Promise<BundleInfo[]> {
  const path = platform === 'win32' ? win32 : posix;
  const names = (await r.list(pluginsDir)).filter((n) => n.toLowerCase().endsWith('.bundle')).sort();
  const out: BundleInfo[] = [];
  for (const folder of names) {
    const dir = path.join(pluginsDir, folder);
    const b: BundleInfo = { folder, dir, isAgent: false, contributesTo: [], problems: [] };
    try {
      const plist = await r.readText(path.join(dir, 'Contents', 'Info.plist'));
      b.identifier = plistString(plist, 'CFBundleIdentifier');
      b.version = plistString(plist, 'CFBundleVersion');
      b.isAgent = plistString(plist, 'PlexPluginClass') === 'Agent';
      if (!b.identifier) b.problems.push('Info.plist has no CFBundleIdentifier');
    } catch (err) {
      b.problems.push(`cannot read Contents/Info.plist (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      const code = agentFromCode(await r.readText(path.join(dir, 'Contents', 'Code', '__init__.py')));
      b.agentName = code.agentName;
      b.version ??= code.version;
      b.primary = code.primary;
      b.contributesTo = code.contributesTo;
      b.isAgent ||= code.isAgent;
    } catch {
      /* channels and services have no agent code: fine */
    }
    out.push(b);
  }
  return out;
}
