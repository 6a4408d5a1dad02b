/**
 * Plex's response envelope, written once for both wire formats. A response is a tree of elements
 * (`MediaContainer` → `Directory`/`Video`/`Activity`/…); XML is Plex's default and JSON is sent when the
 * request has `Accept: application/json` (reference plex-api.md §1).
 *
 * Quirks reproduced from the recorded responses (fixtures/plex-api/):
 * - XML attributes are strings and booleans are `"0"`/`"1"`; JSON keeps numbers and real booleans
 *   (`"librarySectionID":1`, `"allowSync":true`), while values the server treats as strings stay strings
 *   (`"ratingKey":"108"`): the type of the value given here decides.
 * - In JSON, child elements become arrays named after their tag; an element may name a different JSON key
 *   (`Video` in XML is under `Metadata` in JSON). Empty lists are omitted (`{"MediaContainer":{"size":0}}`).
 * - `undefined` attributes are left out in both formats.
 */

/** One attribute value; `undefined` means "absent". */
export type Scalar = string | number | boolean | undefined;

/** One element of a Plex response. */
export interface Element {
  tag: string;
  /** JSON array name when it differs from the XML tag (`Video` → `Metadata`). */
  jsonKey?: string;
  /** In JSON, a single object rather than an array (`Activity.Context`). */
  single?: boolean;
  attrs: Record<string, Scalar>;
  children?: Element[];
}

/** Builds an element; a small helper so views read like the XML they produce. */
export function el(tag: string, attrs: Record<string, Scalar>, children: Element[] = [], jsonKey?: string): Element {
  return jsonKey === undefined ? { tag, attrs, children } : { tag, attrs, children, jsonKey };
}

/** A `MediaContainer` whose `size` is the number of its children unless given. */
export function mediaContainer(attrs: Record<string, Scalar>, children: Element[] = []): Element {
  return el('MediaContainer', { size: children.length, ...attrs }, children);
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;',
};

function escapeAttr(value: string): string {
  return value.replace(/[&<>"\n\r\t]/g, (c) => XML_ESCAPES[c]!);
}

function xmlValue(value: Exclude<Scalar, undefined>): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return escapeAttr(String(value));
}

function elementToXml(node: Element, out: string[]): void {
  const attrs = Object.entries(node.attrs)
    .filter((e): e is [string, Exclude<Scalar, undefined>] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlValue(v)}"`)
    .join('');
  const children = node.children ?? [];
  if (children.length === 0) {
    out.push(`<${node.tag}${attrs} />`);
    return;
  }
  out.push(`<${node.tag}${attrs}>`);
  for (const child of children) elementToXml(child, out);
  out.push(`</${node.tag}>`);
}

/** Serialises a tree as Plex does: an XML declaration, then one element per line. */
export function toXml(root: Element): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  elementToXml(root, out);
  return out.join('\n') + '\n';
}

function elementToJson(node: Element): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.attrs)) if (v !== undefined) obj[k] = v;
  for (const child of node.children ?? []) {
    const key = child.jsonKey ?? child.tag;
    if (child.single) {
      obj[key] = elementToJson(child);
      continue;
    }
    const list = (obj[key] as unknown[] | undefined) ?? [];
    list.push(elementToJson(child));
    obj[key] = list;
  }
  return obj;
}

/** Serialises a tree as Plex's JSON: `{"<RootTag>": {attributes…, "<Child>": [...]}}`. */
export function toJson(root: Element): string {
  return JSON.stringify({ [root.jsonKey ?? root.tag]: elementToJson(root) });
}

/** The JSON form without the outer wrapper, used inside notification frames. */
export function toJsonObject(node: Element): Record<string, unknown> {
  return elementToJson(node);
}

/** Whether the client asked for JSON (`Accept: application/json`), as Plex decides. */
export function wantsJson(accept: string | undefined): boolean {
  return typeof accept === 'string' && /\bapplication\/json\b/i.test(accept);
}
