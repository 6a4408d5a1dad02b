/**
 * `plexmend diagnose --llm` as a user runs it: the real CLI process, a temp workspace (a space in its
 * path), the fixture Plug-ins folder, the key only in the environment, a fake OpenAI-compatible server on
 * 127.0.0.1. Asserts the written report, the summary line, usage errors (exit 2) and that a refused key is
 * reported with its hint while the diagnosis still completes (exit 0) — with the key nowhere in the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnosticReportSchema } from '../../src/diagnose/schema.ts';
import { PLUGINS } from '../fixtures/diagnose/harness.ts';
import { films, reportOf } from '../fixtures/diagnose/report.ts';
import { startFakeLlm } from './llm-fake-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY = 'sk-cli-KEY-5d1e0a77b9';

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PLEX|OPENAI)/.test(k)));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...clean, NO_COLOR: '1', ...env }, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const ANSWER = JSON.stringify({
  recipe: 'xpath_repair',
  title: 'Match result blocks by a contained class',
  rationale: 'The result blocks carry several classes now.',
  edits: [{ file: 'Kestrel.bundle/Contents/Code/__init__.py', old: 'filmsList = html.xpath(XPATH_RESULTS)', new: 'filmsList = html.xpath(\'//div[contains(@class, "result")]\')' }],
});

test('diagnose --llm: the CLI writes the adviser\'s accepted proposal and says so; usage errors exit 2; a refused key is reported, not fatal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  const fake = await startFakeLlm((req) => (req.headers.authorization === `Bearer ${KEY}` ? { content: ANSWER, model: 'fake-coder:7b' } : { status: 401, body: '{"error":{"message":"bad key"}}' }));
  try {
    const report = join(dir, 'aggregate report.json');
    await writeFile(
      report,
      JSON.stringify(
        reportOf([
          { class: 'no_results', agent: 'Kestrel', host: 'www.kestrel-films.example', count: 5, message: 'SEARCH:: Error: Search Query did not pull any results: < No Films! >', items: films('Kestrel', ['Night Shift', 'Blue Hour']) },
        ]),
      ),
    );
    const ws = join(dir, 'plex_improvement');
    const base = ['diagnose', '--report', report, '--plugins-dir', PLUGINS, '--workspace', ws, '--no-probe', '--py27-checker', 'parser'];
    const env = { PLEXMEND_CONFIG_DIR: join(dir, 'config'), PLEXMEND_LLM_KEY: KEY };

    const ok = await cli([...base, '--llm', fake.base, '--llm-model', 'fake-coder'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /LLM adviser fake-coder at http:\/\/127\.0\.0\.1:\d+\/v1: 1 groups asked; 1 proposals accepted, 0 discarded/);
    const doc = diagnosticReportSchema.parse(JSON.parse(await readFile(join(ws, 'iteration_1', 'diagnostic_report.json'), 'utf8')));
    const p = doc.groups[0]!.proposals.find((x) => x.source === 'llm');
    assert.equal(p?.offered, true);
    assert.equal(p?.model, 'fake-coder:7b');
    assert.equal(doc.adviser?.consulted[0]?.outcome, 'accepted');
    const md = await readFile(join(ws, 'iteration_1', 'diagnostic_report.md'), 'utf8');
    assert.match(md, /## LLM adviser/);
    assert.match(md, /Proposed by the LLM adviser \(model `fake-coder:7b`\)/);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0]!.headers.authorization, `Bearer ${KEY}`);

    const noModel = await cli([...base, '--llm', fake.base], env);
    assert.equal(noModel.code, 2);
    assert.match(noModel.stderr, /--llm needs a model name/);
    const unsetKey = await cli([...base, '--llm', fake.base, '--llm-model', 'm', '--llm-key-env', 'PLEXMEND_TEST_UNSET_KEY'], env);
    assert.equal(unsetKey.code, 2);
    assert.match(unsetKey.stderr, /PLEXMEND_TEST_UNSET_KEY \(named for the LLM key\) is not set/);
    assert.equal(fake.requests.length, 1, 'usage errors send nothing');

    const refused = await cli([...base, '--llm', fake.base, '--llm-model', 'fake-coder', '--llm-key-env', 'OTHER_KEY'], { ...env, OTHER_KEY: 'sk-wrong-0000000000' });
    assert.equal(refused.code, 0, refused.stderr);
    assert.match(refused.stderr, /the LLM adviser failed: the LLM endpoint refused the API key \(HTTP 401\)\n {2}hint: set PLEXMEND_LLM_KEY/);
    assert.ok(!`${refused.stderr}${refused.stdout}`.includes('sk-wrong-0000000000'));
    const after = await readFile(join(ws, 'iteration_1', 'diagnostic_report.json'), 'utf8');
    assert.ok(!after.includes(KEY) && !after.includes('sk-wrong-0000000000'));
    assert.match(after, /"message": "the LLM endpoint refused the API key \(HTTP 401\)"/);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});
