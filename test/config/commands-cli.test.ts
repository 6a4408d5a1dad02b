/**
 * `plexmend doctor` and `plexmend survey` as a user runs them (a child process through bin/plexmend.js), against
 * the fixture-replaying fake Plex: flags → Config → output, target line, exit codes, no token in the output.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakePlex, type FakePlex } from '../plex/fake-server.ts';

const BIN = fileURLToPath(new URL('../../bin/plexmend.js', import.meta.url));
let s: FakePlex;
let root: string;

before(async () => {
  s = await startFakePlex();
  root = await mkdtemp(join(tmpdir(), 'plexmend cli '));
  await mkdir(join(root, 'Plug-ins'));
  await mkdir(join(root, 'PMS Plugin Logs'));
});
after(async () => {
  await s?.close();
  await rm(root, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: root,
      env: { PATH: '/nonexistent', HOME: root, PLEXMEND_CONFIG_DIR: join(root, 'config dir'), NO_COLOR: '1' },
      timeout: 60_000,
    }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('doctor --json: a plexmend.doctor/1 document on stdout, the target line on stderr, exit 1 when bundles do not belong', async () => {
  const r = await run(['doctor', '--json', '--url', s.url, '--token', s.token, '--plugins-dir', join(root, 'Plug-ins'), '--logs', join(root, 'PMS Plugin Logs')]);
  const doc = JSON.parse(r.stdout) as { schema: string; usable: boolean; checks: Array<{ id: string; status: string }> };
  assert.equal(doc.schema, 'plexmend.doctor/1');
  const status = Object.fromEntries(doc.checks.map((c) => [c.id, c.status]));
  assert.equal(status.server_reachable, 'ok');
  assert.equal(status.token_valid, 'ok');
  assert.equal(status.plugin_logs, 'ok');
  assert.equal(status.bundles, 'warn', 'an empty Plug-ins folder');
  assert.equal(status.python, 'warn', 'no interpreter on this PATH');
  assert.match(r.stderr, /^target: Plex server at http:\/\/127\.0\.0\.1:\d+ \(address from flag --url, token from flag --token\)/);
  assert.equal(r.code, doc.usable ? 0 : 1);
  assert.ok(!r.stdout.includes(s.token) && !r.stderr.includes(s.token));
});

test('doctor with a wrong token: text output, the fix, exit 1, the wrong token nowhere', async () => {
  const r = await run(['doctor', '--url', s.url, '--token', 'wrong-token-31337', '--plugins-dir', join(root, 'Plug-ins'), '--logs', join(root, 'PMS Plugin Logs')]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /missing token valid: Plex rejected the token \(401\)/);
  assert.match(r.stdout, /PlexOnlineToken/);
  assert.ok(!`${r.stdout}${r.stderr}`.includes('wrong-token-31337'));
});

test('survey: text per section and agent, --out writes the versioned document; unreachable server → one-line error and hint', async () => {
  const out = join(root, 'survey out.json');
  const r = await run(['survey', '--url', s.url, '--token', s.token, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /section 1 "Movies" \(movie, primary agent com\.plexapp\.agents\.imdb\): 4 items/);
  assert.match(r.stderr, /^target: Plex server at /);
  const doc = JSON.parse(await readFile(out, 'utf8')) as { schema: string; totals: { items: number } };
  assert.equal(doc.schema, 'plexmend.survey/1');
  assert.equal(doc.totals.items, 4);
  const gone = await startFakePlex();
  const url = gone.url;
  await gone.close();
  const down = await run(['survey', '--url', url, '--token', s.token]);
  assert.equal(down.code, 1);
  assert.ok(down.stderr.includes(`plexmend: cannot reach Plex at ${url} (ECONNREFUSED)\n  → is Plex running at ${url}?`), down.stderr);
  const blocked = await run(['survey', '--url', 'http://127.0.0.1:9', '--token', s.token]);
  assert.match(blocked.stderr, /plexmend: cannot reach Plex at http:\/\/127\.0\.0\.1:9 \(bad port\)/);
  assert.ok(!down.stderr.includes('    at '), 'no stack trace');
});
