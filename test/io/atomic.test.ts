import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../src/io/atomic.ts';

const ATOMIC = fileURLToPath(new URL('../../src/io/atomic.ts', import.meta.url));

test('pieces and strings are written whole, replacing the old file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend atomic '));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const target = join(dir, 'Application Support', 'report.json');
  await writeFileAtomic(target, 'old');
  const pieces = Array.from({ length: 3000 }, (_, i) => `piece ${i} é\n`);
  await writeFileAtomic(target, pieces);
  assert.equal(await readFile(target, 'utf8'), pieces.join(''));
  assert.deepEqual(await readdir(join(dir, 'Application Support')), ['report.json']);
});

test('a write cut short by a file-size limit fails, keeps the old file and leaves no temporary file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend atomic '));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const target = join(dir, 'report.json');
  await writeFile(target, 'old content');
  // A child limited to 20 KiB files (`ulimit -f`, what a nearly full disk also does) writes 400 KB.
  const script = `import(${JSON.stringify(ATOMIC)}).then((m) => m.writeFileAtomic(${JSON.stringify(target)}, 'x'.repeat(400000)))` +
    `.then(() => process.exit(0), (e) => { console.error(e.code); process.exit(3); });`;
  const r = await new Promise<{ code: number | null; stderr: string }>((res) => {
    const child = execFile('bash', ['-c', 'ulimit -f 20; exec "$0" "$@"', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
      (err, _out, stderr) => res({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr }));
    child.stdin?.end();
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /EFBIG|ENOSPC/);
  assert.equal(await readFile(target, 'utf8'), 'old content');
  assert.deepEqual(await readdir(dir), ['report.json']);
});
