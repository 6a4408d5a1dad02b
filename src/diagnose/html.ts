/**
 * HTML pages as agents see them: parsed leniently (no implied <tbody>, as libxml2's HTML parser that
 * lxml uses inside Plex does not add one) into a W3C DOM, queried with a complete XPath 1.0 engine
 * (the `xpath` package). Used by XPath repair to read the current page and check the expression it
 * derives. Results are shaped like lxml's: nodes, strings (for text() and @attr), numbers, booleans.
 */
import { DOMImplementation, type Document, type Element, type Node } from '@xmldom/xmldom';
import { Parser } from 'htmlparser2';
import * as xpath from 'xpath';

/** HTML elements that never have content (they close themselves). */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

/** Parses an HTML page into a DOM document with lower-case element names and no namespace. */
export function parseHtml(html: string): Document {
  const doc = new DOMImplementation().createDocument(null, 'html', null);
  const root = doc.documentElement!;
  const stack: Node[] = [root];
  let sawHtml = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'html' && !sawHtml) {
          sawHtml = true;
          for (const [k, v] of Object.entries(attrs)) safeSetAttribute(root, k, v);
          return;
        }
        const el = doc.createElement(name);
        for (const [k, v] of Object.entries(attrs)) safeSetAttribute(el, k, v);
        stack[stack.length - 1]!.appendChild(el);
        if (!VOID.has(name)) stack.push(el);
      },
      ontext(text) {
        const parent = stack[stack.length - 1]!;
        const last = parent.lastChild;
        if (last && last.nodeType === 3) (last as unknown as { appendData(s: string): void }).appendData(text);
        else parent.appendChild(doc.createTextNode(text));
      },
      oncomment(text) {
        stack[stack.length - 1]!.appendChild(doc.createComment(text));
      },
      onclosetag(name, implied) {
        if (name === 'html' || VOID.has(name)) return;
        // Close up to the matching open element; an unmatched closing tag is ignored, as lenient parsers do.
        for (let i = stack.length - 1; i > 0; i--) {
          if ((stack[i] as Element).nodeName === name) {
            stack.length = i;
            return;
          }
        }
        void implied;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return doc;
}

function safeSetAttribute(el: Element, name: string, value: string): void {
  // Attribute names a DOM refuses (e.g. `"` or `@click` leftovers) are dropped; they never matter for XPath.
  if (/^[A-Za-z_:][-A-Za-z0-9_:.]*$/.test(name)) el.setAttribute(name, value);
}

export type XPathValue = Node[] | string | number | boolean;

/** Evaluates an XPath 1.0 expression; throws a SyntaxError-like Error for a malformed expression. */
export function evaluate(expression: string, context: Node | Document): XPathValue {
  const result = xpath.select(expression, context as never);
  if (Array.isArray(result)) return result as unknown as Node[];
  return result as string | number | boolean;
}

const EMPTY = new DOMImplementation().createDocument(null, 'html', null);

/** True when the expression parses (and evaluates on an empty page) as XPath 1.0. */
export function isValidXPath(expression: string): boolean {
  try {
    xpath.select(expression, EMPTY as never);
    return true;
  } catch {
    return false;
  }
}

/** The string value of a node as lxml's text_content() gives it (all descendant text). */
export function textContent(node: Node): string {
  if (node.nodeType === 2 || node.nodeType === 3 || node.nodeType === 8) return node.nodeValue ?? '';
  let out = '';
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3) out += c.nodeValue ?? '';
    else if (c.nodeType === 1) out += textContent(c);
  }
  return out;
}

/** Values of an XPath result as strings, the way agent code reads them (`[0].text_content().strip()`). */
export function resultStrings(value: XPathValue): string[] {
  if (Array.isArray(value)) return value.map((n) => textContent(n).trim());
  return [String(value).trim()];
}

/** Every element of the document, in document order. */
export function* elements(node: Node): Generator<Element> {
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) {
      yield c as Element;
      yield* elements(c);
    }
  }
}
