/**
 * The rehearsal Plex: `startSandbox()` lays out a Plex data folder (with a space in its path, as on every
 * real install: `<dir>/Library/Application Support/Plex Media Server/`), installs the sandbox agent bundles
 * into its `Plug-ins/`, starts the scenario's fixture sites, one agent plug-in process per bundle, and the
 * PMS emulator serving the scenario's library; then writes the sandbox profile. `close()` stops all of it.
 *
 * Bundles already present are kept (a patched agent survives a sandbox restart, as on a real server);
 * `reset` wipes plug-ins, their data and logs first. The library database (guids, what each agent
 * contributed) is kept in `Plug-in Support/Databases/` too, so a restarted sandbox shows what earlier
 * refreshes found, as a restarted Plex does; `reset` starts again from the scenario's unmatched library.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { listBundles, readBundleInfo, startPmsEmulator, type PluginSpec, type PmsEmulator, type RefreshRecord } from './pms/index.ts';
import { PluginHost } from './runtime/host.ts';
import { loadScenario, scenarioBundles, scenarioLibrary, type Scenario } from './scenario.ts';
import { startSites, type SitesHandle } from './sites/index.ts';
import { markSandboxStopped, writeSandboxProfile } from './profile.ts';

/** Where the sandbox's agent bundles are kept in the source tree. */
export const SANDBOX_AGENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'agents');

/** Options of `startSandbox`; all optional. */
export interface StartSandboxOptions {
  /** Scenario name (`default`, `flaky`, …), path to a scenario file, or a loaded scenario. Default `default`. */
  scenario?: string | Scenario;
  /** Sandbox folder; default a new temporary folder. */
  dir?: string;
  /** Seed of the scenario's randomness; default the scenario's own. */
  seed?: number;
  /** Replay PGMA's real delays (agent sleeps, site latency, slower refresh steps). Default fast. */
  realisticTiming?: boolean;
  /** Emulator port; default a free one. */
  port?: number;
  /** Profile file to write; default `<dir>/sandbox.json`; null writes none. */
  profilePath?: string | null;
  /** Source of the agent bundles (default: the sandbox's own, `src/sandbox/agents/`). */
  agentsDir?: string;
  /** Python interpreter for the plug-ins (default: the runtime's choice). */
  python?: string;
  /** Wipe Plug-ins, Plug-in Support and logs before starting. */
  reset?: boolean;
  /** Info.plist poll interval (default 1000 ms). */
  plistPollMs?: number;
  /** Called after each finished refresh. */
  onRefresh?: (record: RefreshRecord) => void;
  /** Clock (ms) of the sites' rate windows; default `Date.now` (a test that holds it still makes a rate limit certain). */
  sitesNow?: () => number;
}

/** A running sandbox; `close()` stops the emulator, the plug-ins and the sites, and marks the profile stopped. */
export interface SandboxHandle {
  url: string;
  token: string;
  dir: string;
  dataDir: string;
  pluginsDir: string;
  logsDir: string;
  supportDir: string;
  profilePath: string | null;
  scenario: Scenario;
  seed: number;
  emulator: PmsEmulator;
  sites: SitesHandle;
  /** Things the user should know: agents the scenario names but no bundle provides, plug-ins that failed to start. */
  warnings: string[];
  close(): Promise<void>;
}

/** The Plex data folder layout under a sandbox folder. */
export function sandboxLayout(dir: string) {
  const dataDir = join(dir, 'Library', 'Application Support', 'Plex Media Server');
  return {
    dataDir,
    pluginsDir: join(dataDir, 'Plug-ins'),
    supportDir: join(dataDir, 'Plug-in Support'),
    logsDir: join(dataDir, 'Logs', 'PMS Plugin Logs'),
    preferences: join(dataDir, 'Preferences.xml'),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Copies every `*.bundle` (and PGMA's `_PGMA` data folder) not yet installed. Returns the names copied. */
export async function installBundles(agentsDir: string, pluginsDir: string): Promise<string[]> {
  let names: string[] = [];
  try {
    names = await readdir(agentsDir);
  } catch {
    return [];
  }
  const copied: string[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.bundle') && name !== '_PGMA') continue;
    const target = join(pluginsDir, name);
    if (await exists(target)) continue;
    await cp(join(agentsDir, name), target, { recursive: true, preserveTimestamps: true });
    copied.push(name);
  }
  return copied;
}

/**
 * The server's token and machine id: `PlexOnlineToken` and `ProcessedMachineIdentifier` of an existing
 * Preferences.xml, else new ones written there (the emulator's /identity answers the same id, as Plex does).
 */
async function serverToken(preferences: string, name: string): Promise<{ token: string; machine: string }> {
  try {
    const xml = await readFile(preferences, 'utf8');
    const m = /PlexOnlineToken="([^"]+)"/.exec(xml);
    const id = /ProcessedMachineIdentifier="([^"]+)"/.exec(xml) ?? /MachineIdentifier="([^"]+)"/.exec(xml);
    if (m && id) return { token: m[1]!, machine: id[1]! };
  } catch {
    /* first start */
  }
  const token = randomBytes(15).toString('base64url').slice(0, 20);
  const machine = randomBytes(20).toString('hex');
  await writeFileAtomic(preferences,
    `<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="${machine}" ProcessedMachineIdentifier="${machine}" ` +
    `FriendlyName="${name}" PlexOnlineToken="${token}" AcceptedEULA="1"/>\n`);
  return { token, machine };
}

/** Starts the whole sandbox. Throws if the sites or the emulator cannot start (after stopping what did). */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<SandboxHandle> {
  const scenario = typeof options.scenario === 'object' ? options.scenario : loadScenario(options.scenario ?? 'default');
  const seed = options.seed ?? scenario.seed;
  const realistic = options.realisticTiming ?? false;
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'plexmend-sandbox-'));
  const layout = sandboxLayout(dir);
  let token: string;
  let machine: string;
  try {
    if (options.reset) {
      for (const p of [layout.pluginsDir, layout.supportDir, layout.logsDir]) await rm(p, { recursive: true, force: true });
    }
    for (const p of [layout.pluginsDir, layout.supportDir, layout.logsDir]) await mkdir(p, { recursive: true });
    await installBundles(options.agentsDir ?? SANDBOX_AGENTS_DIR, layout.pluginsDir);
    ({ token, machine } = await serverToken(layout.preferences, 'plexmend sandbox'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`cannot prepare the sandbox folder ${dir} (${code})`, 'choose a folder you can write to with --dir', err);
  }
  const warnings: string[] = [];

  const sites = await startSites(scenario, seed, { realisticTiming: realistic, ...(options.sitesNow ? { now: options.sitesNow } : {}) });
  let emulator: PmsEmulator | undefined;
  const hosts: PluginHost[] = [];
  try {
    const specs: PluginSpec[] = [];
    for (const bundleDir of await listBundles(layout.pluginsDir)) {
      let info;
      try {
        info = await readBundleInfo(bundleDir);
      } catch (err) {
        warnings.push(`${bundleDir} is not a loadable bundle: ${(err as Error).message}`);
        continue;
      }
      const host = new PluginHost({
        bundleDir, logsDir: layout.logsDir, supportDir: layout.supportDir, hostMap: sites.hostMap,
        sleepScale: realistic ? 1 : 0, ...(options.python ? { python: options.python } : {}),
      });
      hosts.push(host);
      specs.push({ plugin: host, info, bundleDir });
    }
    const installed = new Set(specs.map((s) => s.info.identifier));
    for (const id of scenarioBundles(scenario)) {
      if (!installed.has(id)) warnings.push(`the scenario uses agent ${id}, but no bundle in ${layout.pluginsDir} provides it`);
    }
    emulator = await startPmsEmulator({
      library: scenarioLibrary(scenario),
      plugins: specs,
      supportDir: layout.supportDir,
      token,
      machineIdentifier: machine,
      ...(options.port !== undefined ? { port: options.port } : {}),
      stepDelayMs: realistic ? 250 : 15,
      plistPollMs: options.plistPollMs ?? 1000,
      friendlyName: 'plexmend sandbox',
      stateFile: join(layout.supportDir, 'Databases', `plexmend-sandbox-library-${scenario.name}.json`),
      ...(options.onRefresh ? { onRefresh: options.onRefresh } : {}),
    });
    for (const spec of specs) {
      const declared = (spec.plugin as PluginHost).agent;
      if (declared) Object.assign(spec.info, { name: declared.name, primary: declared.primary, contributesTo: declared.contributesTo, languages: declared.languages });
      const entry = emulator.state.plugins.get(spec.info.identifier);
      if (entry?.state === 'failed') warnings.push(`plug-in ${spec.info.identifier} did not start: ${entry.lastError ?? 'see its log'}`);
    }
  } catch (err) {
    if (emulator) await emulator.close();
    else await Promise.all(hosts.map((h) => h.stop().catch(() => undefined)));
    await sites.close();
    throw err;
  }

  const profilePath = options.profilePath === undefined ? join(dir, 'sandbox.json') : options.profilePath;
  const emu = emulator;
  if (profilePath !== null) {
    await writeSandboxProfile(profilePath, {
      schema: 'plexmend.sandbox/1', url: emu.url, token, dataDir: layout.dataDir, pluginsDir: layout.pluginsDir,
      logsDir: layout.logsDir, supportDir: layout.supportDir, scenario: scenario.name, seed, pid: process.pid,
      startedAt: new Date().toISOString(),
      hostMap: sites.hostMap,
    });
  }
  let closed = false;
  return {
    url: emu.url, token, dir, ...layout, profilePath, scenario, seed, emulator: emu, sites, warnings,
    async close() {
      if (closed) return;
      closed = true;
      await emu.close();
      await sites.close();
      if (profilePath !== null) await markSandboxStopped(profilePath, emu.url);
    },
  };
}
