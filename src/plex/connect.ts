/**
 * A PlexClient for the Config's target (sandbox or real server), with the persisted client identifier and the
 * configured timeout. The only bridge from config/ to plex/.
 */
import type { Config } from '../config/schema.ts';
import { loadClientIdentifier } from './client-id.ts';
import { PlexClient } from './index.ts';
import type { Transport } from './transport.ts';

/** Builds the client; `transport` is for tests that need to intercept HTTP. */
export async function connectPlex(config: Config, o: { transport?: Transport } = {}): Promise<PlexClient> {
  const clientIdentifier = await loadClientIdentifier(config.userConfigDir);
  return new PlexClient({
    url: config.target.url,
    token: config.target.token,
    clientIdentifier,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    transport: o.transport,
  });
}
