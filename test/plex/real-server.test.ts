/**
 * Opt-in: the client against a real Plex Media Server, when PLEX_URL and PLEX_TOKEN are set (skipped
 * otherwise). Read-only calls, then ONE metadata refresh of one item (PLEXMEND_TEST_RATINGKEY, else the first
 * item of the first movie section), recording what it triggered: how the wait ended, and — when the plug-in
 * log folder is known (discovered, or PLEXMEND_LOGS_DIR) — which agents' logs grew and whether they logged a
 * search or an update.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, describeTarget } from '../../src/config/index.ts';
import { connectPlex } from '../../src/plex/connect.ts';

const enabled = Boolean(process.env.PLEX_URL && process.env.PLEX_TOKEN);

async function logSizes(dir: string | undefined): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!dir) return out;
  try {
    for (const n of await readdir(dir)) if (n.endsWith('.log')) out.set(n, (await stat(join(dir, n))).size);
  } catch {
    /* not readable from here */
  }
  return out;
}

async function tail(path: string, from: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.max(0, Math.min(size - from, 1 << 20)));
    await fh.read(buf, 0, buf.length, from);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

test('real Plex server (opt-in)', { timeout: 300_000 }, async (t) => {
  if (!enabled) {
    t.skip('PLEX_URL/PLEX_TOKEN not set: real-server test skipped');
    return;
  }
  const config = await loadConfig({});
  t.diagnostic(describeTarget(config));
  assert.equal(config.target.kind, 'server');
  const plex = await connectPlex(config);
  const id = await plex.identity();
  t.diagnostic(`Plex Media Server ${id.version}`);
  const sections = await plex.sections();
  assert.ok(sections.length > 0, 'the server has library sections');
  const agents = await plex.agents();
  assert.ok(agents.length > 0, '/system/agents lists agents');
  t.diagnostic(`agents: ${agents.map((a) => a.identifier).join(', ')}`);
  const plugins = await plex.plugins().catch((e: Error) => (t.diagnostic(`/:/plugins: ${e.message}`), []));
  t.diagnostic(`plug-ins: ${plugins.length}`);
  await plex.activities();
  t.diagnostic(`sessions: ${await plex.sessions()}`);
  const movies = sections.find((s) => s.type === 'movie') ?? sections[0]!;
  const items = await plex.sectionItems(movies.key, { pageSize: 50 });
  assert.ok(items.length > 0, `section ${movies.title} has items`);
  const ratingKey = process.env.PLEXMEND_TEST_RATINGKEY ?? items[0]!.ratingKey;

  const before = await logSizes(config.paths.logsDir);
  const out = await plex.refreshAndWait(ratingKey, { snapshot: true, timeoutMs: 180_000 });
  t.diagnostic(`refresh of ${ratingKey} "${out.before?.title}": ${out.result} (decided by ${out.decidedBy}) in ${out.durationMs} ms, ${out.frames} frames, stream at trigger: ${out.streamAtTrigger}`);
  assert.ok(['ended', 'file_missing', 'timed_out'].includes(out.result));
  const after = await logSizes(config.paths.logsDir);
  for (const [name, size] of after) {
    const was = before.get(name) ?? 0;
    if (size === was) continue;
    const text = size > was ? await tail(join(config.paths.logsDir!, name), was) : '(rotated)';
    const kind = [/\bsearch\b/i.test(text) ? 'search' : '', /\bupdate\b/i.test(text) ? 'update' : ''].filter(Boolean).join('+') || 'other';
    t.diagnostic(`agent log grew: ${name} (+${size - was} bytes, ${kind})`);
  }
  if (!config.paths.logsDir) t.diagnostic('plug-in log folder unknown here: set PLEXMEND_LOGS_DIR to record which agents ran');
});
