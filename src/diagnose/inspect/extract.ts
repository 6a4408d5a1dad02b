/**
 * One pass over one Python file's tree: the raw facts inspection needs (functions, assignments,
 * calls, xpath calls, header/cache settings, raises, `Prefs[…]` reads, named-group regexes,
 * normaliser evidence). Names are resolved later, at bundle level, where other files are known.
 * Relies on the PGMA / Plex framework API names (`HTTP.Request`, `HTML.ElementFromURL`,
 * `HTTP.Headers[…]`, `HTTP.CacheTime`, `Prefs[…]`), not on any particular agent.
 */
import type { SyntaxNode } from '../python/parser.ts';
import { endLineOf, lineOf, walk } from '../python/parser.ts';
import type {
  CacheTimeSetting,
  FunctionInfo,
  HeaderSetting,
  NormaliserSignal,
  PrefRead,
  RaiseSite,
  RegexSite,
  ValueExpr,
} from './types.ts';
import { literalString, toValue } from './values.ts';

/** The `func` of code at module level. */
export const MODULE_SCOPE = '<module>';

/** `target = value` (a plain name or an attribute target), where it is and what the value is. */
export interface AssignmentFact {
  /** Target as written: `url`, `self.session`. */
  readonly target: string;
  readonly line: number;
  readonly func: string;
  readonly value: ValueExpr;
  /** Callee text when the right-hand side is a call (`cfscrape.create_scraper`). */
  readonly callee: string | null;
  readonly text: string;
}

/** Any call, with its arguments as symbolic values and as source text. */
export interface CallFact {
  readonly line: number;
  readonly func: string;
  /** Callee text with whitespace removed: `HTML.ElementFromURL`, `utils.getHTTPRequest`. */
  readonly callee: string;
  readonly args: readonly ValueExpr[];
  readonly argTexts: readonly string[];
  readonly kwargs: Readonly<Record<string, ValueExpr>>;
  readonly kwTexts: Readonly<Record<string, string>>;
}

/** `receiver.xpath(arg)`. */
export interface XPathCallFact {
  readonly line: number;
  readonly func: string;
  readonly receiver: string;
  readonly arg: ValueExpr;
  readonly argText: string;
}

/** A function with enough normalisation evidence (see `normaliserSignals`). */
export interface NormaliserFact extends FunctionInfo {
  readonly signals: readonly NormaliserSignal[];
}

/** `from M import a, b as c` (`names`: local name → name in M) or `from M import *` (`star`). */
export interface ImportFact {
  readonly module: string;
  readonly names: Readonly<Record<string, string>>;
  readonly star: boolean;
}

/** Everything one pass finds in a file; serialisable, names not yet resolved. */
export interface FileFacts {
  readonly lines: number;
  readonly imports: ImportFact[];
  readonly syntaxErrors: { line: number; text: string }[];
  readonly functions: FunctionInfo[];
  readonly assignments: AssignmentFact[];
  readonly calls: CallFact[];
  readonly xpathCalls: XPathCallFact[];
  readonly headers: HeaderSetting[];
  /** The value expression of each entry of `headers` (same index), resolved at bundle level. */
  readonly headerValues: ValueExpr[];
  readonly cacheTimes: CacheTimeSetting[];
  readonly raises: RaiseSite[];
  readonly prefReads: PrefRead[];
  readonly regexes: RegexSite[];
  readonly normalisers: NormaliserFact[];
}

const squash = (s: string) => s.replace(/\s+/g, '');

/** Qualified name of the function enclosing `node`, cached per function node. */
function scopeNamer(): ((node: SyntaxNode) => string) & { qualified: (fn: SyntaxNode) => string } {
  const cache = new Map<number, string>();
  const nameOf = (fn: SyntaxNode): string => {
    const hit = cache.get(fn.id);
    if (hit) return hit;
    const parts: string[] = [];
    for (let p: SyntaxNode | null = fn; p; p = p.parent) {
      if (p.type === 'function_definition' || p.type === 'class_definition') {
        parts.unshift(p.childForFieldName('name')?.text ?? '?');
      }
    }
    const q = parts.join('.');
    cache.set(fn.id, q);
    return q;
  };
  const scopeOf = (node: SyntaxNode) => {
    for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition') return nameOf(p);
    return MODULE_SCOPE;
  };
  return Object.assign(scopeOf, { qualified: nameOf });
}

function paramNames(fn: SyntaxNode): string[] {
  const out: string[] = [];
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === 'identifier') out.push(p.text);
    else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') out.push(p.childForFieldName('name')?.text ?? '?');
    else if (p.type === 'typed_parameter') out.push(p.namedChildren[0]?.text ?? '?');
    else if (p.type === 'list_splat_pattern') out.push(`*${p.namedChildren[0]?.text ?? ''}`);
    else if (p.type === 'dictionary_splat_pattern') out.push(`**${p.namedChildren[0]?.text ?? ''}`);
  }
  return out;
}

const NORMALISER_NAME = /normali[sz]e|makeascii|sortalpha|stripdiacritic|cleantitle|cleansearch|tidytitle|standardi[sz]e|sanitis|romanto|toroman|arabic/i;
const SEARCH_STRING_NAME = /search(string|query|title)|cleansearch/i;
const CURLY = /[\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u2032\u2033`\u00b4]|\\u201[89cd]|\\u2032/;
const ROMAN = /\b(?:II|III|IV|VI|VII|VIII|IX|XI|XII)\b|\[IVXLCDM|roman/i;

/** Evidence in a function body that it normalises text (see {@link NormaliserSignal}). */
function normaliserSignals(fn: SyntaxNode, name: string): NormaliserSignal[] {
  const s = new Set<NormaliserSignal>();
  if (NORMALISER_NAME.test(name)) s.add('name');
  const body = fn.childForFieldName('body');
  if (!body) return [...s];
  walk(body, (n) => {
    if (n.type === 'function_definition') return false;
    if (n.type === 'call') {
      const callee = squash(n.childForFieldName('function')?.text ?? '');
      const args = n.childForFieldName('arguments');
      if (/(^|\.)unidecode$/.test(callee)) s.add('unidecode');
      if (/StripDiacritics$|unicodedata\.normalize$/.test(callee)) s.add('strip-diacritics');
      if (/\.lower$/.test(callee)) s.add('lowercase');
      if (callee === 'sorted' && /join|sorted/.test(n.parent?.text ?? '')) s.add('sorted-letters');
      if (/\.replace$/.test(callee) && args) {
        const first = literalString(args.namedChildren[0]);
        const second = literalString(args.namedChildren[1]);
        if (first !== null && CURLY.test(first)) s.add('quote-replacement');
        if (first !== null && first.trim() === '&' && /and/i.test(second ?? '')) s.add('ampersand');
      }
      if (/^re\.sub$/.test(callee) && args) {
        const pat = literalString(args.namedChildren[0]) ?? '';
        if (/\[\^|\\W|punctuation/.test(pat)) s.add('punctuation');
      }
    }
    if (n.type === 'string') {
      const v = n.text;
      if (CURLY.test(v) && /\breplace\b|translate|\bfor\b/.test(n.parent?.parent?.text.slice(0, 400) ?? '')) s.add('quote-replacement');
      if (ROMAN.test(v)) s.add('roman-numerals');
    }
    if (n.type === 'identifier' && /punctuation/.test(n.text)) s.add('punctuation');
    if (n.type === 'identifier' && /roman/i.test(n.text)) s.add('roman-numerals');
  });
  return [...s];
}

/** The named groups of a regex pattern. */
function regexGroups(pattern: string): string[] {
  return [...pattern.matchAll(/\(\?P<(\w+)>/g)].map((m) => m[1]!);
}

/** Extracts {@link FileFacts} from a parsed module. */
export function extractFacts(root: SyntaxNode): FileFacts {
  const scopeOf = scopeNamer();
  const facts: FileFacts = {
    lines: root.endPosition.row + 1,
    imports: [],
    syntaxErrors: [],
    functions: [],
    assignments: [],
    calls: [],
    xpathCalls: [],
    headers: [],
    headerValues: [],
    cacheTimes: [],
    raises: [],
    prefReads: [],
    regexes: [],
    normalisers: [],
  };
  walk(root, (n) => {
    switch (n.type) {
      case 'ERROR':
        facts.syntaxErrors.push({ line: lineOf(n), text: n.text.slice(0, 60) });
        return;
      case 'function_definition': {
        const name = n.childForFieldName('name')?.text ?? '?';
        const info: FunctionInfo = { name, qualifiedName: scopeOf.qualified(n), params: paramNames(n), line: lineOf(n), endLine: endLineOf(n) };
        facts.functions.push(info);
        const signals = normaliserSignals(n, name);
        if (signals.includes('name') || signals.filter((x) => x !== 'lowercase').length >= 2 || (SEARCH_STRING_NAME.test(name) && signals.length > 0)) {
          facts.normalisers.push({ ...info, signals });
        }
        return;
      }
      case 'assignment':
        onAssignment(n, facts, scopeOf);
        return;
      case 'import_from_statement': {
        const mod = n.childForFieldName('module_name');
        if (mod?.type !== 'dotted_name') return false;
        const names: Record<string, string> = {};
        for (const x of n.childrenForFieldName('name')) {
          if (!x) continue;
          if (x.type === 'aliased_import') names[x.childForFieldName('alias')?.text ?? '?'] = x.childForFieldName('name')?.text ?? '?';
          else names[x.text] = x.text;
        }
        facts.imports.push({ module: mod.text, names, star: n.namedChildren.some((c) => c?.type === 'wildcard_import') });
        return false;
      }
      case 'call':
        onCall(n, facts, scopeOf);
        return;
      case 'raise_statement':
        onRaise(n, facts, scopeOf);
        return;
      case 'subscript': {
        const value = n.childForFieldName('value');
        if (value?.type === 'identifier' && value.text === 'Prefs') {
          const key = literalString(n.childForFieldName('subscript'));
          if (key !== null) facts.prefReads.push({ line: lineOf(n), func: scopeOf(n), key });
        }
        return;
      }
      case 'string': {
        if (n.parent?.type === 'concatenated_string') return;
        const pattern = literalString(n);
        if (pattern && pattern.includes('(?P<')) onRegex(n, pattern, facts, scopeOf);
        return;
      }
      case 'concatenated_string': {
        const pattern = literalString(n);
        if (pattern && pattern.includes('(?P<')) onRegex(n, pattern, facts, scopeOf);
        return false;
      }
    }
  });
  return facts;
}

function onRegex(n: SyntaxNode, pattern: string, facts: FileFacts, scopeOf: (n: SyntaxNode) => string): void {
  const groups = regexGroups(pattern);
  if (groups.length === 0) return;
  const assign = n.parent?.type === 'assignment' ? n.parent.childForFieldName('left')?.text ?? null : null;
  const filename = groups.some((g) => /title/i.test(g)) && groups.some((g) => /studio/i.test(g));
  facts.regexes.push({ line: lineOf(n), func: scopeOf(n), assignedTo: assign, pattern, groups, filename });
}

function onAssignment(n: SyntaxNode, facts: FileFacts, scopeOf: (n: SyntaxNode) => string): void {
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  if (!left || !right) return;
  const func = scopeOf(n);
  const line = lineOf(n);
  if (left.type === 'subscript' && squash(left.childForFieldName('value')?.text ?? '') === 'HTTP.Headers') {
    const header = literalString(left.childForFieldName('subscript')) ?? left.childForFieldName('subscript')?.text ?? '?';
    facts.headers.push({ line, func, header, valueText: right.text, value: literalString(right) });
    facts.headerValues.push(toValue(right));
    return;
  }
  if (left.type === 'attribute' && squash(left.text) === 'HTTP.CacheTime') {
    facts.cacheTimes.push({ line, func, valueText: right.text });
    return;
  }
  if (left.type !== 'identifier' && left.type !== 'attribute') return;
  const callee = right.type === 'call' ? squash(right.childForFieldName('function')?.text ?? '') : null;
  facts.assignments.push({ target: squash(left.text), line, func, value: toValue(right), callee, text: n.text.slice(0, 200) });
}

function onCall(n: SyntaxNode, facts: FileFacts, scopeOf: (n: SyntaxNode) => string): void {
  const fn = n.childForFieldName('function');
  if (!fn) return;
  const callee = squash(fn.text);
  const argsNode = n.childForFieldName('arguments');
  const args: ValueExpr[] = [];
  const argTexts: string[] = [];
  const kwargs: Record<string, ValueExpr> = {};
  const kwTexts: Record<string, string> = {};
  for (const a of argsNode?.namedChildren ?? []) {
    if (!a || a.type === 'comment') continue;
    if (a.type === 'keyword_argument') {
      const name = a.childForFieldName('name')?.text ?? '?';
      const value = a.childForFieldName('value');
      kwargs[name] = toValue(value);
      kwTexts[name] = value?.text ?? '';
    } else {
      args.push(toValue(a));
      argTexts.push(a.text);
    }
  }
  const line = lineOf(n);
  const func = scopeOf(n);
  if (fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'xpath') {
    facts.xpathCalls.push({ line, func, receiver: squash(fn.childForFieldName('object')?.text ?? ''), arg: args[0] ?? { k: 'unknown', text: '' }, argText: argTexts[0] ?? '' });
    return;
  }
  if (callee === 'HTTP.SetHeader' && args.length >= 2) {
    const v = args[1]!;
    facts.headers.push({ line, func, header: args[0]!.k === 'str' ? args[0]!.v : argTexts[0]!, valueText: argTexts[1]!, value: v.k === 'str' ? v.v : null });
    facts.headerValues.push(v);
  }
  if (callee === 'HTTP.SetCacheTime' && argTexts[0]) facts.cacheTimes.push({ line, func, valueText: argTexts[0] });
  facts.calls.push({ line, func, callee, args, argTexts, kwargs, kwTexts });
}

function onRaise(n: SyntaxNode, facts: FileFacts, scopeOf: (n: SyntaxNode) => string): void {
  const first = n.namedChildren[0];
  if (!first) return;
  let exceptionType = first.text;
  let messageNode: SyntaxNode | null = null;
  if (first.type === 'call') {
    exceptionType = squash(first.childForFieldName('function')?.text ?? '');
    messageNode = first.childForFieldName('arguments')?.namedChildren[0] ?? null;
  } else if (first.type === 'expression_list') {
    // Python 2: raise E, "message"
    exceptionType = first.namedChildren[0]?.text ?? '';
    messageNode = first.namedChildren[1] ?? null;
  }
  const value = toValue(messageNode);
  const message = messageNode ? staticMessage(value) : null;
  facts.raises.push({ line: lineOf(n), func: scopeOf(n), exceptionType, message, messageText: messageNode?.text ?? '' });
}

/** A raise message with dynamic parts as `{?}`: literal text, `.format` templates, concatenations. */
function staticMessage(v: ValueExpr): string | null {
  switch (v.k) {
    case 'str':
      return v.v;
    case 'format': {
      const t = staticMessage(v.template);
      return t === null ? null : t.replace(/\{\d*(?:[:!][^{}]*)?\}|%[-#0 +]*\d*(?:\.\d+)?[sdrif]/g, '{?}');
    }
    case 'concat': {
      const parts = v.parts.map((p) => staticMessage(p) ?? '{?}');
      return parts.every((p) => p === '{?}') ? null : parts.join('');
    }
    default:
      return null;
  }
}
