/**
 * One shape for Plex's two wire formats. JSON answers (`Accept: application/json`) are
 * `{"MediaContainer": {attrs…, Child: [...]}}` with real numbers/booleans; XML answers (the default, and
 * the only format of the legacy System plug-in routes `/system/agents` and `/:/plugins/*`) are
 * `<MediaContainer attrs…><Child …/></MediaContainer>` with every attribute a string and booleans "0"/"1".
 * `parseXml` turns XML into the JSON shape (attributes as string fields, child elements as arrays named
 * after their tag), so each resource has ONE `parseX(body)` and the casts below absorb the differences
 * (ids as strings or numbers, omitted empty lists).
 */
import { XMLParser } from 'fast-xml-parser';

/** A JSON object as Plex sends it (or as parseXml builds it). */
export type Node = Record<string, unknown>;

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false as unknown as string,
  // Every element is a list, so one child and many children look the same.
  isArray: (_name, _jpath, _isLeaf, isAttribute) => !isAttribute,
});

/** Parses an XML body into the JSON shape: `{ RootTag: { attrs…, ChildTag: [ … ] } }`. Throws on malformed XML. */
export function parseXml(text: string): Node {
  const raw = xml.parse(text, true) as Record<string, unknown[]>;
  const out: Node = {};
  for (const [tag, value] of Object.entries(raw)) {
    if (Array.isArray(value) && value.length > 0) out[tag] = value[0];
  }
  return out;
}

/** `body.MediaContainer` (or another root), `{}` when absent. */
export function container(body: unknown, root = 'MediaContainer'): Node {
  if (body && typeof body === 'object') {
    const c = (body as Node)[root];
    if (c && typeof c === 'object' && !Array.isArray(c)) return c as Node;
  }
  return {};
}

/** Child elements named `tag` (omitted list → `[]`, a lone object → `[obj]`). */
export function list(node: Node | undefined, ...tags: string[]): Node[] {
  if (!node) return [];
  const out: Node[] = [];
  for (const tag of tags) {
    const v = node[tag];
    if (Array.isArray(v)) out.push(...(v.filter((x) => x && typeof x === 'object') as Node[]));
    else if (v && typeof v === 'object') out.push(v as Node);
  }
  return out;
}

/** One child object (JSON `Context:{…}` or XML `<Context/>` → `[{…}]`). */
export function child(node: Node | undefined, tag: string): Node | undefined {
  return list(node, tag)[0];
}

/** A string field (numbers become strings: `ratingKey` 55 and "55" are the same). */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A numeric field ("1579536593" and 1579536593 are the same); empty/non-numeric → undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A boolean field: JSON true/false, XML "1"/"0", "true"/"false". */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1' || v === 'true') return true;
  if (v === 0 || v === '0' || v === 'false') return false;
  return undefined;
}

/** Tag names of tag children (`Genre`, `Role`, `Director` …): `[{tag:"Action"}]` → `["Action"]`. */
export function tags(node: Node, tag: string): string[] {
  return list(node, tag)
    .map((t) => str(t.tag))
    .filter((t): t is string => t !== undefined && t !== '');
}
