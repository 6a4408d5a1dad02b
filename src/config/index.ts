/**
 * config/'s entry: `loadConfig(flags)` is the ONE place that reads this process's environment, working
 * folder, platform and home folder; everything else receives the resulting Config value.
 */
import { homedir } from 'node:os';
import { resolveConfig, type ConfigFlags } from './resolve.ts';
import { nodeConfigDeps, type ConfigDeps } from './ports.ts';
import type { Config } from './schema.ts';

/** Resolves the Config for this process (see resolve.ts for the layers). */
export function loadConfig(flags: ConfigFlags = {}, deps: ConfigDeps = nodeConfigDeps): Promise<Config> {
  return resolveConfig(flags, { env: process.env, cwd: process.cwd(), platform: process.platform, homedir: homedir() }, deps);
}

/** PATH and PATHEXT for the doctor's executable lookup (kept here: nothing else reads process.env). */
export function processSearchPath(): { path: string | undefined; pathExt: string | undefined; platform: NodeJS.Platform } {
  return { path: process.env.PATH ?? process.env.Path, pathExt: process.env.PATHEXT, platform: process.platform };
}

export { resolveConfig, userConfigDir, type ConfigFlags, type ConfigEnvironment } from './resolve.ts';
export { describeTarget } from './target.ts';
export { configSchema, DEFAULT_PLEX_URL, type Config, type SandboxProfile } from './schema.ts';
export { toLocal, toServer, parsePathMapping, type PathMapping } from './pathmap.ts';
export type { ConfigDeps, DoctorFs } from './ports.ts';
