/**
 * XPath repair's core: given the current page and a value the file name says must be on it (a title, a
 * studio, a year), find the element that shows it and derive robust XPath 1.0 expressions for it, each
 * checked with a real XPath engine to extract that value and nothing else. Knows no site: it reads
 * structure (ids, semantic attributes, classes, label siblings, repeated result items).
 */
import type { Document, Element, Node } from '@xmldom/xmldom';
import { elements, evaluate, parseHtml, resultStrings, textContent } from './html.ts';

/** Canonical form for comparing page text with file-name values: case, accents, quotes, `&`, spaces. */
export function canonical(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019\u201a\u201b\u2032\u00b4`]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s*&\s*/g, ' and ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** How the old expression hands its value to the code: element(s), their text() nodes, or an attribute. */
export type Extraction = { kind: 'element' } | { kind: 'text' } | { kind: 'attribute'; name: string };

export function extractionOf(oldXPath: string): Extraction {
  const attr = /\/@([\w:-]+)\s*$/.exec(oldXPath);
  if (attr) return { kind: 'attribute', name: attr[1]! };
  if (/\/text\(\)\s*$/.test(oldXPath)) return { kind: 'text' };
  return { kind: 'element' };
}

export interface DerivedXPath {
  xpath: string;
  /** What the expression extracts on the page (first value). */
  value: string;
  /** Number of values it returns. */
  count: number;
  strategy: string;
}

const lit = (s: string) => (s.includes('"') ? `'${s}'` : `"${s}"`);

function ownLabel(el: Element): string {
  return el.nodeName.toLowerCase();
}

/** Elements whose text is the target (the smallest such elements; a containing block is not one). */
export function locate(doc: Document | Node, target: string, within?: Node): Element[] {
  const want = canonical(target);
  if (!want) return [];
  const hits: Element[] = [];
  for (const el of elements(within ?? doc)) {
    if (['script', 'style', 'head', 'title', 'meta'].includes(ownLabel(el))) continue;
    const text = canonical(textContent(el));
    if (text === want || (want.length >= 4 && text.includes(want) && text.length <= want.length * 3 + 20)) {
      // Keep the smallest: drop an earlier hit that contains this one.
      for (let i = hits.length - 1; i >= 0; i--) if (contains(hits[i]!, el)) hits.splice(i, 1);
      hits.push(el);
    }
  }
  return hits;
}

function contains(a: Node, b: Node): boolean {
  for (let n: Node | null = b.parentNode; n; n = n.parentNode) if (n === a) return true;
  return false;
}

const SEMANTIC_ATTRS = ['itemprop', 'property', 'data-field', 'data-name', 'name', 'role', 'data-testid'];

/** Candidate expressions that select `el` from the document root, most robust first. */
function candidatesFor(el: Element): Array<{ xpath: string; strategy: string }> {
  const tag = ownLabel(el);
  const out: Array<{ xpath: string; strategy: string }> = [];
  const id = el.getAttribute('id');
  if (id && !/\d{3,}/.test(id)) out.push({ xpath: `//${tag}[@id=${lit(id)}]`, strategy: 'id' });
  for (const a of SEMANTIC_ATTRS) {
    const v = el.getAttribute(a);
    if (v) out.push({ xpath: `//${tag}[@${a}=${lit(v)}]`, strategy: `attribute ${a}` });
  }
  const label = labelBefore(el);
  if (label) {
    const ltag = ownLabel(label.el);
    if (label.relation === 'sibling') {
      out.push({ xpath: `//${ltag}[normalize-space()=${lit(label.text)}]/following-sibling::${tag}[1]`, strategy: 'label sibling' });
    } else {
      const ptag = ownLabel(el.parentNode as Element);
      out.push({ xpath: `//${ptag}[${ltag}[normalize-space()=${lit(label.text)}]]/${tag}`, strategy: 'label in parent' });
    }
  }
  const cls = (el.getAttribute('class') ?? '').trim().replace(/\s+/g, ' ');
  if (cls) {
    out.push({ xpath: `//${tag}[@class=${lit(cls)}]`, strategy: 'class' });
    for (const token of cls.split(' ')) {
      out.push({ xpath: `//${tag}[contains(concat(" ", normalize-space(@class), " "), " ${token} ")]`, strategy: `class token ${token}` });
    }
  }
  // Anchored at the nearest ancestor with an id or class.
  for (let a = el.parentNode as Element | null; a && a.nodeType === 1; a = a.parentNode as Element | null) {
    const aid = a.getAttribute('id');
    const acls = (a.getAttribute('class') ?? '').trim().replace(/\s+/g, ' ');
    const anchor = aid ? `//${ownLabel(a)}[@id=${lit(aid)}]` : acls ? `//${ownLabel(a)}[@class=${lit(acls)}]` : null;
    if (anchor) {
      out.push({ xpath: `${anchor}//${tag}`, strategy: 'ancestor' });
      break;
    }
  }
  return out;
}

/** A label element ("Studio:", "Released:") just before the value: a previous sibling, or the parent's first child. */
function labelBefore(el: Element): { el: Element; text: string; relation: 'sibling' | 'parent' } | null {
  let prev = el.previousSibling;
  while (prev && prev.nodeType !== 1) {
    if (prev.nodeType === 3 && (prev.nodeValue ?? '').trim()) return null;
    prev = prev.previousSibling;
  }
  if (prev && prev.nodeType === 1) {
    const text = textContent(prev).trim().replace(/\s+/g, ' ');
    if (text.length > 0 && text.length <= 40 && /:\s*$/.test(text)) return { el: prev as Element, text, relation: 'sibling' };
  }
  return null;
}

/** Applies the old expression's extraction to a candidate element path. */
function withExtraction(base: string, extraction: Extraction): string {
  if (extraction.kind === 'text') return `${base}/text()`;
  if (extraction.kind === 'attribute') return `${base}/@${extraction.name}`;
  return base;
}

function check(doc: Node, xpath: string, expect: (values: string[]) => boolean): DerivedXPath | null {
  let values: string[];
  try {
    // Unfiltered: agent code takes `[0]`, so an empty first value is a wrong answer, not a skip.
    values = resultStrings(evaluate(xpath, doc));
  } catch {
    return null;
  }
  if (values.length === 0 || !expect(values)) return null;
  return { xpath, value: values[0]!, count: values.length, strategy: '' };
}

export interface DeriveOptions {
  html: string;
  /** The value that must come out (for attribute extraction: the text of the element that carries it). */
  target: string;
  oldXPath: string;
}

/**
 * Derives replacement expressions for a single-value XPath (a field of a film page). Every result was
 * checked: it extracts the target (or, for an attribute, the attribute of the element showing the
 * target) and exactly one value. Ranked by robustness; empty when the value is not on the page.
 */
export function deriveXPath(o: DeriveOptions): DerivedXPath[] {
  const doc = parseHtml(o.html);
  const extraction = extractionOf(o.oldXPath);
  const want = canonical(o.target);
  const found: DerivedXPath[] = [];
  const seen = new Set<string>();
  for (const el of locate(doc, o.target)) {
    const holders = extraction.kind === 'attribute' ? attributeHolders(el, extraction.name) : [el];
    for (const holder of holders) {
      for (const c of candidatesFor(holder)) {
        const xp = withExtraction(c.xpath, extraction);
        if (seen.has(xp)) continue;
        seen.add(xp);
        const expected = extraction.kind === 'attribute' ? holder.getAttribute(extraction.name) ?? '' : null;
        const r = check(doc, xp, (values) =>
          values.length === 1 && (expected !== null ? values[0] === expected.trim() : canonical(values[0]!).includes(want)),
        );
        if (r) found.push({ ...r, strategy: c.strategy });
      }
    }
  }
  return found;
}

/** The element carrying the attribute for a located value: itself, an ancestor link, or a descendant link. */
function attributeHolders(el: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let a: Node | null = el; a && a.nodeType === 1; a = a.parentNode) {
    if ((a as Element).getAttribute(name)) {
      out.push(a as Element);
      break;
    }
  }
  for (const d of elements(el)) if (d.getAttribute(name)) out.push(d);
  return out;
}

export interface DerivedList {
  /** Selects every result item on the search page. */
  list: string;
  /** How many items it selects. */
  items: number;
  /** Relative expressions (from an item) replacing each old relative expression, by old expression. */
  relative: Record<string, DerivedXPath | null>;
}

/**
 * Derives a result-list expression from a search page: the repeated container around the element that
 * shows `target` (siblings of the same tag and class), plus, for each old relative expression used on an
 * item (`./a/@href`, `.//h2/text()`), its replacement, checked on the item that holds the target.
 */
export function deriveListXPath(o: { html: string; target: string; relative: string[] }): DerivedList | null {
  const doc = parseHtml(o.html);
  for (const el of locate(doc, o.target)) {
    for (let item = el as Element; item.parentNode && item.parentNode.nodeType === 1; item = item.parentNode as Element) {
      const siblings = sameShapeSiblings(item);
      if (siblings < 2) continue;
      const tag = ownLabel(item);
      const cls = (item.getAttribute('class') ?? '').trim().replace(/\s+/g, ' ');
      const bases = cls
        ? [`//${tag}[@class=${lit(cls)}]`, ...cls.split(' ').map((t) => `//${tag}[contains(concat(" ", normalize-space(@class), " "), " ${t} ")]`)]
        : [`${pathTo(item.parentNode as Element)}/${tag}`];
      for (const list of bases) {
        let items: Node[];
        try {
          const v = evaluate(list, doc);
          items = Array.isArray(v) ? v : [];
        } catch {
          continue;
        }
        if (!items.includes(item) || items.length < 2) continue;
        const relative: Record<string, DerivedXPath | null> = {};
        for (const old of o.relative) relative[old] = deriveRelative(item, el, o.target, old);
        return { list, items: items.length, relative };
      }
    }
  }
  return null;
}

function sameShapeSiblings(el: Element): number {
  const parent = el.parentNode;
  if (!parent) return 0;
  const key = (n: Node) => (n.nodeType === 1 ? `${ownLabel(n as Element)}.${(n as Element).getAttribute('class') ?? ''}` : null);
  const mine = key(el);
  let n = 0;
  for (let c = parent.firstChild; c; c = c.nextSibling) if (key(c) === mine) n++;
  return n;
}

/** A plain path from the root to `el`, used only when nothing better identifies a list's parent. */
function pathTo(el: Element): string {
  const parts: string[] = [];
  for (let n: Node | null = el; n && n.nodeType === 1; n = n.parentNode) {
    const e = n as Element;
    const id = e.getAttribute('id');
    if (id) {
      parts.unshift(`/${ownLabel(e)}[@id=${lit(id)}]`);
      return '/' + parts.join('');
    }
    parts.unshift(`/${ownLabel(e)}`);
  }
  return parts.join('');
}

function deriveRelative(item: Element, shown: Element, target: string, old: string): DerivedXPath | null {
  const extraction = extractionOf(old);
  const want = canonical(target);
  const holders = extraction.kind === 'attribute' ? attributeHolders(shown, extraction.name) : [shown];
  const found: DerivedXPath[] = [];
  for (const holder of holders) {
    const steps: Array<[string, string]> = [];
    const tag = ownLabel(holder);
    const cls = (holder.getAttribute('class') ?? '').trim().replace(/\s+/g, ' ');
    if (cls) steps.push([`.//${tag}[@class=${lit(cls)}]`, 'class within item']);
    const parent = holder.parentNode as Element | null;
    const pcls = parent && parent.nodeType === 1 ? (parent.getAttribute('class') ?? '').trim().replace(/\s+/g, ' ') : '';
    if (parent && pcls && parent !== item) steps.push([`.//${ownLabel(parent)}[@class=${lit(pcls)}]/${tag}`, 'parent class within item']);
    steps.push([`.//${tag}`, 'tag within item']);
    for (const [base, strategy] of steps) {
      const xp = withExtraction(base, extraction);
      const expected = extraction.kind === 'attribute' ? holder.getAttribute(extraction.name)?.trim() : undefined;
      const r = check(item, xp, (values) => (expected !== undefined ? values[0] === expected : canonical(values[0]!).includes(want)));
      if (r) found.push({ ...r, strategy });
    }
  }
  // One match inside the item beats a first-of-several.
  found.sort((a, b) => Number(a.count !== 1) - Number(b.count !== 1));
  return found[0] ?? null;
}
