import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonical, deriveXPath, deriveListXPath, extractionOf } from '../../src/diagnose/xpath-derive.ts';
import { evaluate, parseHtml, resultStrings } from '../../src/diagnose/html.ts';

// A film page before and after a made-up redesign: the studio moved from a table to a labelled list,
// the title from <h1 class="title"> to <div class="hero"><h2 class="film-name">.
const before = `<html><body><h1 class="title">Summer’s End II</h1>
<table><tr><td>Studio:</td><td><a href="/studio/7">Blue &amp; Gold</a></td></tr></table></body></html>`;
const after = `<html><body><div class="hero"><h2 class="film-name heading">Summer’s End II</h2></div>
<ul class="facts"><li><span class="lbl">Studio:</span><a class="studio-link" href="/studio/7">Blue &amp; Gold</a></li>
<li><span class="lbl">Released:</span><span>2019-05-01</span></li></ul>
<div class="related"><h3 class="film-name">Another Film</h3></div></body></html>`;

test('canonical form folds quotes, accents, ampersands, case and space', () => {
  assert.equal(canonical('Summer’s  End & Café'), "summer's end and cafe");
});

test('extraction follows the old expression', () => {
  assert.deepEqual(extractionOf('//h1[@class="title"]/text()'), { kind: 'text' });
  assert.deepEqual(extractionOf('//td/a/@href'), { kind: 'attribute', name: 'href' });
  assert.deepEqual(extractionOf('//h1'), { kind: 'element' });
});

test('a moved title gets a checked replacement that extracts exactly the title', () => {
  const old = '//h1[@class="title"]/text()';
  assert.deepEqual(resultStrings(evaluate(old, parseHtml(after))), [], 'the old expression finds nothing now');
  const found = deriveXPath({ html: after, target: "Summer's End II", oldXPath: old });
  assert.ok(found.length > 0);
  const best = found[0]!;
  assert.match(best.xpath, /\/text\(\)$/);
  assert.equal(best.count, 1);
  assert.equal(canonical(best.value), canonical('Summer’s End II'));
  // Not the bare class token shared with the related film.
  assert.ok(!found.some((f) => f.xpath === '//h3[contains(concat(" ", normalize-space(@class), " "), " film-name ")]/text()'));
});

test('a labelled field is found through its label', () => {
  const found = deriveXPath({ html: after, target: 'Blue & Gold', oldXPath: '//td[.="Studio:"]/following-sibling::td/a/text()' });
  const label = found.find((f) => f.strategy === 'label sibling');
  assert.ok(label, JSON.stringify(found));
  assert.equal(label.xpath, '//span[normalize-space()="Studio:"]/following-sibling::a[1]/text()');
  assert.equal(label.value, 'Blue & Gold');
});

test('an attribute extraction keeps extracting the attribute of the element that shows the value', () => {
  const found = deriveXPath({ html: after, target: 'Blue & Gold', oldXPath: '//td/a/@href' });
  assert.ok(found.length > 0);
  assert.equal(found[0]!.value, '/studio/7');
});

test('a value that is not on the page yields nothing', () => {
  assert.deepEqual(deriveXPath({ html: after, target: 'Absent Title', oldXPath: '//h1/text()' }), []);
});

test('a result list is found as the repeated container, with its relative expressions', () => {
  const page = `<html><body><section id="results">
    <article class="card"><header><a class="card-link" href="/film/1">Other One</a></header></article>
    <article class="card"><header><a class="card-link" href="/film/2">Summer’s End II</a></header></article>
    <article class="card"><header><a class="card-link" href="/film/3">Third</a></header></article>
  </section></body></html>`;
  const d = deriveListXPath({ html: page, target: "Summer's End II", relative: ['./a/@href', './a/text()'] });
  assert.ok(d);
  assert.equal(d.list, '//article[@class="card"]');
  assert.equal(d.items, 3);
  assert.equal(d.relative['./a/@href']?.value, '/film/2');
  assert.equal(canonical(d.relative['./a/text()']!.value), canonical('Summer’s End II'));
});
