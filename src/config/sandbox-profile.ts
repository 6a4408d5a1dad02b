/**
 * Reading the profile a running `plexmend sandbox` writes (`plexmend.sandbox/1`: url, token, folders,
 * scenario, seed, pid; schema and writer in src/sandbox/profile.ts). A profile whose process is gone (pid
 * null after a clean stop, or a pid that no longer exists after a crash) is stale: never used, and noted.
 */
import { SchemaMismatchError } from '../errors.ts';
import { sandboxProfileSchema, type SandboxProfile } from './schema.ts';
import type { ConfigDeps } from './ports.ts';

export { SANDBOX_PROFILE_FILE } from '../sandbox/profile.ts';
export const SANDBOX_PROFILE_ID = 'plexmend.sandbox/1';

export type ProfileState =
  | { state: 'live'; profile: SandboxProfile }
  | { state: 'absent' }
  | { state: 'stale'; profile: SandboxProfile; pid: number | null }
  | { state: 'invalid'; reason: string };

/** Reads and checks the profile at `path`; never throws for a missing or stale file. */
export async function readSandboxProfile(path: string, deps: ConfigDeps): Promise<ProfileState> {
  let text: string;
  try {
    text = await deps.readText(path);
  } catch {
    return { state: 'absent' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'invalid', reason: `${path} is not JSON` };
  }
  const found = value && typeof value === 'object' && 'schema' in value ? String((value as { schema: unknown }).schema) : '(none)';
  if (found !== SANDBOX_PROFILE_ID) return { state: 'invalid', reason: new SchemaMismatchError(path, found, SANDBOX_PROFILE_ID).message };
  const parsed = sandboxProfileSchema.safeParse(value);
  if (!parsed.success) return { state: 'invalid', reason: `${path} is not a valid ${SANDBOX_PROFILE_ID} document` };
  const profile = parsed.data;
  return profile.pid !== null && deps.pidAlive(profile.pid) ? { state: 'live', profile } : { state: 'stale', profile, pid: profile.pid };
}
