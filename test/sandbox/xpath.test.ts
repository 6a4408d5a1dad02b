import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './runtime-helpers.ts';

const RUNTIME_PY = fileURLToPath(new URL('../../src/sandbox/runtime/python/', import.meta.url));
const DRIVER = join(FIXTURES, 'xpath_driver.py');
const TABLE = join(FIXTURES, 'xpath-table.json');

interface DriverOut {
  engine: string;
  versions?: { lxml: number[]; libxml2: number[] } | null;
  trees: Record<string, unknown>;
  results: unknown[];
}

const runs = new Map<string, DriverOut>();
/** Runs the driver once per (python, engine, table); later calls reuse the output. */
function run(python: string, engine: 'builtin' | 'lxml', table = TABLE): DriverOut {
  const key = `${python}|${engine}|${table}`;
  const cached = runs.get(key);
  if (cached) return cached;
  const result = runDriver(python, engine, table);
  runs.set(key, result);
  return result;
}

function runDriver(python: string, engine: 'builtin' | 'lxml', table: string): DriverOut {
  const out = execFileSync(python, [DRIVER, RUNTIME_PY, table], {
    env: { ...process.env, PLEXMEND_XPATH_ENGINE: engine, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as DriverOut;
}

function hasLxml(python: string): boolean {
  try {
    execFileSync(python, ['-c', 'import lxml.html'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const table = JSON.parse(readFileSync(TABLE, 'utf8')) as { docs: Record<string, string>; cases: { doc: string; xpath: string; context?: string }[] };
const recorded = JSON.parse(readFileSync(join(FIXTURES, 'xpath-expected-lxml.json'), 'utf8')) as DriverOut & { recordedWith: string };
const builtin = run('python3', 'builtin');

describe('built-in XPath 1.0 engine', () => {
  it('is the engine the driver used', () => {
    assert.equal(builtin.engine, 'builtin');
    assert.equal(builtin.results.length, table.cases.length);
    assert.ok(table.cases.length >= 280, `a broad table (${table.cases.length} cases)`);
  });

  it('builds the same trees as lxml.html (libxml2 fix-ups, whitespace, entities, comments)', () => {
    assert.deepEqual(builtin.trees, recorded.trees);
  });

  it('gives the results recorded from lxml for every case of the conformance table', () => {
    const diffs = table.cases
      .map((c, i) => ({ ...c, lxml: recorded.results[i], builtin: builtin.results[i] }))
      .filter((d) => JSON.stringify(d.lxml) !== JSON.stringify(d.builtin));
    assert.deepEqual(diffs, []);
  });

  const pick = (xpath: string, doc = 'gevi', context?: string) => {
    const i = table.cases.findIndex((c) => c.xpath === xpath && c.doc === doc && c.context === context);
    assert.ok(i >= 0, `case ${xpath} is in the table`);
    return builtin.results[i];
  };
  const texts = (r: unknown) => (r as { nodes: { str: string }[] }).nodes.map((n) => n.str);

  it('answers the XPaths PGMA relies on', () => {
    assert.deepEqual(texts(pick('//div[.="Category:"]/following-sibling::div/div/text()')), ['Compilation', 'Feature']);
    assert.deepEqual(texts(pick('//span[text()="Running Time:"]/parent::li/text()')), [' 95 min']);
    assert.deepEqual(texts(pick('//a[contains(@href,"company/")]/text()')), ['Falcon', 'Jocks']);
    assert.deepEqual(pick('normalize-space(//div[@class="text-justify wideCols-1"])'), {
      string: 'First paragraph with a line break.Second\u00a0one.',
    });
    assert.deepEqual(texts(pick('//table[@id="cast"]/tr[last()]/td[2]/text()')), ['Director']);
    assert.deepEqual(texts(pick('//ul[@class="list"]/li[3]/text()')), ['Unclosed item one\n      ']);
    assert.deepEqual(texts(pick('//img/@src')), ['/a.jpg']);
    assert.deepEqual(texts(pick('(//a)[last()]/@href')), ['/director/9']);
  });

  it('implements the axes, predicates and functions with XPath type rules', () => {
    assert.deepEqual(texts(pick('//a[@href="/performer/2"]/ancestor::tr/preceding-sibling::tr[1]/td[1]/a/text()')), ['Actor One']);
    assert.deepEqual(texts(pick('//a[@href="/performer/2"]/preceding::a[1]/text()')), ['Actor One']);
    assert.deepEqual(pick('count(//a[@href="/performer/2"]/ancestor-or-self::node())'), { num: 8 });
    assert.deepEqual(pick('sum(//div[@id="x1"]/span)'), { num: 'NaN' });
    assert.deepEqual(pick('sum(//div[@id="x1"]/span[position()<3])'), { num: 30.5 });
    assert.deepEqual(pick('substring("12345", 1.5, 2.6)'), { string: '234' });
    assert.deepEqual(pick('substring("12345", 0, 3)'), { string: '12' });
    assert.deepEqual(pick('translate("--aaa--","abc-","ABC")'), { string: 'AAA' });
    assert.deepEqual(pick('round(-2.5)'), { num: -2 });
    assert.deepEqual(pick('-7 mod 3'), { num: -1 });
    assert.deepEqual(pick('1 div 0'), { num: 'Infinity' });
    assert.deepEqual(pick('string(1 div 3)'), { string: '0.333333333333333' });
    assert.deepEqual(pick('"1" = 1'), { bool: true });
    assert.deepEqual(pick('//nope != //nope'), { bool: false });
    assert.deepEqual(pick('3 > 2 > 1'), { bool: false });
    assert.deepEqual(pick('//div['), { error: 'XPathEvalError' });
    assert.deepEqual(pick('foo(1)'), { error: 'XPathEvalError' });
  });
});

describe('built-in XPath engine on seeded random expressions', () => {
  it('gives the lxml results for 1500 generated expressions (all axes, node tests, predicates, functions, unions)', () => {
    const fuzzTable = join(FIXTURES, 'xpath-fuzz-table.json');
    const cases = (JSON.parse(readFileSync(fuzzTable, 'utf8')) as { cases: { doc: string; xpath: string }[] }).cases;
    const expected = (JSON.parse(readFileSync(join(FIXTURES, 'xpath-fuzz-expected-lxml.json'), 'utf8')) as { results: unknown[] }).results;
    const got = run('python3', 'builtin', fuzzTable).results;
    assert.equal(got.length, cases.length);
    const diffs = cases.map((c, i) => ({ ...c, lxml: expected[i], builtin: got[i] })).filter((d) => JSON.stringify(d.lxml) !== JSON.stringify(d.builtin));
    assert.deepEqual(diffs.slice(0, 5), []);
    assert.ok(expected.filter((r) => JSON.stringify(r) !== '{"nodes":[]}').length > 450, 'hundreds of expressions select or compute something');
  });

  it('gives the lxml results (values and errors) for 1500 generated operator/function expressions', () => {
    const fuzzTable = join(FIXTURES, 'xpath-fuzz2-table.json');
    const expected = (JSON.parse(readFileSync(join(FIXTURES, 'xpath-fuzz2-expected-lxml.json'), 'utf8')) as { results: unknown[] }).results;
    const got = run('python3', 'builtin', fuzzTable).results;
    assert.equal(got.length, 1500);
    const diffs = expected.map((e, i) => ({ i, lxml: e, builtin: got[i] })).filter((d) => JSON.stringify(d.lxml) !== JSON.stringify(d.builtin));
    assert.deepEqual(diffs.slice(0, 5), []);
    assert.ok(expected.filter((r) => JSON.stringify(r).startsWith('{"error"')).length > 100, 'error cases are part of the table');
  });
});

describe('built-in HTML parser on seeded tag soup', () => {
  it('builds the trees lxml builds for 400 random tag-soup documents (implied elements, auto-closing, stray end tags, entities, comments)', () => {
    const soupTable = join(FIXTURES, 'html-soup-table.json');
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'html-soup-expected-lxml.json'), 'utf8')) as { trees: Record<string, unknown>; results: unknown[] };
    const got = run('python3', 'builtin', soupTable);
    const treeDiffs = Object.keys(expected.trees).filter((k) => JSON.stringify(expected.trees[k]) !== JSON.stringify(got.trees[k]));
    assert.deepEqual(treeDiffs, []);
    assert.equal(Object.keys(got.trees).length, 400);
    assert.deepEqual(got.results, expected.results);
  });
});

const API_DRIVER = join(FIXTURES, 'element_api_driver.py');
function runApi(python: string, engine: 'builtin' | 'lxml'): unknown {
  const out = execFileSync(python, [API_DRIVER, RUNTIME_PY], {
    env: { ...process.env, PLEXMEND_XPATH_ENGINE: engine, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out);
}

describe('built-in element API (lxml.html as agents use it)', () => {
  it('behaves as recorded from lxml: text/tail, get/attrib, parents and siblings, iter, find, smart strings, variables, fromstring, drop_tag/drop_tree', () => {
    const recordedApi = JSON.parse(readFileSync(join(FIXTURES, 'element-api-expected-lxml.json'), 'utf8')) as Record<string, unknown>;
    const builtinApi = runApi('python3', 'builtin') as Record<string, unknown>;
    assert.deepEqual(builtinApi, recordedApi);
    assert.deepEqual(builtinApi.strip, 'One (top)');
    assert.deepEqual(builtinApi.empty, 'Document is empty');
  });
});

const lxmlPython = ['/usr/bin/python3', 'python3'].find(hasLxml);
describe('built-in engine against live lxml', { skip: lxmlPython ? false : 'no python3 with lxml here (CI installs python3-lxml)' }, () => {
  it('gives identical trees and results for the whole table', (t) => {
    const lxml = run(lxmlPython!, 'lxml');
    assert.equal(lxml.engine, 'lxml');
    const [major = 0, minor = 0] = lxml.versions?.libxml2 ?? [];
    if (major > 2 || (major === 2 && minor >= 14)) {
      // libxml2 2.14 replaced its HTML parser with an HTML5 tokenizer; the built-in engine follows the
      // libxml2 2.9-2.13 parser that Plex-era lxml uses (the recorded table above still checks it).
      t.skip(`lxml here uses libxml2 ${lxml.versions!.libxml2.join('.')} (HTML5 parser), not the one Plex's lxml has`);
      return;
    }
    assert.deepEqual(builtin.trees, lxml.trees);
    const diffs = table.cases
      .map((c, i) => ({ ...c, lxml: lxml.results[i], builtin: builtin.results[i] }))
      .filter((d) => JSON.stringify(d.lxml) !== JSON.stringify(d.builtin));
    assert.deepEqual(diffs, []);
    assert.deepEqual(runApi('python3', 'builtin'), runApi(lxmlPython!, 'lxml'));
    for (const name of ['xpath-fuzz-table.json', 'xpath-fuzz2-table.json', 'html-soup-table.json']) {
      const fuzzTable = join(FIXTURES, name);
      assert.deepEqual(run('python3', 'builtin', fuzzTable).results, run(lxmlPython!, 'lxml', fuzzTable).results);
      assert.deepEqual(run('python3', 'builtin', fuzzTable).trees, run(lxmlPython!, 'lxml', fuzzTable).trees);
    }
  });
});
