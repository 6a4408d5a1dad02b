/**
 * `plexmend doctor`: what plexmend found on this machine and at the target server, one check per line, each
 * ok / warn / missing with the fix. Usable (exit 0) when the plug-in log folder and the Plug-ins folder exist,
 * the server answers, the token is accepted, and the server, logs and bundles belong together (the server's
 * loaded agents are the bundles in that Plug-ins folder, and their logs are in that log folder).
 * Relies on: Info.plist `CFBundleIdentifier` = agent identifier in `/system/agents` = log name `<id>.log`
 * (reference plex-api.md §5, §7); agents that fail to load are missing from `/system/agents`
 * (`com.plexapp.system.log` says why).
 */
import { posix, win32 } from 'node:path';
import { z } from 'zod';
import { defineDocument } from '../documents.ts';
import { PlexError, TokenRejectedError, type PlexClient } from '../plex/index.ts';
import { listBundles, type BundleInfo } from './bundles.ts';
import type { ProcessRunner } from '../diagnose/python/process.ts';
import type { ConfigDeps, DoctorFs } from './ports.ts';
import { findPython27 } from './python.ts';
import type { Config } from './schema.ts';
import { describeTarget } from './target.ts';

export const CHECK_IDS = ['data_dir', 'plugin_logs', 'plugins_dir', 'bundles', 'write_access', 'server_reachable', 'token_valid', 'belong_together', 'python'] as const;
export type CheckId = (typeof CHECK_IDS)[number];
export const CHECK_STATUSES = ['ok', 'warn', 'missing'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** Checks whose `missing` makes plexmend unusable (exit 1). */
export const BLOCKING: readonly CheckId[] = ['plugin_logs', 'plugins_dir', 'server_reachable', 'token_valid', 'belong_together'];

const checkSchema = z.object({
  id: z.enum(CHECK_IDS),
  label: z.string(),
  status: z.enum(CHECK_STATUSES),
  detail: z.string(),
  fix: z.string().optional(),
});
export type Check = z.infer<typeof checkSchema>;

export const doctorDoc = defineDocument(
  'plexmend.doctor/1',
  z.object({
    schema: z.literal('plexmend.doctor/1'),
    target: z.string(),
    targetKind: z.enum(['server', 'sandbox']),
    usable: z.boolean(),
    checks: z.array(checkSchema),
    bundles: z.array(z.object({
      folder: z.string(),
      identifier: z.string().optional(),
      version: z.string().optional(),
      agentName: z.string().optional(),
      isAgent: z.boolean(),
      primary: z.boolean().optional(),
      contributesTo: z.array(z.string()),
      hasLog: z.boolean(),
      listedByServer: z.boolean().optional(),
      problems: z.array(z.string()),
    })),
    server: z.object({ version: z.string(), machineIdentifier: z.string(), sections: z.number().optional(), agents: z.array(z.string()).optional() }).optional(),
    python: z.object({ kind: z.string(), command: z.string().optional(), version: z.string().optional(), skipped: z.array(z.string()) }),
    notes: z.array(z.string()),
  }),
);
export type DoctorReport = z.infer<typeof doctorDoc.schema>;

export interface DoctorDeps {
  fs: DoctorFs;
  readText: ConfigDeps['readText'];
  isDirectory: ConfigDeps['isDirectory'];
  /** Runs the Python 2.7 probes (the validator's own process port). */
  runner: ProcessRunner;
  /** The client for the target; only these calls are used. */
  plex: Pick<PlexClient, 'identity' | 'sections' | 'agents'>;
}

const triedText = (list: string[] | undefined) => (list && list.length ? `; tried ${list.slice(0, 4).join(', ')}${list.length > 4 ? ` and ${list.length - 4} more` : ''}` : '');

/** Runs every check. Never throws for what it checks: each failure becomes a line with its fix. */
export async function runDoctor(config: Config, deps: DoctorDeps): Promise<DoctorReport> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  const p = config.paths;

  // Folders.
  const dirCheck = async (id: CheckId, label: string, dir: string | undefined, tried: string[] | undefined, flag: string) => {
    if (dir && (await deps.isDirectory(dir))) {
      add({ id, label, status: 'ok', detail: `${dir} (${p.sources[id === 'data_dir' ? 'dataDir' : id === 'plugin_logs' ? 'logsDir' : 'pluginsDir'] ?? 'configured'})` });
      return true;
    }
    add({ id, label, status: 'missing', detail: dir ? `${dir} does not exist or is not a folder` : `not found${triedText(tried)}`, fix: `pass ${flag} (or set it in plexmend.yaml)` });
    return false;
  };
  await dirCheck('data_dir', 'Plex data folder', p.dataDir, p.tried.dataDir, '--data-dir DIR');
  const logsOk = await dirCheck('plugin_logs', 'plug-in log folder', p.logsDir, p.tried.logsDir, '--logs-dir DIR');
  const pluginsOk = await dirCheck('plugins_dir', 'Plug-ins folder', p.pluginsDir, p.tried.pluginsDir, '--plugins-dir DIR');

  let logNames: string[] = [];
  if (logsOk) {
    try {
      logNames = (await deps.fs.list(p.logsDir!)).filter((n) => /\.log(\.\d+)?$/.test(n));
      checks.find((x) => x.id === 'plugin_logs')!.detail += `, ${logNames.filter((n) => n.endsWith('.log')).length} plug-in logs`;
    } catch (err) {
      const c = checks.find((x) => x.id === 'plugin_logs')!;
      c.status = 'missing';
      c.detail = `${p.logsDir} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      c.fix = 'give this user read access to the log folder (Linux: add it to the plex group)';
    }
  }

  // Bundles.
  let bundles: BundleInfo[] = [];
  if (pluginsOk) {
    try {
      bundles = await listBundles(p.pluginsDir!, { list: deps.fs.list, readText: deps.readText }, config.platform);
    } catch (err) {
      add({ id: 'bundles', label: 'legacy agent bundles', status: 'missing', detail: `cannot list ${p.pluginsDir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, fix: 'give this user read access to the Plug-ins folder' });
    }
  }
  const agents = bundles.filter((b) => b.isAgent);
  if (pluginsOk && !checks.some((c) => c.id === 'bundles')) {
    if (agents.length === 0) {
      add({ id: 'bundles', label: 'legacy agent bundles', status: 'warn', detail: `no agent bundle in ${p.pluginsDir}`, fix: 'install the agents (e.g. PGMA) into this Plug-ins folder, or point --plugins-dir at the right one' });
    } else {
      const names = agents.map((b) => `${b.agentName ?? b.folder.replace(/\.bundle$/i, '')}${b.version ? ` ${b.version}` : ''}`);
      const broken = bundles.filter((b) => b.problems.length > 0);
      add({
        id: 'bundles',
        label: 'legacy agent bundles',
        status: broken.length ? 'warn' : 'ok',
        detail: `${agents.length} agent${agents.length === 1 ? '' : 's'}: ${names.join(', ')}${broken.length ? `; unreadable: ${broken.map((b) => `${b.folder} (${b.problems[0]})`).join(', ')}` : ''}`,
        fix: broken.length ? 'check the files of the bundles named (a half-copied bundle does not load)' : undefined,
      });
    }
    // Write access: the folder and each agent bundle's code folder.
    const join = config.platform === 'win32' ? win32.join : posix.join;
    const targets = [p.pluginsDir!, ...agents.map((b) => join(b.dir, 'Contents', 'Code'))];
    const denied: string[] = [];
    for (const t of targets) if (!(await deps.fs.writable(t))) denied.push(t);
    add(denied.length === 0
      ? { id: 'write_access', label: 'write access', status: 'ok', detail: `can write ${p.pluginsDir} and ${agents.length} bundle code folder${agents.length === 1 ? '' : 's'}` }
      : { id: 'write_access', label: 'write access', status: 'missing', detail: `cannot write ${denied.slice(0, 3).join(', ')}${denied.length > 3 ? ` and ${denied.length - 3} more` : ''}`,
        fix: 'run plexmend as the user that owns the bundles, or give this user write access (Linux: add it to the plex group and make the bundles group-writable); plexmend never uses sudo' });
  }

  // Server.
  let server: DoctorReport['server'];
  let serverAgents: string[] | undefined;
  try {
    const id = await deps.plex.identity();
    server = { version: id.version, machineIdentifier: id.machineIdentifier };
    add({ id: 'server_reachable', label: 'server reachable', status: 'ok', detail: `Plex Media Server ${id.version || '(version unknown)'} at ${config.target.url}` });
  } catch (err) {
    add({ id: 'server_reachable', label: 'server reachable', status: 'missing', detail: (err as Error).message, fix: err instanceof PlexError ? err.hint : undefined });
  }
  if (server) {
    try {
      const sections = await deps.plex.sections();
      server.sections = sections.length;
      add({ id: 'token_valid', label: 'token valid', status: 'ok', detail: `${config.target.token ? `token from ${config.target.tokenSource}` : 'no token needed'}; ${sections.length} library section${sections.length === 1 ? '' : 's'}` });
      try {
        serverAgents = (await deps.plex.agents()).map((a) => a.identifier);
        server.agents = serverAgents;
      } catch (err) {
        add({ id: 'belong_together', label: 'server, logs and bundles belong together', status: 'warn', detail: `cannot list the server's agents: ${(err as Error).message}`, fix: 'the System plug-in may be restarting; run doctor again in a minute' });
      }
    } catch (err) {
      add({ id: 'token_valid', label: 'token valid', status: 'missing', detail: (err as Error).message, fix: err instanceof TokenRejectedError || err instanceof PlexError ? err.hint : undefined });
    }
  } else {
    add({ id: 'token_valid', label: 'token valid', status: 'missing', detail: 'not checked: the server did not answer', fix: 'fix the server address first' });
  }

  // Belonging together.
  const logIds = new Set(logNames.map((n) => n.replace(/\.log(\.\d+)?$/, '')));
  const bundleRows = bundles.map((b) => ({
    folder: b.folder, identifier: b.identifier, version: b.version, agentName: b.agentName, isAgent: b.isAgent, primary: b.primary,
    contributesTo: b.contributesTo, hasLog: b.identifier ? logIds.has(b.identifier) : false,
    listedByServer: serverAgents && b.identifier ? serverAgents.includes(b.identifier) : undefined, problems: b.problems,
  }));
  // The data folder's Preferences.xml names its server: /identity's `machineIdentifier` is the file's
  // ProcessedMachineIdentifier (hex, no dashes); its MachineIdentifier is another id, a UUID (reported by the
  // authors of Plex tools that match the two: zdimension/plexdlweb#6, synclounge/synclounge#158).
  let machineNote: string | undefined;
  if (server && p.dataDir) {
    const prefs = await deps.readText((config.platform === 'win32' ? win32 : posix).join(p.dataDir, 'Preferences.xml')).catch(() => undefined);
    const id = prefs ? /\sProcessedMachineIdentifier="([^"]+)"/.exec(prefs)?.[1] : undefined;
    if (id && server.machineIdentifier && id !== server.machineIdentifier) {
      machineNote = `the data folder's Preferences.xml names machine ${id}, the server at ${config.target.url} is ${server.machineIdentifier}`;
    }
  }
  if (machineNote) {
    add({ id: 'belong_together', label: 'server, logs and bundles belong together', status: 'warn', detail: machineNote,
      fix: 'point --data-dir at the data folder of the server you target, or --url at the server that owns this data folder' });
  }
  if (!checks.some((c) => c.id === 'belong_together')) {
    const agentRows = bundleRows.filter((b) => b.isAgent && b.identifier);
    if (!serverAgents || agentRows.length === 0) {
      add({ id: 'belong_together', label: 'server, logs and bundles belong together', status: 'warn', detail: !serverAgents ? 'not checked: the server could not be asked' : 'not checked: no agent bundle found' });
    } else {
      const listed = agentRows.filter((b) => b.listedByServer);
      const unlisted = agentRows.filter((b) => !b.listedByServer);
      const withLogs = agentRows.filter((b) => b.hasLog);
      if (listed.length === 0) {
        add({ id: 'belong_together', label: 'server, logs and bundles belong together', status: 'missing',
          detail: `the server at ${config.target.url} lists none of the ${agentRows.length} agents in ${p.pluginsDir}`,
          fix: 'point --plugins-dir/--data-dir at the data folder of the server you target (Docker/NAS: the mounted /config), or --url at the server that uses this folder' });
      } else if (logsOk && withLogs.length === 0) {
        add({ id: 'belong_together', label: 'server, logs and bundles belong together', status: 'missing',
          detail: `${p.logsDir} holds no log of any agent in ${p.pluginsDir}`,
          fix: 'point --logs-dir at the PMS Plugin Logs folder of the same server (agents that never ran have no log yet: refresh one item first)' });
      } else {
        const parts = [`${listed.length} of ${agentRows.length} agents loaded by the server`, `${withLogs.length} with a log`];
        add({ id: 'belong_together', label: 'server, logs and bundles belong together', status: unlisted.length ? 'warn' : 'ok',
          detail: parts.join(', ') + (unlisted.length ? `; not loaded: ${unlisted.map((b) => b.identifier).join(', ')}` : ''),
          fix: unlisted.length ? 'an agent the server does not list failed to load: read com.plexapp.system.log and the agent\'s own log in the log folder; a newly added bundle may need a Plex restart' : undefined });
      }
    }
  }

  const python = await findPython27(deps.runner, config.python);
  add(python.kind === 'interpreter'
    ? { id: 'python', label: 'Python 2.7 checker', status: 'ok', detail: `${python.command}${python.version ? ` ${python.version}` : ''}` }
    : { id: 'python', label: 'Python 2.7 checker', status: 'warn', detail: 'parser-level fallback (no jython, python2.7, python2 or pypy 2.7 on PATH)', fix: 'install jython or python2.7 for a real compile check of patches (or set `python:` in plexmend.yaml)' });

  checks.sort((a, b) => CHECK_IDS.indexOf(a.id) - CHECK_IDS.indexOf(b.id));
  const usable = !checks.some((c) => c.status === 'missing' && BLOCKING.includes(c.id));
  return {
    schema: 'plexmend.doctor/1',
    target: describeTarget(config),
    targetKind: config.target.kind,
    usable,
    checks,
    bundles: bundleRows,
    server,
    python,
    notes: config.notes,
  };
}

/** Text rendering: the target line, then one line per check with its fix. */
export function renderDoctor(r: DoctorReport, paint: (text: string, status: CheckStatus) => string = (t) => t): string {
  const lines = [r.target];
  for (const c of r.checks) {
    lines.push(`${paint(c.status.padEnd(7), c.status)} ${c.label}: ${c.detail}`);
    if (c.fix && c.status !== 'ok') lines.push(`        → ${c.fix}`);
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push(r.usable ? 'plexmend can work with this setup.' : 'plexmend cannot work with this setup yet: fix the lines marked missing above.');
  return lines.join('\n') + '\n';
}
