import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clip, messageHead, PatternTable } from '../../src/logs/patterns.ts';
import { TemplateMiner } from '../../src/logs/templates.ts';
import type { LogEvent } from '../../src/logs/schema.ts';

test('messageHead keeps what was being done, not the detail', () => {
  assert.equal(messageHead('Error: Getting Synopsis: list index out of range'), 'Error: Getting Synopsis');
  assert.equal(messageHead('Error:: Getting Cast Member Page, John Doe: HTTP Error 403'), 'Error:: Getting Cast Member Page');
  assert.equal(messageHead('Error getting Site Title: < Title Match Failure! >'), 'Error getting Site Title');
  assert.equal(messageHead('IAFD Lookup Disabled to prevent 403 Errors.'), 'IAFD Lookup Disabled to prevent <NUM> Errors.');
  assert.equal(clip('abcdef', 3), 'abc… (3 more characters)');
});

test('same class, agent and code site → one pattern whatever the names; ids repeat across runs', () => {
  const ev = (m: string): LogEvent => ({ class: 'iafd_failure', agent: 'GEVI', message: m, status: 403, host: 'www.iafd.com' });
  const ids: string[][] = [];
  for (let run = 0; run < 2; run++) {
    const t = new PatternTable(new TemplateMiner());
    t.add(ev('Error:: Getting Cast Member Page, John Doe: HTTP Error 403: Forbidden'), { rule: 'pgma.iafd', class: 'iafd_failure' });
    t.add(ev('Error:: Getting Cast Member Page, Jack Roe: HTTP Error 403: Forbidden'), { rule: 'pgma.iafd', class: 'iafd_failure' });
    t.add(ev('Error:: IAFD Film Search Failure, HTTP Error 403: Forbidden'), { rule: 'pgma.iafd', class: 'iafd_failure' });
    const list = t.list();
    assert.deepEqual(list.map((p) => p.count), [2, 1]);
    ids.push(list.map((p) => p.id));
  }
  assert.deepEqual(ids[0], ids[1]);
});
