/**
 * config/'s entry: `loadConfig(flags)` is the ONE place that reads this process's environment, working
 * folder, platform and home folder; everything else receives the resulting Config value.
 */
import { homedir } from 'node:os';
import { resolveConfig, type ConfigFlags } from './resolve.ts';
import { nodeConfigDeps, type ConfigDeps } from './ports.ts';
import type { Config } from './schema.ts';
import { runDoctor, type DoctorReport } from './doctor.ts';
import { nodeDoctorFs } from './ports.ts';
import { connectPlex } from '../plex/connect.ts';

/** Resolves the Config for this process (see resolve.ts for the layers). */
export function loadConfig(flags: ConfigFlags = {}, deps: ConfigDeps = nodeConfigDeps): Promise<Config> {
  return resolveConfig(flags, { env: process.env, cwd: process.cwd(), platform: process.platform, homedir: homedir() }, deps);
}

/** PATH and PATHEXT for the doctor's executable lookup (kept here: nothing else reads process.env). */
export function processSearchPath(): { path: string | undefined; pathExt: string | undefined; platform: NodeJS.Platform } {
  return { path: process.env.PATH ?? process.env.Path, pathExt: process.env.PATHEXT, platform: process.platform };
}

/** `plexmend doctor`'s entry: every check against the real machine and the Config's target. */
export async function doctor(config: Config): Promise<DoctorReport> {
  const sp = processSearchPath();
  return runDoctor(config, {
    fs: nodeDoctorFs(sp.path, sp.platform, sp.pathExt),
    readText: nodeConfigDeps.readText,
    isDirectory: nodeConfigDeps.isDirectory,
    run: nodeConfigDeps.run,
    plex: await connectPlex({ ...config, retries: 0 }),
  });
}

export { runDoctor, renderDoctor, doctorDoc, type DoctorReport, type Check } from './doctor.ts';
export { withTargetOptions, targetFlags, type TargetOptionValues } from './flags.ts';
export { resolveConfig, userConfigDir, type ConfigFlags, type ConfigEnvironment } from './resolve.ts';
export { describeTarget } from './target.ts';
export { configSchema, DEFAULT_PLEX_URL, type Config, type SandboxProfile } from './schema.ts';
export { toLocal, toServer, parsePathMapping, type PathMapping } from './pathmap.ts';
export type { ConfigDeps, DoctorFs } from './ports.ts';
