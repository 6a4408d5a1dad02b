import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScopeError } from '../../src/implement/errors.ts';
import { nodeFs } from '../../src/implement/files.ts';
import { layoutFor, normaliseRelative, resolveCacheRoots, resolvePlanPath } from '../../src/implement/scope.ts';

test('normaliseRelative: backslashes and inner .. resolve; absolute and escaping paths are refused (table)', () => {
  const ok: Array<[string, string]> = [
    ['GEVI.bundle/Contents/Code/utils.py', 'GEVI.bundle/Contents/Code/utils.py'],
    ['GEVI.bundle\\Contents\\Code\\utils.py', 'GEVI.bundle/Contents/Code/utils.py'],
    ['./GEVI.bundle/Contents/../Contents/Info.plist', 'GEVI.bundle/Contents/Info.plist'],
  ];
  for (const [input, want] of ok) assert.equal(normaliseRelative(input).join('/'), want, input);
  const bad: Array<[string, RegExp]> = [
    ['../Preferences.xml', /escapes the Plug-ins folder/],
    ['GEVI.bundle/../../etc/passwd', /escapes/],
    ['/etc/passwd', /absolute/],
    ['C:\\Windows\\win.ini', /absolute/],
    ['c:/x.py', /absolute/],
    ['\\\\server\\share\\x.py', /absolute/],
    ['', /empty/],
    ['a\0b', /NUL/],
  ];
  for (const [input, re] of bad) assert.throws(() => normaliseRelative(input), (e: unknown) => e instanceof ScopeError && re.test((e as Error).message) && (e as Error).message.includes(JSON.stringify(input)), input);
});

test('resolvePlanPath allows bundles and _PGMA only, and refuses symlinks that lead out', async () => {
  const root = await mkdtemp(join(tmpdir(), 'plexmend scope '));
  try {
    const plugins = join(root, 'Application Support', 'Plex Media Server', 'Plug-ins');
    await mkdir(join(plugins, 'GEVI.bundle', 'Contents', 'Code'), { recursive: true });
    await mkdir(join(plugins, '_PGMA'), { recursive: true });
    await mkdir(join(root, 'outside'), { recursive: true });
    await writeFile(join(root, 'outside', 'evil.py'), 'x');
    await symlink(join(root, 'outside'), join(plugins, 'GEVI.bundle', 'Contents', 'Linked'));
    await symlink(join(root, 'outside', 'evil.py'), join(plugins, 'GEVI.bundle', 'Contents', 'Code', 'link.py'));
    // A whole bundle linked in from a checkout is allowed (its files stay inside its real folder).
    await mkdir(join(root, 'checkout', 'IAFD.bundle', 'Contents'), { recursive: true });
    await symlink(join(root, 'checkout', 'IAFD.bundle'), join(plugins, 'IAFD.bundle'));
    const layout = layoutFor(plugins);
    const r = await resolvePlanPath(layout, 'GEVI.bundle/Contents/Code/new_file.py', nodeFs);
    assert.equal(r.area, 'bundle');
    assert.equal(r.bundleDir, 'GEVI.bundle');
    assert.equal((await resolvePlanPath(layout, '_PGMA/Thumbor.txt', nodeFs)).area, 'pgma');
    assert.equal((await resolvePlanPath(layout, 'IAFD.bundle/Contents/Info.plist', nodeFs)).area, 'bundle');
    await assert.rejects(resolvePlanPath(layout, 'GEVI.bundle/Contents/Linked/evil.py', nodeFs), /outside .*\(symlink\)/);
    await assert.rejects(resolvePlanPath(layout, 'GEVI.bundle/Contents/Code/link.py', nodeFs), /symlink/);
    await assert.rejects(resolvePlanPath(layout, 'Other/x.py', nodeFs), /neither a \*\.bundle folder nor _PGMA/);
    await assert.rejects(resolvePlanPath(layout, 'GEVI.bundle', nodeFs), /only files inside a bundle/);
    await assert.rejects(resolvePlanPath(layout, `${plugins}/GEVI.bundle/x.py`, nodeFs), ScopeError);
    // Cache roots: Plug-in Support/Caches/<id> and Data/<id>; bundle ids with path characters are refused.
    const c = await resolveCacheRoots(layout, 'com.plexapp.agents.GEVI', nodeFs);
    assert.equal(c.caches, join(root, 'Application Support', 'Plex Media Server', 'Plug-in Support', 'Caches', 'com.plexapp.agents.GEVI'));
    await assert.rejects(resolveCacheRoots(layout, '../Preferences', nodeFs), ScopeError);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
