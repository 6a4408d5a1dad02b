import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LogAggregator } from '../../src/logs/aggregate.ts';
import { renderAggregateText } from '../../src/report/aggregate-text.ts';
import { renderAggregateMarkdown } from '../../src/report/aggregate-md.ts';
import { linesOf } from '../builders/lines.ts';

function report() {
  const text = readFileSync(new URL('../fixtures/synthetic/pgma_operations_2026.log', import.meta.url), 'utf8');
  const agg = new LogAggregator({ now: () => new Date(0) });
  for (const l of linesOf(text)) {
    l.bundleId = l.text.includes('(1b00d1000)') ? 'com.plexapp.agents.AEBN' : 'com.plexapp.agents.GEVI';
    agg.push(l);
  }
  return agg.finish();
}

test('text rendering: summary per level and class, agents, HTTP table, full examples (no truncation), failed items', () => {
  const t = renderAggregateText(report());
  assert.match(t, /Records per level: DEBUG 2, INFO \d+, ERROR \d+/);
  assert.match(t, /http_error\s+1/);
  assert.match(t, /^AEBN\s+2\s+2\s+0\s+1\s+2\s+0\s+1\s+1\s+0\.0/m);
  assert.match(t, /^GEVI .* 100\.0/m);
  assert.match(t, /^AEBN\s+gay\.aebn\.com\s+403\s+1\s+1$/m);
  // the whole URL of the example, not cut at 120 characters
  assert.ok(t.includes('url:      https://gay.aebn.com/gay/search?queryType=Free+Form&sysQuery=hard+work'));
  assert.match(t, /ERROR  AEBN search: \(Raging Stallion\) Hard Work \(2010\)/);
  assert.match(t, /^FAILED AEBN search: \(Titan\) No Match Here \(2011\)/m);
  assert.match(t, /- http_error: Error: Search Query did not pull any results: HTTP Error 403: Forbidden {2}\(HTTP 403, gay\.aebn\.com, __init__\.py:283\)/);
  assert.doesNotMatch(t, /Big Film/, 'matched items are not listed as failed');
});

test('markdown rendering: tables and code spans, pipes escaped', () => {
  const r = report();
  r.patterns[0].example.message = 'a | b';
  const md = renderAggregateMarkdown(r);
  assert.match(md, /^# Plug-in log aggregation/);
  assert.match(md, /\| AEBN \| `gay\.aebn\.com` \| 403 \| 1 \| 1 \|/);
  assert.match(md, /\| error \| AEBN \| search \| Hard Work \| Raging Stallion \| 2010 \| http_error 403 gay\.aebn\.com \|/);
  assert.ok(md.includes('`a \\| b`'));
});
