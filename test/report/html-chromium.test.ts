/**
 * The loop's report.html in real headless Chromium (Debian's /usr/bin/chromium; CI installs it): it loads
 * from a file:// URL with no console error and no request other than the file itself, shows the four
 * charts, and renders to a screenshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { newState, runLoop } from '../../src/loop/coordinator.ts';
import { renderHtml } from '../../src/report/final.ts';
import type { LessonsLedger } from '../../src/diagnose/schema.ts';
import { World, worldPorts } from '../loop/world.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium) — the HTML report is not checked in a browser`;

/** A finished loop over the in-memory world: kept, monitored, rolled back, parked fixes, a lesson, three panel figures. */
async function finishedLoop() {
  const w = new World({
    defects: [
      { groupId: 'gA', agent: 'SiteA', items: 6, behaviour: 'cures' },
      { groupId: 'gB', agent: 'SiteB', items: 3, behaviour: 'monitor' },
      { groupId: 'gC', agent: 'SiteC', items: 2, behaviour: 'harmful' },
      { groupId: 'gD', agent: 'SiteD', items: 2, behaviour: 'flaky' },
    ],
    healthy: 7,
  });
  const s = await runLoop(newState({ goal: 0.95, maxIterations: 5, seed: 3, target: 'sandbox (X-Plex-Token=secret-token-123)' }, new Date('2026-11-24T03:00:00Z')), worldPorts(w).ports);
  // Text a site or a user controls ends up in the report: it must stay text (no markup, no fetch).
  s.fixes[0]!.title = 'headers <img src="http://evil.example/x.png"> & "quotes"';
  s.fixes[0]!.sideEffects.push('<script>fetch("http://evil.example/")</script>');
  return { s, ledger: w.docs.get('lessons') as LessonsLedger };
}

test('report.html in headless Chromium: no console errors, no requests but the file, four titled charts, a screenshot', { skip, timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plexmend-html-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const where = join(dir, 'Application Support', 'plex_improvement');
  await mkdir(where, { recursive: true });
  const { s, ledger } = await finishedLoop();
  assert.ok(ledger.lessons.length > 0 && s.figures.length >= 3, 'a loop with lessons and several figures');
  const html = renderHtml(s, ledger);
  assert.doesNotMatch(html, /secret-token-123/);
  const file = join(where, 'report.html');
  await writeFile(file, html);
  const url = pathToFileURL(file).href;

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('request', (r) => requests.push(r.url()));
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.ok(response === null || response.ok(), 'the file loads');

  assert.deepEqual(problems, []);
  assert.deepEqual(requests, [url], 'the only request is the file itself');

  const charts = await page.$$eval('svg', (svgs) => svgs.map((s) => ({ title: s.querySelector(':scope > title')?.textContent ?? '', w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, marks: s.querySelectorAll('polyline, rect, circle').length })));
  assert.deepEqual(charts.map((c) => c.title), [
    'Panel success per iteration',
    'Errors by class per iteration (panel refreshes)',
    'Success per agent per iteration',
    'Primary metric per fix: expected vs actual change',
  ]);
  for (const c of charts) {
    assert.ok(c.w > 200 && c.h > 80, `${c.title} is laid out (${c.w}×${c.h})`);
    assert.ok(c.marks > 2, `${c.title} draws marks (${c.marks})`);
  }
  // One point per panel figure on the panel line, labelled with its figure.
  const pointTitles = await page.$$eval('svg', (svgs) => Array.from(svgs[0]!.querySelectorAll('circle > title')).map((x) => x.textContent));
  assert.deepEqual(pointTitles, s.figures.map((f) => `panel ${f.iteration === 0 ? 'start' : `it ${f.iteration}`}: ${Math.round(f.success * 100)}%`));

  // Expected vs actual: the expectation's own threshold (403s down by at least 30 %), and what the test measured.
  const bars = await page.$$eval('svg', (svgs) => Array.from(svgs[3]!.querySelectorAll('rect > title')).map((x) => x.textContent));
  assert.ok(bars.includes('fix-gA (it 1) expected: -30%'), bars.join(' | '));
  assert.ok(bars.includes('fix-gA (it 1) actual: -100%'), bars.join(' | '));
  assert.ok(bars.includes('fix-gC (it 1) actual: 0%'), bars.join(' | '));

  // Untrusted text stayed text.
  assert.equal(await page.$$eval('img, script', (xs) => xs.length), 0);
  const body = await page.textContent('body');
  assert.match(body ?? '', /headers <img src="http:\/\/evil\.example\/x\.png"> & "quotes"/);
  assert.match(body ?? '', /Exit: EXHAUSTED/);
  assert.match(body ?? '', /DO give request headers fixes for www\.gA\.example retry backoff too/);
  assert.equal(await page.$$eval('table', (ts) => ts.length), 3);
  assert.equal(await page.$$eval('table', (ts) => ts[0]!.querySelectorAll('tbody tr').length), s.fixes.length);

  const shot = join(dir, 'report.png');
  await page.screenshot({ path: shot, fullPage: true });
  const png = await readFile(shot);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.ok(png.length > 20_000, `a real rendering (${png.length} bytes)`);
});
