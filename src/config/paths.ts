/**
 * Where Plex Media Server keeps its data, logs and legacy plug-ins, per platform. Pure functions of
 * (platform, env, home folder): nothing here touches the disk; `logs/discover.ts` checks which
 * candidate exists.
 *
 * Facts relied on (reference/pgma-agents-and-logs.md §3.1, reference/plex-api.md §7):
 * - the plug-in log folder is `PMS Plugin Logs` inside the server's log folder; the framework
 *   (`Framework/core.py`) takes `$PLEX_MEDIA_SERVER_LOG_DIR/PMS Plugin Logs` when that variable is
 *   set, else `%PLEXLOCALAPPDATA%` / `%LOCALAPPDATA%` (Windows), else `~/Library/Logs/Plex Media Server`
 *   (macOS);
 * - the data folder (`Plug-ins/`, `Plug-in Support/`, `Logs/` on every platform but macOS) is
 *   `<PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR>/Plex Media Server` on Linux packages
 *   (`/var/lib/plexmediaserver/Library/Application Support` by default; pms-docker sets `/config/...`),
 *   `%LOCALAPPDATA%\Plex Media Server` on Windows, `~/Library/Application Support/Plex Media Server`
 *   on macOS, `/volume1/PlexMediaServer/AppData` (Synology DSM 7), `/volume1/Plex/Library/Application
 *   Support` (DSM 6), `/share/CACHEDEV1_DATA/.qpkg/PlexMediaServer/Library` (QNAP).
 * Unknown: a Windows server whose data folder was moved with the `LocalAppDataPath` registry value
 * (not read here: pass --logs).
 */
import { posix, win32 } from 'node:path';
import { homedir } from 'node:os';

/** The inputs every function here depends on; `hostPlatform()` reads them from this process. */
export interface PlatformEnv {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
}

/** One place a Plex Media Server may keep its files. */
export interface PlexLocation {
  /** What kind of install this is (`macOS`, `Windows (%LOCALAPPDATA%)`, `Docker`, `Synology DSM 7`, …). */
  label: string;
  /** The `Plex Media Server` data folder (holds `Plug-ins/`, `Plug-in Support/`, `Preferences.xml`). */
  dataDir: string;
  /** The `PMS Plugin Logs` folder. */
  pluginLogsDir: string;
  /** The `Plug-ins` folder with the `*.bundle` agents. */
  pluginsDir: string;
}

const PMS = 'Plex Media Server';
const PLUGIN_LOGS = 'PMS Plugin Logs';
const PLUGINS = 'Plug-ins';

/** The platform, environment and home folder of the running process. */
export function hostPlatform(): PlatformEnv {
  return { platform: process.platform, env: process.env, homedir: homedir() };
}

/**
 * Every candidate location for `p`, most specific first: explicit environment variables, then the
 * platform's default, then (Linux) Docker, snap, Synology and QNAP layouts. Duplicates are removed.
 */
export function plexLocations(p: PlatformEnv): PlexLocation[] {
  const out: PlexLocation[] = [];
  const path = p.platform === 'win32' ? win32 : posix;
  const env = (name: string) => {
    const v = p.env[name];
    return v && v.trim() ? v.trim() : undefined;
  };
  const logDirEnv = env('PLEX_MEDIA_SERVER_LOG_DIR');
  /** A data dir whose logs live in `<data>/Logs` (all platforms but macOS), unless the log dir is set. */
  const fromData = (label: string, dataDir: string): PlexLocation => ({
    label,
    dataDir,
    pluginLogsDir: logDirEnv ? path.join(logDirEnv, PLUGIN_LOGS) : path.join(dataDir, 'Logs', PLUGIN_LOGS),
    pluginsDir: path.join(dataDir, PLUGINS),
  });

  if (p.platform === 'win32') {
    const plexLocal = env('PLEXLOCALAPPDATA');
    const local = env('LOCALAPPDATA') ?? path.join(p.homedir, 'AppData', 'Local');
    if (plexLocal) out.push(fromData('Windows (%PLEXLOCALAPPDATA%)', path.join(plexLocal, PMS)));
    out.push(fromData('Windows (%LOCALAPPDATA%)', path.join(local, PMS)));
  } else if (p.platform === 'darwin') {
    const dataDir = path.join(p.homedir, 'Library', 'Application Support', PMS);
    out.push({
      label: 'macOS',
      dataDir,
      pluginLogsDir: logDirEnv
        ? path.join(logDirEnv, PLUGIN_LOGS)
        : path.join(p.homedir, 'Library', 'Logs', PMS, PLUGIN_LOGS),
      pluginsDir: path.join(dataDir, PLUGINS),
    });
  } else {
    const appSupport = env('PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR');
    if (appSupport) out.push(fromData('Linux ($PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR)', path.join(appSupport, PMS)));
    const plexLocal = env('PLEXLOCALAPPDATA');
    if (plexLocal) out.push(fromData('Linux ($PLEXLOCALAPPDATA)', path.join(plexLocal, PMS)));
    if (p.platform === 'freebsd') out.push(fromData('FreeBSD', '/usr/local/plexdata/Plex Media Server'));
    out.push(fromData('Linux package', `/var/lib/plexmediaserver/Library/Application Support/${PMS}`));
    out.push(fromData('Docker', `/config/Library/Application Support/${PMS}`));
    out.push(fromData('Linux snap', `/var/snap/plexmediaserver/common/Library/Application Support/${PMS}`));
    for (const vol of ['volume1', 'volume2', 'volume3', 'volume4']) {
      out.push(fromData(`Synology DSM 7 (/${vol})`, `/${vol}/PlexMediaServer/AppData/${PMS}`));
      out.push(fromData(`Synology DSM 6 (/${vol})`, `/${vol}/Plex/Library/Application Support/${PMS}`));
    }
    for (const share of ['CACHEDEV1_DATA', 'CACHEDEV2_DATA', 'MD0_DATA']) {
      out.push(fromData(`QNAP (/share/${share})`, `/share/${share}/.qpkg/PlexMediaServer/Library/${PMS}`));
    }
  }
  const seen = new Set<string>();
  return out.filter((loc) => {
    const key = `${loc.pluginLogsDir}\u0000${loc.pluginsDir}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
