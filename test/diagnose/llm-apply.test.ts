/**
 * An adviser's accepted proposal goes through the implement phase like a recipe's: diagnosed over a real
 * Plug-ins folder on disk (implement's test world: three bundles sharing utils.py, a fake Plex restarting a
 * plug-in when its Info.plist is touched), planned, applied with backups to every copy of the shared file,
 * the plug-ins restarted and validated — and rolled back byte-identically; also for an edit that deletes a line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diagnose } from '../../src/diagnose/index.ts';
import { inspectPlugins, fsBundleReader } from '../../src/diagnose/inspect/index.ts';
import { checkPython27, parserPy27Checker } from '../../src/diagnose/python/py27.ts';
import { chatAdviser } from '../../src/diagnose/llm/adviser.ts';
import { nodeChatDeps } from '../../src/diagnose/llm/client.ts';
import { applyFix, rollbackFix, planFromProposals } from '../../src/implement/index.ts';
import { noHttp } from '../fixtures/diagnose/harness.ts';
import { films, reportOf } from '../fixtures/diagnose/report.ts';
import { makeWorld, UTILS } from '../implement/world.ts';
import { startFakeLlm } from './llm-fake-server.ts';

const ANSWER = JSON.stringify({
  recipe: 'request_headers',
  title: 'Send Accept-Language with every request of getHTTPRequest',
  rationale: 'The site refuses requests without the headers a browser sends.',
  edits: [{ file: 'GEVI.bundle/Contents/Code/utils.py', old: "headers = {'User-Agent': getUserAgent()}", new: "headers = {'User-Agent': getUserAgent(), 'Accept-Language': 'en-US,en;q=0.9'}" }],
});

/** Diagnoses the GEVI 403 group in a fresh world with the adviser giving `answer`, applies its proposal, checks, rolls back. */
async function applyAndRollBack(answer: string, check: (utils: string) => void): Promise<void> {
  const w = await makeWorld();
  const fake = await startFakeLlm([{ content: answer, model: 'fake-coder:7b' }]);
  try {
    const before = await w.state();
    const inspection = await inspectPlugins(w.plugins, { reader: fsBundleReader });
    const report = reportOf([
      { class: 'http_error', agent: 'GEVI', host: 'www.gevi.example', status: 403, count: 8, message: 'HTTP Error 403: Forbidden', url: 'https://www.gevi.example/search?q=night', location: { file: 'utils.py', line: 4 }, items: films('GEVI', ['Night Shift', 'Blue Hour', 'Dry Season']) },
    ]);
    const adviser = chatAdviser({ url: fake.base, model: 'fake-coder', policy: 'all', timeoutMs: 5000, maxGroups: 10 }, [], { fetch: nodeChatDeps.fetch, sleep: async () => {} });
    const d = await diagnose(
      report,
      {
        inspection,
        readText: (rel) => readFile(join(w.plugins, ...rel.split('/')), 'utf8'),
        http: noHttp,
        py27: (files) => checkPython27(files, { checker: parserPy27Checker(), tried: [] }),
        bundleLibraries: async () => new Set(),
        now: () => new Date('2026-11-24T06:30:00Z'),
        adviser,
      },
      { iteration: 1, reportPath: join(w.root, 'aggregate.json'), pluginsDir: w.plugins, ledger: { schema: 'plexmend.lessons/1', lessons: [] }, probe: false, minItems: 2 },
    );
    const proposals = d.groups.flatMap((g) => g.proposals);
    const p = proposals.find((x) => x.source === 'llm') ?? assert.fail(`no llm proposal: ${JSON.stringify(d.adviser)}`);
    assert.equal(p.offered, true, JSON.stringify(p.checklist.filter((c) => !c.pass)));
    assert.deepEqual(p.changes.map((c) => c.path).sort(), ['AEBN.bundle/Contents/Code/utils.py', 'GEVI.bundle/Contents/Code/utils.py', 'IAFD.bundle/Contents/Code/utils.py']);
    assert.deepEqual(p.bundleIds, ['com.plexapp.agents.AEBN', 'com.plexapp.agents.GEVI', 'com.plexapp.agents.IAFD']);

    const plan = planFromProposals(proposals, p.id, 1) ?? assert.fail('no plan');
    const r = await applyFix(plan, w.ctx, { yes: true });
    assert.equal(r.status, 'applied', r.reasons.join('; '));
    for (const b of ['GEVI', 'IAFD', 'AEBN']) check(await readFile(join(w.plugins, `${b}.bundle/Contents/Code/utils.py`), 'utf8'));
    assert.ok(r.record!.restarts.some((a) => a.outcome === 'ok'));
    await rollbackFix(p.id, w.ctx);
    assert.deepEqual(await w.state(), before, 'byte-identical after rollback');
  } finally {
    await fake.close();
    await w.cleanup();
  }
}

test('llm: the adviser\'s proposal is applied to every copy by the implement phase and rolled back byte-identically', async () => {
  await applyAndRollBack(ANSWER, (utils) => assert.match(utils, /'Accept-Language': 'en-US,en;q=0\.9'\}/));
});

test('llm: an adviser edit that replaces two lines by one leaves one line in every copy, and rolls back byte-identically', async () => {
  const answer = JSON.stringify({
    recipe: 'request_headers',
    title: 'Send Accept-Language from getHTTPRequest',
    rationale: 'The site refuses requests without the headers a browser sends.',
    edits: [{ file: 'GEVI.bundle/Contents/Code/utils.py', old: "    headers = {'User-Agent': getUserAgent()}\n    return HTTP.Request(url, headers=headers, timeout=timeout)", new: "    return HTTP.Request(url, headers={'User-Agent': getUserAgent(), 'Accept-Language': 'en-US'}, timeout=timeout)" }],
  });
  await applyAndRollBack(answer, (utils) => {
    const lines = utils.split('\n');
    const at = lines.indexOf('def getHTTPRequest(url, timeout=20):');
    assert.deepEqual(lines.slice(at, at + 3), ['def getHTTPRequest(url, timeout=20):', "    return HTTP.Request(url, headers={'User-Agent': getUserAgent(), 'Accept-Language': 'en-US'}, timeout=timeout)", '']);
    assert.equal(lines.length, UTILS.split('\n').length - 1);
  });
});
