/**
 * A small Plex world for implement/ tests, in a temp dir whose path has spaces: a Plug-ins folder with
 * bundles in the real layout (Info.plist, Contents/Code/__init__.py, a shared utils.py), `_PGMA/`, a plug-in
 * log folder, and a fake Plex that restarts a plug-in when its Info.plist mtime changes or when asked over
 * "HTTP" — writing a real start sequence (banner + resource-hashes noise, test/fixtures/implement) to the log,
 * plus a CRITICAL traceback when the bundle's code contains `BROKEN_AT_START`. Time is a fake clock.
 */
import { mkdtemp, mkdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { ImplementContext, ImplementDeps } from '../../src/implement/context.ts';
import { nodeFs } from '../../src/implement/files.ts';
import { layoutFor } from '../../src/implement/scope.ts';
import type { LogTail, PlexControl } from '../../src/implement/restart.ts';
import type { CodeChecker } from '../../src/implement/validate.ts';
import { workspaceAt } from '../../src/workspace.ts';

const START = (await readFile(new URL('../fixtures/implement/plugin_start.log', import.meta.url), 'utf8'))
  .split('\n')
  .filter((l) => !l.startsWith('#') && l !== '');

export const UTILS = [
  '# -*- coding: utf-8 -*-',
  "def getHTTPRequest(url, timeout=20):",
  "    headers = {'User-Agent': getUserAgent()}",
  '    return HTTP.Request(url, headers=headers, timeout=timeout)',
  '',
  'def getUserAgent():',
  "    return 'Mozilla/5.0'",
  '',
  'def matchTitle(a, b):',
  '    return a.lower() == b.lower()',
  '',
  'def delay():',
  '    return 5',
  '',
].join('\n');

export const INIT = (name: string) =>
  [`# ${name} agent — caf\u00e9 \u2019quotes\u2019`, 'import utils', 'def Start():', '    HTTP.CacheTime = CACHE_1WEEK', '', `class ${name}(Agent.Movies):`, "    name = '" + name + "'", ''].join('\n');

export const plist = (id: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>\n\t<key>CFBundleIdentifier</key>\n\t<string>${id}</string>\n\t<key>PlexPluginMode</key><string>AlwaysOn</string>\n</dict></plist>\n`;

export const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface World {
  root: string;
  plugins: string;
  logsDir: string;
  ctx: ImplementContext;
  deps: ImplementDeps;
  output: string[];
  plex: PlexControl & { sessionsCount: number; httpRestarts: string[]; httpWorks: boolean };
  /** Whether the fake Plex reacts to an Info.plist touch. */
  plistWorks: boolean;
  /** Every file under Plug-ins: rel → sha256 + mode. */
  state(): Promise<Map<string, string>>;
  cleanup(): Promise<void>;
}

export const BUNDLES = ['GEVI', 'IAFD', 'AEBN'];

/** Python-2.7-ish fake checker: rejects f-strings and new names starting with `_` (the RestrictedPython rule). */
export const fakeChecker: CodeChecker = {
  async checkFiles(paths) {
    const errors: Array<{ file: string; line: number; message: string }> = [];
    for (const p of paths) {
      const lines = (await readFile(p, 'utf8')).split('\n');
      lines.forEach((l, i) => {
        if (/\bf"|\bf'/.test(l)) errors.push({ file: p, line: i + 1, message: 'f-strings are not Python 2.7' });
        if (/^\s*_[A-Za-z]\w*\s*=/.test(l)) errors.push({ file: p, line: i + 1, message: 'names may not start with "_" in the plug-in sandbox' });
      });
    }
    return { ok: errors.length === 0, checker: 'fake-py27', errors };
  },
};

const dirsOf = (root: string) => {
  const data = join(root, 'Application Support', 'Plex Media Server');
  return { plugins: join(data, 'Plug-ins'), logsDir: join(data, 'Logs', 'PMS Plugin Logs') };
};

export async function makeWorld(opts: { bundles?: string[]; checker?: CodeChecker | null } = {}): Promise<World> {
  const root = await mkdtemp(join(tmpdir(), 'plexmend impl '));
  const { plugins, logsDir } = dirsOf(root);
  await mkdir(logsDir, { recursive: true });
  const bundles = opts.bundles ?? BUNDLES;
  for (const b of bundles) {
    const code = join(plugins, `${b}.bundle`, 'Contents', 'Code');
    await mkdir(code, { recursive: true });
    await writeFile(join(plugins, `${b}.bundle`, 'Contents', 'Info.plist'), plist(`com.plexapp.agents.${b}`));
    await writeFile(join(code, '__init__.py'), INIT(b));
    await writeFile(join(code, 'utils.py'), UTILS);
    await chmod(join(code, 'utils.py'), 0o640);
    await writeFile(join(logsDir, `com.plexapp.agents.${b}.log`), START.map((l) => l.replace('{TS}', '2026-01-01 00:00:00,000')).join('\n') + '\n');
  }
  await mkdir(join(plugins, '_PGMA'), { recursive: true });
  await writeFile(join(plugins, '_PGMA', 'Thumbor.txt'), 'http://35.236.218.226\n');
  return attachWorld(root, bundles, opts.checker);
}

/** The fake Plex and deps over an existing world folder (the crash child process uses this too). */
export async function attachWorld(root: string, bundles: string[] = BUNDLES, checker?: CodeChecker | null, clock?: { now(): Date; sleep(ms: number): Promise<void> }): Promise<World> {
  const { plugins, logsDir } = dirsOf(root);
  let t = Date.UTC(2026, 1, 6, 7, 0, 0);
  let stampMs = 0;
  const output: string[] = [];
  const plistSeen = new Map<string, number>();
  const pending = new Set<string>();
  const world = {} as World;
  world.plistWorks = true;
  const restartPlugin = async (b: string) => {
    const id = `com.plexapp.agents.${b}`;
    const code = await readFile(join(plugins, `${b}.bundle`, 'Contents', 'Code', 'utils.py'), 'utf8').catch(() => '');
    const init = await readFile(join(plugins, `${b}.bundle`, 'Contents', 'Code', '__init__.py'), 'utf8').catch(() => '');
    stampMs = Math.max(stampMs + 7, clock ? clock.now().getTime() : t);
    const ts = new Date(stampMs).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
    const lines = START.map((l) => l.replace('{TS}', ts));
    if ((code + init).includes('BROKEN_AT_START')) {
      lines.push(`${ts} (20d37df00) :  CRITICAL (core:574) - Exception in the code of ${id} (most recent call last):`);
      lines.push(`  File "${plugins}/${b}.bundle/Contents/Code/utils.py", line 3, in <module>`);
      lines.push("NameError: name 'BROKEN_AT_START' is not defined");
    }
    lines.push(`${ts} (20d37df00) :  INFO (core:611) - Started plug-in`);
    await writeFile(join(logsDir, `${id}.log`), lines.join('\n') + '\n'); // every start rotates: a new file
  };
  const logs: LogTail = {
    async read(id) {
      const b = id.replace('com.plexapp.agents.', '');
      const p = join(plugins, `${b}.bundle`, 'Contents', 'Info.plist');
      const m = await stat(p).then((s) => s.mtimeMs).catch(() => 0);
      if (!plistSeen.has(b)) plistSeen.set(b, m);
      if ((world.plistWorks && plistSeen.get(b) !== m) || pending.has(b)) {
        plistSeen.set(b, m);
        pending.delete(b);
        await restartPlugin(b);
      }
      return readFile(join(logsDir, `${id}.log`), 'utf8').catch(() => undefined);
    },
  };
  // Prime the plist mtimes so only later touches count.
  for (const b of bundles) await logs.read(`com.plexapp.agents.${b}`);
  const plex = {
    sessionsCount: 0,
    httpRestarts: [] as string[],
    httpWorks: true,
    async restartPlugin(id: string) {
      plex.httpRestarts.push(id);
      if (!plex.httpWorks) throw new Error('HTTP 404 from /:/plugins/' + id + '/restart?X-Plex-Token=SECRETTOKEN123');
      pending.add(id.replace('com.plexapp.agents.', ''));
    },
    async sessions() {
      return plex.sessionsCount;
    },
  };
  const deps: ImplementDeps = {
    fs: nodeFs,
    now: clock ? clock.now : () => new Date(t),
    sleep: clock ? clock.sleep : async (ms) => {
      t += ms;
    },
    prompt: async () => true,
    out: (line) => output.push(line),
    logs,
    plex,
    checker: checker === null ? undefined : (checker ?? fakeChecker),
    isAlive: () => false,
    pid: process.pid,
  };
  const ws = workspaceAt(join(root, 'plex improvement'));
  const ctx: ImplementContext = { ws, layout: layoutFor(plugins), deps, restart: { observeMs: 3000, pollMs: 500 }, windowMs: 2000 };
  Object.assign(world, {
    root,
    plugins,
    logsDir,
    ctx,
    deps,
    output,
    plex,
    async state() {
      const out = new Map<string, string>();
      const { walkFiles } = await import('../../src/implement/files.ts');
      const { files } = await walkFiles(nodeFs, plugins);
      for (const f of files) {
        if (f.endsWith('Info.plist')) continue; // touched (mtime only) by restarts
        const p = join(plugins, f);
        out.set(f, `${sha(await readFile(p))} ${((await stat(p)).mode & 0o7777).toString(8)}`);
      }
      return out;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  });
  return world;
}

/** A one-hunk diff of utils.py that changes the User-Agent line. */
export const UA_DIFF = [
  '--- a/utils.py',
  '+++ b/utils.py',
  '@@ -1,4 +1,4 @@',
  ' # -*- coding: utf-8 -*-',
  ' def getHTTPRequest(url, timeout=20):',
  "-    headers = {'User-Agent': getUserAgent()}",
  "+    headers = {'User-Agent': getUserAgent(), 'Referer': url}",
  '     return HTTP.Request(url, headers=headers, timeout=timeout)',
  '',
].join('\n');

/** A diff of utils.py further down (delay), independent of UA_DIFF's lines. */
export const DELAY_DIFF = ['@@ -11,3 +11,3 @@', ' ', ' def delay():', '-    return 5', '+    return 10', ''].join('\n');

/** A diff overlapping UA_DIFF's line (for "roll back the later fix first"). */
export const UA2_DIFF = [
  '@@ -2,2 +2,2 @@',
  ' def getHTTPRequest(url, timeout=20):',
  "-    headers = {'User-Agent': getUserAgent(), 'Referer': url}",
  "+    headers = {'User-Agent': getUserAgent(), 'Referer': url, 'Accept-Language': 'en'}",
  '',
].join('\n');

export function planFor(fixId: string, diff: string, bundles = BUNDLES, extra: Record<string, unknown> = {}) {
  return {
    schema: 'plexmend.fixplan/1' as const,
    fixId,
    iteration: 1,
    title: `${fixId}: test change`,
    expectation: '/agents/GEVI/http/byStatus/403 decreases by >= 30 %',
    changes: bundles.map((b) => ({ path: `${b}.bundle/Contents/Code/utils.py`, diff, sharedGroup: 'utils.py' })),
    restart: [],
    fuzz: 0,
    ...extra,
  };
}
