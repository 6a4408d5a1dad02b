/**
 * Builds the one Config from its layers, in this order of precedence:
 *   flags  >  environment  >  config file  >  sandbox profile (only when asked)  >  discovery  >  defaults.
 * - Environment: `PLEX_URL`, `PLEX_TOKEN`, python-plexapi's `PLEXAPI_AUTH_SERVER_BASEURL` /
 *   `PLEXAPI_AUTH_SERVER_TOKEN`, and `PLEXMEND_*` (CONFIG, CONFIG_DIR, SANDBOX, SANDBOX_PROFILE, DATA_DIR,
 *   PLUGINS_DIR, LOGS_DIR, PATH_MAP, TIMEOUT_MS, PYTHON, WORKSPACE, LLM_URL, LLM_MODEL, LLM_KEY), and `OPENAI_API_KEY`
 *   for the LLM adviser's key when PLEXMEND_LLM_KEY is not set.
 * - Config file: `--config FILE`, `PLEXMEND_CONFIG`, else `./plexmend.yaml` (or `.yml`), else
 *   `<user config dir>/plexmend.yaml`.
 * - Sandbox: used when asked (`--sandbox`, `PLEXMEND_SANDBOX=1`, `sandbox: true`), or when no real server is
 *   configured or discovered and a live sandbox is running — and then the reason says so. A real server's
 *   configuration never silently becomes the sandbox, nor the reverse.
 * - Discovery: the Plex folders from config/paths.ts candidates that exist; the token from the platform's store
 *   (config/token.ts).
 * Only this function and config/index.ts know about env names and config files (STYLE habit 8).
 */
import { posix, win32 } from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import { plexLocations, type PlexLocation } from './paths.ts';
import { parsePathMapping, type PathMapping } from './pathmap.ts';
import type { ConfigDeps } from './ports.ts';
import { readSandboxProfile, SANDBOX_PROFILE_FILE } from './sandbox-profile.ts';
import { configFileSchema, configSchema, DEFAULT_PLEX_URL, type Config, type ConfigFile } from './schema.ts';
import { discoverToken } from './token.ts';

/** What a command's flags can set (all optional; commander gives undefined for absent flags). */
export interface ConfigFlags {
  url?: string;
  token?: string;
  config?: string;
  sandbox?: boolean;
  dataDir?: string;
  pluginsDir?: string;
  logsDir?: string;
  pathMap?: string[];
  timeoutMs?: number;
  workspace?: string;
  /** `--llm-key-env NAME`: the environment variable holding the LLM adviser's key. */
  llmKeyEnv?: string;
}

/** The process facts resolution depends on (config/index.ts reads them from the real process). */
export interface ConfigEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  platform: NodeJS.Platform;
  homedir: string;
}

/** The user config dir: `$XDG_CONFIG_HOME/plexmend` (Linux), `~/Library/Application Support/plexmend` (macOS), `%APPDATA%\plexmend` (Windows). */
export function userConfigDir(e: ConfigEnvironment): string {
  const path = e.platform === 'win32' ? win32 : posix;
  const explicit = e.env.PLEXMEND_CONFIG_DIR;
  if (explicit) return path.resolve(e.cwd, explicit);
  if (e.platform === 'win32') return path.join(e.env.APPDATA || path.join(e.homedir, 'AppData', 'Roaming'), 'plexmend');
  if (e.platform === 'darwin') return path.join(e.homedir, 'Library', 'Application Support', 'plexmend');
  return path.join(e.env.XDG_CONFIG_HOME || path.join(e.homedir, '.config'), 'plexmend');
}

const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);

/** First defined value with its source label. */
function pick<T>(...layers: Array<[T | undefined, string]>): [T, string] | undefined {
  for (const [v, src] of layers) if (v !== undefined) return [v, src];
  return undefined;
}

async function readConfigFile(flags: ConfigFlags, e: ConfigEnvironment, configDir: string, deps: ConfigDeps): Promise<{ file?: string; data: ConfigFile }> {
  const path = e.platform === 'win32' ? win32 : posix;
  const explicit = flags.config ?? nonEmpty(e.env.PLEXMEND_CONFIG);
  const candidates = explicit
    ? [path.resolve(e.cwd, explicit)]
    : [path.join(e.cwd, 'plexmend.yaml'), path.join(e.cwd, 'plexmend.yml'), path.join(configDir, 'plexmend.yaml')];
  for (const file of candidates) {
    let text: string;
    try {
      text = await deps.readText(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (explicit) throw new InputError(`cannot read the config file ${file} (${code ?? 'error'})`, 'check the --config path (or PLEXMEND_CONFIG)');
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new InputError(`cannot read the config file ${file} (${code ?? 'error'})`, 'fix its permissions or pass --config FILE');
    }
    // yaml is loaded only when there is a file to parse: ~50 ms of every command's start otherwise.
    const { parse: parseYaml, YAMLParseError } = await import('yaml');
    let raw: unknown;
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
      throw new InputError(`${file} is not valid YAML${where}`, 'fix the file; every key is described in the README "Configuration" section');
    }
    const parsed = configFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const key = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys?.join(', ') ?? '' : '');
      throw new InputError(`${file}: ${key ? `"${key}": ` : ''}${issue.message}`, 'allowed keys: url, token, dataDir, pluginsDir, logsDir, pathMappings [{server, local}], timeoutMs, python, sandbox, workspace');
    }
    const data = parsed.data;
    // Paths in the file are relative to the file.
    const base = path.dirname(file);
    for (const k of ['dataDir', 'pluginsDir', 'logsDir', 'python', 'workspace'] as const) {
      const v = data[k];
      if (v && k !== 'python' && !path.isAbsolute(v) && !win32.isAbsolute(v)) data[k] = path.resolve(base, v);
    }
    return { file, data };
  }
  return { data: {} };
}

function pathMappingsFrom(flags: ConfigFlags, e: ConfigEnvironment, file: ConfigFile): PathMapping[] {
  const out: PathMapping[] = [...(file.pathMappings ?? [])];
  const texts = [...(e.env.PLEXMEND_PATH_MAP ?? '').split(';'), ...(flags.pathMap ?? [])].map((t) => t.trim()).filter(Boolean);
  for (const t of texts) {
    const m = parsePathMapping(t);
    if (!m) throw new UsageError(`"${t}" is not a path mapping`, 'write it as SERVER_PATH=LOCAL_PATH, e.g. --path-map /config=/mnt/plex-config');
    out.push(m);
  }
  return out;
}

/**
 * Resolves the Config. Throws UsageError for contradictory flags (a server URL together with --sandbox),
 * InputError for an unreadable/invalid config file or an asked-for sandbox that is not running.
 */
export async function resolveConfig(flags: ConfigFlags, e: ConfigEnvironment, deps: ConfigDeps): Promise<Config> {
  const path = e.platform === 'win32' ? win32 : posix;
  const env = (name: string) => nonEmpty(e.env[name]);
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(e.cwd, p));
  const configDir = userConfigDir(e);
  const { file: configFile, data: file } = await readConfigFile(flags, e, configDir, deps);
  const fileSrc = `file ${configFile ?? ''}`;
  const notes: string[] = [];

  const url = pick<string>(
    [nonEmpty(flags.url), 'flag --url'],
    [env('PLEX_URL'), 'env PLEX_URL'],
    [env('PLEXAPI_AUTH_SERVER_BASEURL'), 'env PLEXAPI_AUTH_SERVER_BASEURL'],
    [file.url, fileSrc],
  );
  // A URL copied from Plex Web's "View XML" carries the token in its query: it becomes the token (unless one is
  // given), and never stays in the URL every command prints.
  const inUrl = url ? splitTokenFromUrl(url[0]) : undefined;
  if (url && inUrl) url[0] = inUrl.url;
  const token = pick<string>(
    [nonEmpty(flags.token), 'flag --token'],
    [env('PLEX_TOKEN'), 'env PLEX_TOKEN'],
    [env('PLEXAPI_AUTH_SERVER_TOKEN'), 'env PLEXAPI_AUTH_SERVER_TOKEN'],
    [file.token, fileSrc],
    [inUrl?.token, `X-Plex-Token in the ${url?.[1]} URL`],
  );
  const askedBy = flags.sandbox === true ? 'with --sandbox'
    : env('PLEXMEND_SANDBOX') === '1' || env('PLEXMEND_SANDBOX') === 'true' ? 'with PLEXMEND_SANDBOX'
    : file.sandbox === true ? `in ${configFile}` : undefined;
  const askedSandbox = askedBy !== undefined;
  const sandboxProfilePath = abs(env('PLEXMEND_SANDBOX_PROFILE')) ?? path.join(configDir, SANDBOX_PROFILE_FILE);
  if (askedSandbox && url?.[1] === 'flag --url') {
    throw new UsageError('--url and --sandbox name two different targets', 'drop one of them: --sandbox uses the running sandbox, --url a real Plex server');
  }

  const explicitPaths = {
    dataDir: pick<string>([abs(flags.dataDir), 'flag --data-dir'], [abs(env('PLEXMEND_DATA_DIR')), 'env PLEXMEND_DATA_DIR'], [file.dataDir, fileSrc]),
    pluginsDir: pick<string>([abs(flags.pluginsDir), 'flag --plugins-dir'], [abs(env('PLEXMEND_PLUGINS_DIR')), 'env PLEXMEND_PLUGINS_DIR'], [file.pluginsDir, fileSrc]),
    logsDir: pick<string>([abs(flags.logsDir), 'flag --logs-dir'], [abs(env('PLEXMEND_LOGS_DIR')), 'env PLEXMEND_LOGS_DIR'], [file.logsDir, fileSrc]),
  };

  const sources: Record<string, string> = {};
  const tried: Record<string, string[]> = {};
  const paths: { dataDir?: string; pluginsDir?: string; logsDir?: string; supportDir?: string } = {};
  let target: Config['target'];
  let sandbox: Config['sandbox'];

  const profile = await readSandboxProfile(sandboxProfilePath, deps);
  if (profile.state === 'stale') {
    notes.push(profile.pid === null
      ? `the sandbox described by ${sandboxProfilePath} was stopped; ignored`
      : `the sandbox profile ${sandboxProfilePath} belongs to a process that has ended (pid ${profile.pid}); ignored`);
  }
  if (profile.state === 'invalid') notes.push(`${profile.reason}; ignored`);

  const useSandbox = (reason: string) => {
    if (profile.state !== 'live') throw new Error('unreachable');
    sandbox = profile.profile;
    target = { kind: 'sandbox', url: sandbox.url, token: sandbox.token, urlSource: 'sandbox profile', tokenSource: 'sandbox profile', reason };
    paths.dataDir = sandbox.dataDir;
    paths.pluginsDir = sandbox.pluginsDir;
    paths.logsDir = sandbox.logsDir;
    paths.supportDir = sandbox.supportDir;
    for (const k of ['dataDir', 'pluginsDir', 'logsDir', 'supportDir']) sources[k] = 'sandbox profile';
  };

  // Folders: explicit ones always win (over discovery and over the sandbox's).
  const applyExplicitPaths = () => {
    for (const k of ['dataDir', 'pluginsDir', 'logsDir'] as const) {
      const v = explicitPaths[k];
      if (v) {
        paths[k] = v[0];
        sources[k] = v[1];
      }
    }
  };
  applyExplicitPaths();
  const discoverFolders = async () => {
    const candidates: PlexLocation[] = plexLocations({ platform: e.platform, env: e.env, homedir: e.homedir });
    const set = async (key: 'pluginsDir' | 'logsDir' | 'supportDir', dir: string | undefined, source: string) => {
      if (paths[key] || !dir) return false;
      (tried[key] ??= []).push(dir);
      if (!(await deps.isDirectory(dir))) return false;
      paths[key] = dir;
      sources[key] = source;
      return true;
    };
    let home: PlexLocation | undefined;
    if (paths.dataDir) {
      // An explicit data folder: its own Plug-ins and logs, never another install's.
      home = {
        label: 'the data dir',
        dataDir: paths.dataDir,
        pluginsDir: path.join(paths.dataDir, 'Plug-ins'),
        pluginLogsDir: e.platform === 'darwin' ? '' : path.join(paths.dataDir, 'Logs', 'PMS Plugin Logs'),
      };
    } else {
      for (const c of candidates) {
        const list = (tried.dataDir ??= []);
        if (!list.includes(c.dataDir)) list.push(c.dataDir);
        if (await deps.isDirectory(c.dataDir)) {
          home = c;
          paths.dataDir = c.dataDir;
          sources.dataDir = `discovered (${c.label})`;
          break;
        }
      }
    }
    const inside = home && home.label === 'the data dir' ? 'inside the data dir' : `discovered (${home?.label})`;
    if (home) {
      await set('pluginsDir', home.pluginsDir, inside);
      await set('logsDir', home.pluginLogsDir || undefined, inside);
      await set('supportDir', path.join(home.dataDir, 'Plug-in Support'), inside);
    }
    // What the data folder did not give (no data folder found, or macOS logs elsewhere): the first candidate that
    // exists — but never a second install's Plug-ins folder next to an explicit data folder.
    const explicitData = home?.label === 'the data dir';
    for (const c of candidates) {
      if (!explicitData) await set('pluginsDir', c.pluginsDir, `discovered (${c.label})`);
      if (!explicitData || e.platform === 'darwin') await set('logsDir', c.pluginLogsDir, `discovered (${c.label})`);
    }
  };

  if (askedSandbox) {
    if (profile.state !== 'live') {
      throw new InputError(
        profile.state === 'absent' ? `no sandbox is running (no profile at ${sandboxProfilePath})`
          : profile.state === 'stale' ? `the sandbox at ${profile.profile.url} is not running any more (${profile.pid === null ? 'it was stopped' : `process ${profile.pid} has ended`})`
          : `the sandbox profile at ${sandboxProfilePath} is not usable: ${profile.reason}`,
        'start one with `plexmend sandbox` in another terminal, or drop --sandbox to use your Plex server',
      );
    }
    useSandbox(`asked for ${askedBy}`);
    if (url || token) notes.push(`the sandbox was asked for, so ${[url?.[1], token?.[1]].filter(Boolean).join(' and ')} ${url && token ? 'are' : 'is'} not used`);
    applyExplicitPaths();
  } else {
    await discoverFolders();
    let tokenPick = token;
    if (!tokenPick) {
      const dataDirs = [paths.dataDir, ...(tried.dataDir ?? [])].filter((d): d is string => Boolean(d));
      const found = await discoverToken(e.platform, [...new Set(dataDirs)].slice(0, 12), deps);
      notes.push(...found.notes);
      if (found.token) tokenPick = [found.token, found.source ?? 'discovered'];
    }
    const configured = url !== undefined || token !== undefined;
    const discovered = tokenPick !== undefined || sources.dataDir !== undefined;
    if (!configured && !discovered && profile.state === 'live') {
      useSandbox('no Plex server is configured or found on this machine, so the running sandbox is used');
      applyExplicitPaths();
    } else {
      target = {
        kind: 'server',
        url: url?.[0] ?? DEFAULT_PLEX_URL,
        token: tokenPick?.[0],
        urlSource: url?.[1] ?? 'default',
        tokenSource: tokenPick?.[1],
        reason: configured ? 'configured' : discovered ? 'found on this machine' : 'nothing configured: trying the default local address',
      };
    }
  }

  const timeout = pick<number>(
    [flags.timeoutMs, 'flag'],
    [env('PLEXMEND_TIMEOUT_MS') !== undefined ? Number(env('PLEXMEND_TIMEOUT_MS')) : undefined, 'env'],
    [file.timeoutMs, 'file'],
  );
  if (timeout && (!Number.isInteger(timeout[0]) || timeout[0] <= 0)) throw new UsageError(`timeout ${timeout[0]} (from ${timeout[1]}) is not a positive number of milliseconds`, 'e.g. --timeout-ms 15000');

  return configSchema.parse({
    target: target!,
    sandbox,
    paths: { ...paths, sources, tried },
    pathMappings: pathMappingsFrom(flags, e, file),
    timeoutMs: timeout?.[0],
    python: env('PLEXMEND_PYTHON') ?? file.python,
    workspace: abs(flags.workspace) ?? abs(env('PLEXMEND_WORKSPACE')) ?? file.workspace,
    llm: llmFrom(flags, env, file),
    userConfigDir: configDir,
    configFile,
    sandboxProfilePath,
    platform: e.platform,
    notes,
  });
}

/**
 * The LLM adviser's defaults: PLEXMEND_LLM_URL / PLEXMEND_LLM_MODEL over the file's `llm:`; the key from the
 * variable named by --llm-key-env or the file, else PLEXMEND_LLM_KEY, else OPENAI_API_KEY. Undefined when
 * nothing is set.
 */
function llmFrom(flags: ConfigFlags, env: (name: string) => string | undefined, file: ConfigFile): Config['llm'] {
  const f = file.llm ?? {};
  const named = flags.llmKeyEnv ?? f.keyEnv;
  const keyEnv = named ?? ['PLEXMEND_LLM_KEY', 'OPENAI_API_KEY'].find((n) => env(n) !== undefined);
  const out = {
    ...(env('PLEXMEND_LLM_URL') ?? f.url ? { url: env('PLEXMEND_LLM_URL') ?? f.url } : {}),
    ...(env('PLEXMEND_LLM_MODEL') ?? f.model ? { model: env('PLEXMEND_LLM_MODEL') ?? f.model } : {}),
    ...(f.consult ? { consult: f.consult } : {}),
    ...(f.timeoutMs ? { timeoutMs: f.timeoutMs } : {}),
    ...(keyEnv ? { keyEnv } : {}),
    ...(keyEnv && env(keyEnv) !== undefined ? { key: env(keyEnv) } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

/**
 * `http://host:32400/?X-Plex-Token=…` (or with `user:password@`) → the URL without its token and user info,
 * and the token. Plex takes the token as a header from plexmend; in a printed URL it would leak.
 */
export function splitTokenFromUrl(raw: string): { url: string; token?: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { url: raw };
  }
  const key = [...u.searchParams.keys()].find((k) => k.toLowerCase() === 'x-plex-token');
  const token = key ? u.searchParams.get(key) || undefined : undefined;
  const changed = Boolean(key) || u.username !== '' || u.password !== '';
  if (key) u.searchParams.delete(key);
  u.username = '';
  u.password = '';
  const clean = u.toString();
  // Keep the user's spelling when nothing was removed (new URL() would add a trailing slash).
  return { url: changed ? clean.replace(/\?$/, '') : raw, ...(token ? { token } : {}) };
}
