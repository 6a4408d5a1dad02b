/**
 * config/'s entry: `loadConfig(flags)` (load.ts) is the ONE place that reads this process's environment,
 * working folder, platform and home folder; everything else receives the resulting Config value.
 */
import { nodeConfigDeps } from './ports.ts';
import type { Config } from './schema.ts';
import { runDoctor, type DoctorReport } from './doctor.ts';
import { nodeDoctorFs } from './ports.ts';
import { connectPlex } from '../plex/connect.ts';
import { nodeProcessRunner } from '../diagnose/python/process.ts';

export { loadConfig } from './load.ts';

/** `plexmend doctor`'s entry: every check against the real machine and the Config's target. */
export async function doctor(config: Config): Promise<DoctorReport> {
  return runDoctor(config, {
    fs: nodeDoctorFs,
    readText: nodeConfigDeps.readText,
    isDirectory: nodeConfigDeps.isDirectory,
    runner: nodeProcessRunner,
    plex: await connectPlex({ ...config, retries: 0 }),
  });
}

export { runDoctor, renderDoctor, doctorDoc, type DoctorReport, type Check } from './doctor.ts';
export { resolveConfig, userConfigDir, type ConfigFlags, type ConfigEnvironment } from './resolve.ts';
export { describeTarget } from './target.ts';
export { requireFolder } from './folders.ts';
export { configSchema, DEFAULT_PLEX_URL, type Config, type SandboxProfile } from './schema.ts';
export { toLocal, toServer, parsePathMapping, type PathMapping } from './pathmap.ts';
export type { ConfigDeps, DoctorFs } from './ports.ts';
