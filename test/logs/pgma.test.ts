import { test } from 'node:test';
import assert from 'node:assert/strict';
import { footerOutcome, parseFilmLabel, parsePgma, parsePgmaFileName, splitKeyValue } from '../../src/logs/pgma.ts';

test('agent name, form and tag (current and 2021 tags)', () => {
  const table: Array<[string, string, string, string | null, string]> = [
    ['Fagalicious  - SEARCH:: Search Query                  https://x', 'Fagalicious', 'info', 'SEARCH', 'text'],
    ['Fagalicious - SEARCH::    Error: Search Query did not pull any results: HTTP Error 403: Forbidden', 'Fagalicious', 'error', 'SEARCH', 'text'],
    ['GEVI  - UTILS :: \t\t11. genrecollection         Default = Indigo', 'GEVI', 'info', 'UTILS', 'text'],
    ['Fagalicious  - AGNT  :: Original Search Query        : Roman Todd', 'Fagalicious', 'info', 'AGENT', 'text'],
    ['Fagalicious  - AGENT :: Original Search Query         Colton', 'Fagalicious', 'info', 'AGENT', 'text'],
    ['AEBN - UPDATE:: Error: x', 'AEBN', 'error', 'UPDATE', 'text'],
    ['WayBig  - IAFD  :: x', 'WayBig', 'info', 'IAFD', 'text'],
    ['WayBig  - SELF:: x', 'WayBig', 'info', 'SELF', 'text'],
    ['GEVI  - ' + '*'.repeat(140), 'GEVI', 'info', null, 'banner'],
    ['GEVI  -       ' + '-'.repeat(100), 'GEVI', 'info', null, 'banner'],
  ];
  for (const [msg, agent, form, tag, kind] of table) {
    const p = parsePgma(msg);
    assert.ok(p, msg);
    assert.deepEqual([p.agent, p.form, p.tag, p.kind], [agent, form, tag, kind], msg);
  }
  for (const msg of ["Requesting 'https://x'", 'Starting framework core - Version: 2.6.3', 'XBMCnfoMoviesImporter Version: 1.1-52-g75074b5-158',
    'Some Agent - not a tag', 'media file: /data/x - y.mp4']) {
    assert.equal(parsePgma(msg), null, msg);
  }
});

test('location lines: ❌ and ⚠, empty file/line when no exception was active', () => {
  const a = parsePgma('Fagalicious - SEARCH:: \u274c File: __init__.py, Line: 283, Function: _process_function_call -> _search -> search');
  assert.equal(a?.kind, 'location');
  assert.equal(a?.mark, 'error');
  assert.deepEqual(a?.location, { file: '__init__.py', line: 283, function: '_process_function_call -> _search -> search' });
  const b = parsePgma('GEVI - UTILS :: \u26a0 File: utils.py, Line: 3807, Function: getSiteInfo -> _apply -> getSiteInfoGEVI');
  assert.equal(b?.mark, 'warning');
  const c = parsePgma('AEBN - UTILS :: \u274c File: , Line: , Function: update -> updateMetadata -> getFilmOnIAFD');
  assert.deepEqual(c?.location, { file: '', line: null, function: 'update -> updateMetadata -> getFilmOnIAFD' });
});

test('footers: outcome, film label, URL', () => {
  const f = (s: string) => parsePgma('GEVI  - SEARCH:: ' + (' >> ' + s + ' << ').padStart(70, '*').padEnd(131, '*'));
  assert.equal(f('Successful!!')?.footer, 'Successful!!');
  assert.equal(footerOutcome('Successful!!'), 'success');
  assert.equal(footerOutcome('Failed'), 'failure');
  assert.equal(footerOutcome('GEVI: Finished Search Routine'), null);
  assert.deepEqual(parseFilmLabel('(Falcon) - Big Film (2004)'), { studio: 'Falcon', title: 'Big Film', year: 2004 });
  assert.deepEqual(parseFilmLabel('() - No Studio'), { title: 'No Studio' });
  assert.equal(f('https://www.adultfilmdatabase.com/video/64734/skeet/')?.kind, 'footer');
});

test('{label:<29} value, 2021 "Label : value" and header "> Name:" lines', () => {
  assert.deepEqual(splitKeyValue('Title Comparison Test         Failed'), { key: 'Title Comparison Test', value: 'Failed' });
  assert.deepEqual(splitKeyValue('Original Search Query        : Roman Todd Fucks'), { key: 'Original Search Query', value: 'Roman Todd Fucks' });
  assert.deepEqual(splitKeyValue(' > Network Request Delay:             6 Seconds'), { key: 'Network Request Delay', value: '6 Seconds' });
  assert.deepEqual(splitKeyValue('File Path:                            /share/x/(Le Salon) - More Mind Games.mp4'),
    { key: 'File Path', value: '/share/x/(Le Salon) - More Mind Games.mp4' });
  assert.deepEqual(splitKeyValue('Preferences:'), { key: 'Preferences', value: '' });
  assert.equal(splitKeyValue('single'), null);
});

test('PGMA file name convention', () => {
  assert.deepEqual(parsePgmaFileName('/m/(Falcon) - Big Film (2004).mp4'), { studio: 'Falcon', title: 'Big Film', year: 2004 });
  assert.deepEqual(parsePgmaFileName('C:\\m\\(Raging Stallion;Falcon) - Hard Work - [A, B] - part 2.mkv'), { studio: 'Raging Stallion', title: 'Hard Work' });
  assert.equal(parsePgmaFileName('/m/(Le Salon) \u2013 More Mind Games.mp4'), null, 'an en dash is not the separator');
});
