/**
 * The cast-blocked scenario end to end: the IAFD-like cast site refuses non-browser requests, so an update
 * logs a failed cast lookup per cast member (PGMA's IAFD 403 story) and the film gets no photos; the
 * `castlookup` preference off silences the lookups (a workaround); a header fix in Start() brings the
 * photos back. Each change takes effect after a plug-in restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../src/sandbox/scenario.ts';
import { startSites } from '../../src/sandbox/sites/index.ts';
import { PluginHost } from '../../src/sandbox/runtime/host.ts';
import { aggregate, memoryTemplateStore } from '../../src/logs/index.ts';
import { readLogLines } from '../../src/logs/read.ts';

const AGENTS = fileURLToPath(new URL('../../src/sandbox/agents/', import.meta.url));
const s = loadScenario('cast-blocked');

test('cast lookups: 403 without browser headers, silenced by the preference, cured by a header fix', async () => {
  const truth = s.castLookup?.ScreenShelf;
  assert.ok(truth && truth.now === 'no_photos' && truth.status === 403 && truth.then === 'photos');
  assert.deepEqual(truth.fix, ['request_headers']);
  assert.deepEqual(truth.workaround, ['preference_change']);
  const item = s.items.find((i) => i.truth.ScreenShelf!.now === 'match')!;
  const film = s.sites.find((x) => x.host === 'www.screenshelf.test')!.films.find((f) => f.id === item.truth.ScreenShelf!.film)!;
  const media = { id: item.ratingKey, name: item.title, year: item.year, filename: item.file, duration: item.duration };

  const base = await mkdtemp(join(tmpdir(), 'plexmend cast '));
  const root = join(base, 'Application Support', 'Plex Media Server');
  const bundle = join(root, 'Plug-ins', 'ScreenShelf.bundle');
  const support = join(root, 'Plug-in Support');
  const logs = join(root, 'Logs', 'PMS Plugin Logs');
  await cp(join(AGENTS, 'ScreenShelf.bundle'), bundle, { recursive: true });
  await cp(join(AGENTS, '_PGMA'), join(root, 'Plug-ins', '_PGMA'), { recursive: true });
  const sites = await startSites(s);
  const host = new PluginHost({ bundleDir: bundle, logsDir: logs, supportDir: support, hostMap: sites.hostMap });
  try {
    assert.ok((await host.start()).ok);
    const update = async () => {
      const [hit] = await host.search(media, 'en', false);
      assert.ok(hit, 'the search itself works in this scenario');
      const md = await host.update(hit.id, media, 'en');
      assert.ok(md);
      assert.equal(md.summary, film.synopsis, 'the update goes on without the cast site');
      assert.deepEqual(md.roles?.map((r) => r.name), film.cast);
      return md;
    };
    const castRequests = () => sites.stats()['www.castbase.test']!.requests;

    // Today: one failed lookup per cast member, no photos.
    const before = await update();
    assert.ok(before.roles!.every((r) => !r.photo));
    const text = await readFile(join(logs, 'com.plexapp.agents.ScreenShelf.log'), 'utf8');
    for (const name of film.cast) {
      assert.match(text, new RegExp(`ScreenShelf - UTILS ::    Error:: Getting Cast Member Page, ${name}: HTTP Error 403: Forbidden$`, 'm'));
    }
    assert.match(text, /UPDATE:: \*+ >> Successful!! << \*+$/m);
    const report = await aggregate({ kind: 'folder', dir: logs }, { read: readLogLines, templates: memoryTemplateStore() });
    assert.equal(report.agents.ScreenShelf?.http.byHost['www.castbase.test']?.['403'], film.cast.length);
    assert.equal(castRequests(), film.cast.length);

    // Workaround: the castlookup preference off (saved preferences win over DefaultPrefs.json).
    await mkdir(join(support, 'Preferences'), { recursive: true });
    await writeFile(join(support, 'Preferences', 'com.plexapp.agents.ScreenShelf.xml'), '<?xml version="1.0" encoding="utf-8"?>\n<PluginPreferences><castlookup>false</castlookup></PluginPreferences>\n');
    assert.ok((await host.restart()).ok);
    const quiet = await update();
    assert.ok(quiet.roles!.every((r) => !r.photo));
    assert.equal(castRequests(), film.cast.length, 'no further cast requests');
    assert.doesNotMatch(await readFile(join(logs, 'com.plexapp.agents.ScreenShelf.log'), 'utf8'), /Getting Cast Member Page/);

    // Fix: browser headers in Start(); preference back on.
    await rm(join(support, 'Preferences', 'com.plexapp.agents.ScreenShelf.xml'));
    const init = join(bundle, 'Contents', 'Code', '__init__.py');
    const code = await readFile(init, 'utf8');
    await writeFile(init, code.replace("HTTP.Headers['User-Agent'] = utils.getUserAgent()", "HTTP.Headers['User-Agent'] = utils.getUserAgent()\n    HTTP.Headers['Accept-Language'] = 'en-US,en;q=0.9'"));
    assert.ok((await host.restart()).ok);
    const fixed = await update();
    for (const r of fixed.roles!) assert.match(r.photo ?? '', /^https:\/\/www\.castbase\.test\/img\/person\/[a-z-]+\.jpg$/);
  } finally {
    await host.stop();
    await sites.close();
    await rm(base, { recursive: true, force: true });
  }
});
