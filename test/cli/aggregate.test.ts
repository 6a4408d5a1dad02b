/** `plexmend aggregate` end to end: real files in a temp folder (with a space in its path), exit codes, outputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runAggregate } from '../../src/cli/aggregate.ts';
import { logReportSchema } from '../../src/logs/schema.ts';
import { InputError, UsageError } from '../../src/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIX = join(ROOT, 'test/fixtures/real-logs');

async function tempTree(): Promise<{ dir: string; logs: string; ws: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend Application Support '));
  const logs = join(dir, 'PMS Plugin Logs');
  await mkdir(logs);
  const raw = await readFile(join(FIX, '01_pgma_fagalicious_http403_windows_2024-07-12.log'), 'utf8');
  // A real plug-in log has no annotation lines.
  await writeFile(join(logs, 'com.plexapp.agents.Fagalicious.log'), raw.split('\n').filter((l) => /^\d{4}-/.test(l)).join('\n') + '\n');
  return { dir, logs, ws: join(dir, 'plex_improvement') };
}

function cli(args: string[], input?: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

const quiet = () => Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;

test('aggregate --format json prints a schema-valid report (exit 0); missing folder and bad time are exit 2', async () => {
  const t = await tempTree();
  try {
    const ok = await cli(['aggregate', '--logs', t.logs, '--workspace', t.ws, '--format', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    const doc = JSON.parse(ok.stdout);
    assert.ok(logReportSchema.safeParse(doc).success);
    assert.equal(doc.agents.Fagalicious.http.byHost['fagalicious.com']['403'], 1);
    assert.equal(doc.patterns[0].example.source.endsWith('com.plexapp.agents.Fagalicious.log'), true);

    const missing = await cli(['aggregate', '--logs', join(t.dir, 'nope'), '--workspace', t.ws]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^plexmend: /m);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');

    const bad = await cli(['aggregate', '--logs', t.logs, '--workspace', t.ws, '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since "yesterday" is not a time/);

    const piped = await cli(['aggregate', '-', '--workspace', t.ws, '--format', 'text'],
      await readFile(join(FIX, '12_pgma_waybig_markdown_mangled_windows_2021-04-22.log'), 'utf8'));
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /WayBig/);
    assert.match(piped.stdout, /3 read leniently/);
  } finally {
    await rm(t.dir, { recursive: true, force: true });
  }
});

test('default output: iteration_N/aggregated_logs_baseline.txt + .json in the workspace, atomically', async () => {
  const t = await tempTree();
  try {
    const code = await runAggregate({ paths: [], logs: t.logs, workspace: t.ws, iteration: 2 }, { stderr: quiet(), stdout: quiet() });
    assert.equal(code, 0);
    const txt = await readFile(join(t.ws, 'iteration_2', 'aggregated_logs_baseline.txt'), 'utf8');
    assert.match(txt, /HTTP FAILURES/);
    assert.match(txt, /fagalicious\.com\s+403/);
    const json = JSON.parse(await readFile(join(t.ws, 'iteration_2', 'aggregated_logs_baseline.json'), 'utf8'));
    assert.equal(json.schema, 'plexmend.aggregate/1');
    const tpl = JSON.parse(await readFile(join(t.ws, 'templates.json'), 'utf8'));
    assert.equal(tpl.schema, 'plexmend.templates/1');

    const out = join(t.dir, 'report out', 'r.md');
    await runAggregate({ paths: [join(t.logs, 'com.plexapp.agents.Fagalicious.log')], workspace: t.ws, format: 'md', output: out }, { stderr: quiet() });
    assert.match(await readFile(out, 'utf8'), /^# Plug-in log aggregation/);
  } finally {
    await rm(t.dir, { recursive: true, force: true });
  }
});

test('usage errors: two inputs at once; an empty folder is an input error', async () => {
  const t = await tempTree();
  try {
    await assert.rejects(runAggregate({ paths: ['x.log'], logs: t.logs, workspace: t.ws }, { stderr: quiet() }), UsageError);
    const empty = join(t.dir, 'empty');
    await mkdir(empty);
    await assert.rejects(runAggregate({ paths: [], logs: empty, workspace: t.ws }, { stderr: quiet() }), InputError);
  } finally {
    await rm(t.dir, { recursive: true, force: true });
  }
});

test('aggregate and watch find the log folder and the workspace as every command does (PLEXMEND_LOGS_DIR, PLEXMEND_WORKSPACE, plexmend.yaml)', async () => {
  const t = await tempTree();
  const run = (args: string[], env: Record<string, string>, cwd = t.dir): Promise<{ code: number; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [join(ROOT, 'bin/plexmend.js'), ...args],
        { cwd, env: { PATH: process.env.PATH, HOME: t.dir, PLEXMEND_CONFIG_DIR: join(t.dir, 'config dir'), NO_COLOR: '1', ...env } },
        (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }));
    });
  try {
    const ws = join(t.dir, 'env work space');
    const a = await run(['aggregate'], { PLEXMEND_LOGS_DIR: t.logs, PLEXMEND_WORKSPACE: ws });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /aggregating plug-in log folder .*PMS Plugin Logs \(env PLEXMEND_LOGS_DIR\)/);
    const report = logReportSchema.parse(JSON.parse(await readFile(join(ws, 'iteration_1', 'aggregated_logs_baseline.json'), 'utf8')));
    assert.ok(report.counts.lines > 0);

    // plexmend.yaml in the working folder: its logsDir and workspace (relative paths: from the file).
    await writeFile(join(t.dir, 'plexmend.yaml'), 'logsDir: "PMS Plugin Logs"\nworkspace: yaml work space\n');
    const y = await run(['watch', '--once'], {});
    assert.equal(y.code, 0, y.stderr);
    assert.match(y.stderr, new RegExp(`${t.logs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} → .*yaml work space`));
    const b = await run(['aggregate', '--archive', '--format', 'json', '--output', join(t.dir, 'from archive.json')], {});
    assert.equal(b.code, 0, b.stderr);
    assert.equal(logReportSchema.parse(JSON.parse(await readFile(join(t.dir, 'from archive.json'), 'utf8'))).counts.lines, report.counts.lines);

    // --logs-dir, the later phases' spelling, is taken by watch as by aggregate.
    const w2 = await run(['watch', '--once', '--logs-dir', t.logs, '--workspace', join(t.dir, 'second')], {});
    assert.equal(w2.code, 0, w2.stderr);
    assert.match(w2.stderr, /second.log_archive \(once\)/);

    // Nothing configured and nothing to discover: the one-line error names what was tried and the ways out.
    await rm(join(t.dir, 'plexmend.yaml'));
    const none = await run(['aggregate'], { PLEXMEND_WORKSPACE: ws });
    if (!/\(discovered/.test(none.stderr)) { // (a machine with Plex installed has a folder to discover)
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /no plug-in log folder found/);
      assert.match(none.stderr, /→ pass --logs-dir DIR .*logsDir or dataDir in plexmend\.yaml/);
    }
  } finally {
    await rm(t.dir, { recursive: true, force: true });
  }
});

test('the configured token is redacted wherever it appears, and the header forms without knowing it', async (t) => {
  const { dir, logs, ws } = await tempTree();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lines = [
    `2026-02-01 10:00:04,000 (1cc8) :  ERROR (logkit:22) - GEVI - UTILS ::    Error: Getting Plex Library Sections: HTTP Error 401 headers {'Accept': 'application/json', 'X-Plex-Token': 'PyDictTok3nValue1'}`,
    `2026-02-01 10:00:05,000 (1cc8) :  ERROR (networking:197) - Error opening URL 'http://127.0.0.1:32400/photo/:/transcode?url=http%3A%2F%2F127.0.0.1%3A32400%2Fthumb%3FX-Plex-Token%3DEncTok3nValue33'`,
    `2026-02-01 10:00:06,000 (1cc8) :  ERROR (logkit:22) - GEVI - UTILS ::    Error: weird failure with token SECRET-TOKEN-123`,
  ];
  await writeFile(join(logs, 'com.plexapp.agents.GEVI.log'), lines.join('\n') + '\n');
  for (const format of ['json', 'text', 'md']) {
    const r = await cli(['aggregate', '--logs', logs, '--workspace', ws, '--format', format], undefined, { PLEX_TOKEN: 'SECRET-TOKEN-123' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /weird failure/, 'the event is reported');
    for (const secret of ['SECRET-TOKEN', 'PyDictTok3nValue1', 'EncTok3nValue33']) assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `${secret} in ${format}`);
  }
});

test('a workspace that is a file is bad input: one line naming the path, exit 2, no stack trace', async (t) => {
  const { dir, logs } = await tempTree();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'not a folder.txt');
  await writeFile(file, 'x');
  const r = await cli(['aggregate', '--logs', logs, '--workspace', file, '--format', 'json']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot use .*not a folder\.txt.*ENOTDIR/);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
});

test('--agent that matches nothing says so (exit 0: an empty answer is an answer); a matching one does not', async (t) => {
  const { dir, logs, ws } = await tempTree();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const none = await cli(['aggregate', '--logs', logs, '--workspace', ws, '--format', 'json', '--agent', 'NOPE']);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stderr, /warning: --agent NOPE matched no agent/);
  const some = await cli(['aggregate', '--logs', logs, '--workspace', ws, '--format', 'json', '--agent', 'fagalicious']);
  assert.doesNotMatch(some.stderr, /matched no agent/);
  assert.equal(JSON.parse(some.stdout).agents.Fagalicious.http.byHost['fagalicious.com']['403'], 1);
});

test('--incremental: a later run reads only the lines written since the last one (bookmarks in the workspace)', async (t) => {
  const { dir, logs, ws } = await tempTree();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const first = await cli(['aggregate', '--logs', logs, '--workspace', ws, '--format', 'json', '--incremental']);
  assert.equal(first.code, 0, first.stderr);
  const before = JSON.parse(first.stdout);
  assert.ok(before.counts.lines > 3 && before.totals.byClass.http_error === 1);
  const log = join(logs, 'com.plexapp.agents.Fagalicious.log');
  const more = ['2026-02-01 10:00:00,000 (1cc8) :  INFO (sandbox:19) - Fagalicious  - SEARCH:: new line one',
    '2026-02-01 10:00:01,000 (1cc8) :  ERROR (networking:197) - Error opening URL \'https://fagalicious.com/x\''];
  await writeFile(log, (await readFile(log, 'utf8')) + more.join('\n') + '\n');
  const second = await cli(['aggregate', '--logs', logs, '--workspace', ws, '--format', 'json', '--incremental']);
  const after = JSON.parse(second.stdout);
  assert.equal(after.counts.lines, 2, 'only the two new lines');
  assert.equal(after.totals.byClass.http_error, 1, 'the new URL error, not the old one again');
  const third = await cli(['aggregate', '--logs', logs, '--workspace', ws, '--format', 'json', '--incremental']);
  assert.equal(JSON.parse(third.stdout).counts.lines, 0);
  const full = await cli(['aggregate', '--logs', logs, '--workspace', ws, '--format', 'json']);
  assert.equal(JSON.parse(full.stdout).counts.lines, before.counts.lines + 2, 'without the flag everything is read');
  const stdin = await cli(['aggregate', '-', '--workspace', ws, '--incremental'], 'x\n');
  assert.equal(stdin.code, 2);
});
