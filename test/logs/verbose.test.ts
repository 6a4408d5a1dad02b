import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDumpLine, utilsInfoKind } from '../../src/logs/verbose.ts';
import { classifyUnclaimedUrlError } from '../../src/logs/classify.ts';

/** `msg` as the interpreter sees it, with `dash` at PGMA's ` - ` after the agent name. */
const utils = (agent: string, text: string) => {
  const msg = `${agent}  - UTILS :: ${text}`;
  return utilsInfoKind(msg, agent, msg.indexOf(' - '));
};

test('PGMA setup and preference dumps are verbose; numbered field values are plain information', () => {
  assert.equal(utils('GEVI', '\t 1. matchiafdduration       Default = true'), 'prefDump');
  assert.equal(utils('GEVI', '11. genrecollection          true'), 'prefDump');
  assert.equal(utils('GEVI', '6 - [\'Falcon\']'), 'info');
  assert.equal(utils('GEVI', 'Get Agent Metadata Fields'), 'info');
  assert.equal(isDumpLine('21.13.1. 1:'), true);
  assert.equal(isDumpLine('2018-07-19'), false);
});

test('UTILS lines an operation or a rule reads are not skipped', () => {
  for (const text of ['File Title                    Señor', 'Request URL                   https://x.example/a', 'Title Comparison Test         Passed',
    'Studio Comparison Test        Failed', 'Date                          2018', '❌ utils.py line 12', '⚠ warning', '*** banner ***', '-----']) {
    assert.equal(utils('GEVI', text), null, text);
  }
  // Another agent's name, a one-space ERROR form or another tag: not this fast path.
  assert.equal(utilsInfoKind('GEVI - UTILS :: Get Agent Metadata Fields', 'GEVI', 4), null);
  const search = 'GEVI  - SEARCH:: Titles Found 1';
  assert.equal(utilsInfoKind(search, 'GEVI', search.indexOf(' - ')), null);
});

test('an Error opening URL no agent error claimed is classified by where it pointed', () => {
  assert.equal(classifyUnclaimedUrlError('http://127.0.0.1:32400/library/metadata/1', '127.0.0.1').class, 'pms_communication_error');
  assert.equal(classifyUnclaimedUrlError('http://127.0.0.1:32400/:/plugins/x/resourceHashes', '127.0.0.1').class, 'framework_noise');
  assert.equal(classifyUnclaimedUrlError('https://cdn.example/hashes.json', 'cdn.example').class, 'framework_noise');
  assert.equal(classifyUnclaimedUrlError('https://www.gayeroticvideoindex.com/x', 'www.gayeroticvideoindex.com').class, 'http_error');
});
