import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';

test('listLogFiles: explicit files are grouped into rotation sets, oldest first; a file named twice is read once', async () => {
  const { listLogFiles } = await import('../../src/logs/discover.ts');
  const sets = listLogFiles(['/x/a.log', '/x/a.log.2', '/y/excerpt.txt', '/x/a.log', '/x/./a.log.1']);
  assert.deepEqual(
    sets.map((s) => [s.key, s.bundleId, s.files.map((f) => f.name)]),
    [
      ['/x/a', undefined, ['a.log.2', 'a.log.1', 'a.log']],
      ['/y/excerpt.txt', undefined, ['excerpt.txt']],
    ],
  );
  assert.equal(listLogFiles(['/l/com.plexapp.agents.GEVI.log.3'])[0].bundleId, 'com.plexapp.agents.GEVI');
});
