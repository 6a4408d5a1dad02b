/**
 * `loadConfig(flags)`: the ONE place that reads this process's environment, working folder, platform and home
 * folder; everything else receives the resulting Config value. Its own module (config/index.ts re-exports it)
 * so that commands needing only paths — aggregate, watch, postmortem — do not load the Plex client and the
 * doctor with it (~0.2 s of module loading).
 */
import { homedir } from 'node:os';
import { resolveConfig, type ConfigFlags } from './resolve.ts';
import { nodeConfigDeps, type ConfigDeps } from './ports.ts';
import type { Config } from './schema.ts';

/** Resolves the Config for this process (see resolve.ts for the layers). */
export function loadConfig(flags: ConfigFlags = {}, deps: ConfigDeps = nodeConfigDeps): Promise<Config> {
  return resolveConfig(flags, { env: process.env, cwd: process.cwd(), platform: process.platform, homedir: homedir() }, deps);
}
