/**
 * The whole rehearsal by hand, as a user would do it: start the sandbox with the default scenario, refresh
 * every item through the Plex API, wait for the refreshes on the notification websocket, then aggregate the
 * plug-in logs the real agents wrote. Checked against the scenario's ground truth (read from the scenario,
 * so the test follows the data): each item × agent search matches exactly when the truth says it does today,
 * fewer than half the items get any site agent's metadata, and every failure class (and HTTP status) the
 * truth plants shows up in the aggregate report for that agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { startSandbox } from '../../src/sandbox/index.ts';
import { aggregate, memoryTemplateStore } from '../../src/logs/index.ts';
import { readLogLines } from '../../src/logs/read.ts';
import { activityFrame, subscribe } from './pms-helpers.ts';

test('default scenario end to end: refresh everything, outcomes match the ground truth, planted errors appear by class', async () => {
  const sb = await startSandbox({ profilePath: null });
  try {
    assert.deepEqual(sb.warnings, []);
    const items = sb.scenario.items;
    const ws = await subscribe(sb.url, `?X-Plex-Token=${sb.token}`);
    try {
      for (const it of items) {
        const res = await fetch(`${sb.url}/library/metadata/${it.ratingKey}/refresh`, { method: 'PUT', headers: { 'X-Plex-Token': sb.token } });
        assert.equal(res.status, 200);
      }
      await ws.waitFor(() => ws.frames.filter(activityFrame('ended')).length === items.length, 120_000);
    } finally {
      ws.close();
    }

    // Each item × agent: the search succeeded exactly when the truth says it does today.
    const done = new Map(sb.emulator.state.queue.done.map((d) => [d.ratingKey, d]));
    const disagreements: string[] = [];
    let itemsWithSiteData = 0;
    for (const it of items) {
      const steps = done.get(it.ratingKey)?.run?.steps ?? [];
      for (const [agent, truth] of Object.entries(it.truth)) {
        const matched = steps.some((s) => s.agent === `com.plexapp.agents.${agent}` && s.phase === 'search' && s.ok);
        if (matched !== (truth.now === 'match')) disagreements.push(`${it.ratingKey} × ${agent}: truth ${truth.now}, got ${matched ? 'match' : 'fail'}`);
      }
      const md = (await (await fetch(`${sb.url}/library/metadata/${it.ratingKey}`, { headers: { 'X-Plex-Token': sb.token, Accept: 'application/json' } })).json()).MediaContainer.Metadata[0];
      if (md.studio || md.summary) itemsWithSiteData += 1;
    }
    assert.deepEqual(disagreements, []);
    assert.ok(itemsWithSiteData < items.length / 2, `${itemsWithSiteData} of ${items.length} items have site metadata at the start`);

    // The plug-in logs, aggregated as for a real server, show every planted failure class per agent.
    const report = await aggregate({ kind: 'folder', dir: sb.logsDir }, { read: readLogLines, templates: memoryTemplateStore() });
    const missing: string[] = [];
    for (const it of items) {
      for (const [agent, truth] of Object.entries(it.truth)) {
        if (truth.now !== 'fail' || !truth.class) continue;
        const a = report.agents[agent];
        if (!a || !(a.byClass[truth.class]! > 0)) missing.push(`${agent}: ${truth.class}`);
        if (truth.status !== undefined && !(a?.http.byStatus[String(truth.status)]! > 0)) missing.push(`${agent}: HTTP ${truth.status}`);
      }
    }
    assert.deepEqual([...new Set(missing)], []);
  } finally {
    await sb.close();
    await rm(sb.dir, { recursive: true, force: true });
  }
});
