/**
 * Static values of Python expressions: string literals (Python 2 prefixes and escapes), constants,
 * concatenation, `'…'.format(…)` and `%` formatting, conditional expressions. What cannot be known
 * statically becomes `{?}` in the resolved text, so a URL template still yields its host.
 */
import type { SyntaxNode } from '../python/parser.ts';
import type { ValueExpr } from './types.ts';

const UNKNOWN = '{?}';

/** Decodes one Python string literal node (`string`), honouring r/u/b prefixes and common escapes. */
export function stringValue(node: SyntaxNode): string {
  const start = node.children.find((c) => c?.type === 'string_start')?.text ?? '"';
  const raw = /r/i.test(start.replace(/["']/g, ''));
  let out = '';
  for (const c of node.children) {
    if (!c) continue;
    if (c.type === 'string_content') {
      // string_content may contain escape_sequence children; decode them in place
      let pos = c.startIndex;
      for (const e of c.children) {
        if (!e) continue;
        out += c.text.slice(pos - c.startIndex, e.startIndex - c.startIndex);
        out += e.type === 'escape_sequence' && !raw ? decodeEscape(e.text) : e.text;
        pos = e.endIndex;
      }
      out += c.text.slice(pos - c.startIndex);
    } else if (c.type === 'escape_sequence') {
      out += raw ? c.text : decodeEscape(c.text);
    } else if (c.type === 'interpolation') {
      out += UNKNOWN;
    }
  }
  return out;
}

function decodeEscape(esc: string): string {
  const c = esc[1];
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '\\':
    case "'":
    case '"':
      return c;
    case 'x':
      return String.fromCharCode(parseInt(esc.slice(2), 16));
    case 'u':
    case 'U':
      return String.fromCodePoint(parseInt(esc.slice(2), 16));
    case '\n':
      return '';
    default:
      return esc;
  }
}

/** True for string and implicitly concatenated strings. */
export function isStringNode(node: SyntaxNode | null | undefined): boolean {
  return node?.type === 'string' || node?.type === 'concatenated_string';
}

/** The literal value of a string or concatenated string node, else null. */
export function literalString(node: SyntaxNode | null | undefined): string | null {
  if (!node) return null;
  if (node.type === 'string') return stringValue(node);
  if (node.type === 'concatenated_string') return node.namedChildren.map((c) => (c ? stringValue(c) : '')).join('');
  if (node.type === 'parenthesized_expression' && node.namedChildren.length === 1) return literalString(node.namedChildren[0]);
  return null;
}

/** Turns an expression node into a symbolic {@link ValueExpr}. */
export function toValue(node: SyntaxNode | null | undefined): ValueExpr {
  if (!node) return { k: 'unknown', text: '' };
  const lit = literalString(node);
  if (lit !== null) return { k: 'str', v: lit };
  switch (node.type) {
    case 'identifier':
      return { k: 'name', n: node.text };
    case 'parenthesized_expression':
      return node.namedChildren.length === 1 ? toValue(node.namedChildren[0]) : { k: 'unknown', text: node.text };
    case 'attribute': {
      const obj = node.childForFieldName('object');
      const attr = node.childForFieldName('attribute');
      if (obj?.type === 'identifier' && attr) return { k: 'attr', obj: obj.text, n: attr.text };
      break;
    }
    case 'binary_operator': {
      const op = node.childForFieldName('operator')?.type;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (op === '+') return { k: 'concat', parts: [...flattenConcat(toValue(left)), ...flattenConcat(toValue(right))] };
      if (op === '%') {
        const args = right?.type === 'tuple' ? right.namedChildren.map((c) => toValue(c)) : [toValue(right)];
        return { k: 'format', template: toValue(left), args: args.map((a) => a) };
      }
      break;
    }
    case 'conditional_expression': {
      const [a, , b] = node.namedChildren;
      return { k: 'cond', options: [toValue(a), toValue(b)] };
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'format') {
        const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a && a.type !== 'keyword_argument');
        return { k: 'format', template: toValue(fn.childForFieldName('object')), args: args.map((a) => toValue(a)) };
      }
      break;
    }
  }
  return { k: 'unknown', text: node.text.length > 120 ? `${node.text.slice(0, 117)}...` : node.text };
}

function flattenConcat(v: ValueExpr): ValueExpr[] {
  return v.k === 'concat' ? [...v.parts] : [v];
}

/**
 * Names a value reads: `name` nodes, and the identifiers of expressions kept as text. With `leading`,
 * only a leading identifier that is passed on as text counts (`url.replace(…)`, `url.strip()` read
 * `url`; `json.loads(m.id)`, `film.xpath(…)[0]`, `d['k']` read nothing): a URL wrapper passes its
 * parameter on, it does not compute a URL from an object.
 */
export function namesIn(v: ValueExpr, out: Set<string> = new Set(), leading = false): Set<string> {
  switch (v.k) {
    case 'name':
      out.add(v.n);
      break;
    case 'concat':
      v.parts.forEach((p) => namesIn(p, out, leading));
      break;
    case 'format':
      namesIn(v.template, out, leading);
      v.args.forEach((a) => namesIn(a, out, leading));
      break;
    case 'cond':
      v.options.forEach((o) => namesIn(o, out, leading));
      break;
    case 'unknown':
      if (leading) {
        const m = /^\s*\(?\s*([A-Za-z_]\w*)\s*(?:\.\s*(?:replace|strip|rstrip|lstrip|encode|decode|lower|format)\s*\(|\)?\s*$)/.exec(v.text);
        if (m) out.add(m[1]!);
      } else for (const m of v.text.matchAll(/\b[A-Za-z_]\w*\b/g)) out.add(m[0]);
      break;
  }
  return out;
}

/**
 * What a name can be bound to: each binding's value, and the resolver for names inside that value
 * (the scope and line of ITS assignment, so `url = BASE + url` reads the earlier `url`, and
 * `utils.SEARCH_URL` reads `utils`' own constants). Empty = unknown (a parameter, a call result).
 */
export type NameResolver = (v: { k: 'name'; n: string } | { k: 'attr'; obj: string; n: string }) => readonly { readonly value: ValueExpr; readonly resolver: NameResolver }[];

const MAX_RESULTS = 8;

/**
 * All strings a value can be (at most 8), `{?}` marking unknown parts. Resolution depth is bounded so
 * self-referencing assignments in loops terminate.
 */
export function resolveStrings(v: ValueExpr, resolve: NameResolver, depth = 0): string[] {
  if (depth > 8) return [UNKNOWN];
  switch (v.k) {
    case 'str':
      return [v.v];
    case 'name':
    case 'attr': {
      const bindings = resolve(v);
      if (bindings.length === 0) return [UNKNOWN];
      return dedupe(bindings.flatMap((b) => resolveStrings(b.value, b.resolver, depth + 1)));
    }
    case 'concat': {
      let acc = [''];
      for (const p of v.parts) {
        const next = resolveStrings(p, resolve, depth + 1);
        acc = dedupe(acc.flatMap((a) => next.map((n) => a + n)));
      }
      return acc;
    }
    case 'format': {
      const templates = resolveStrings(v.template, resolve, depth + 1);
      const args = v.args.map((a) => resolveStrings(a, resolve, depth + 1)[0] ?? UNKNOWN);
      return dedupe(templates.map((t) => applyFormat(t, args)));
    }
    case 'cond':
      return dedupe(v.options.flatMap((o) => resolveStrings(o, resolve, depth + 1)));
    case 'unknown':
      return [UNKNOWN];
  }
}

/** Substitutes `{0}`/`{}`/`%s` placeholders with known arguments; unknown ones stay `{?}`. */
function applyFormat(template: string, args: string[]): string {
  let auto = 0;
  let out = template.replace(/\{(\d*)(?:[:!][^{}]*)?\}/g, (m, idx: string) => {
    if (m === UNKNOWN) return m;
    const i = idx === '' ? auto++ : Number(idx);
    return args[i] ?? UNKNOWN;
  });
  let p = 0;
  out = out.replace(/%[-#0 +]*\d*(?:\.\d+)?[sdrif]/g, () => args[p++] ?? UNKNOWN);
  return out;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)].slice(0, MAX_RESULTS);
}

/** The lower-case host of an absolute http(s) URL or URL template, or null. */
export function hostOf(url: string): string | null {
  const m = /^\s*https?:\/\/([^/?#{}\s:]+)/i.exec(url);
  return m ? m[1]!.toLowerCase() : null;
}

/** Distinct hosts of several URLs. */
export function hostsOf(urls: readonly string[]): string[] {
  return [...new Set(urls.map(hostOf).filter((h): h is string => h !== null))];
}
