/**
 * Bundle-level resolution: which calls fetch URLs (the Plex framework's `HTTP.Request`,
 * `HTML.ElementFromURL`, `JSON.ObjectFromURL`, `XML.ElementFromURL`; `requests`; cfscrape /
 * cloudscraper sessions; urllib), which functions are WRAPPERS around them (a function that requests
 * its own parameter, like PGMA's `utils.getHTTPRequest(url, …)`, followed two levels), and what URL and
 * host each call site can reach, through local variables, module constants and other modules of the
 * same bundle (`utils.IAFD_BASE`).
 */
import type { AssignmentFact, CallFact, FileFacts } from './extract.ts';
import { MODULE_SCOPE } from './extract.ts';
import type { RequestKind, RequestSite, UrlConstant, ValueExpr, WrapperInfo, XPathSite } from './types.ts';
import { hostsOf, namesIn, resolveStrings, type NameResolver } from './values.ts';

/** A code file of a bundle: its module name (`utils`, `__init__`) and facts. */
export interface ModuleFacts {
  readonly module: string;
  readonly path: string;
  readonly facts: FileFacts;
}

/** Framework calls that fetch their first argument (Plex Framework API, `Framework/api/*kit.py`). */
const FRAMEWORK_FETCH = new Set([
  'HTTP.Request',
  'HTTP.PreCache',
  'HTML.ElementFromURL',
  'HTML.StringFromURL',
  'JSON.ObjectFromURL',
  'XML.ElementFromURL',
  'XML.ObjectFromURL',
  'RSS.FeedFromURL',
  'YAML.ObjectFromURL',
  'Plist.ObjectFromURL',
]);
const REQUESTS_FETCH = /^requests\.(get|post|head|put|patch|delete|options)$/;
const URLLIB_FETCH = /^(urllib2|urllib|urllib\.request)\.(urlopen|Request)$/;
const SESSION_FACTORY = /^(cfscrape|cloudscraper)\.(create_scraper|CloudflareScraper|create_session|session)$|^requests\.(Session|session)$/;
const SESSION_CHAIN = /^((?:cfscrape|cloudscraper)\.create_scraper|requests\.Session)\(.*\)\.(get|post|head|request)$/;
const SESSION_METHOD = /^(.+)\.(get|post|head|put|request)$/;

/** Per-module index of assignments by scope and target. */
class AssignmentIndex {
  private readonly byKey = new Map<string, AssignmentFact[]>();
  constructor(assignments: readonly AssignmentFact[]) {
    for (const a of assignments) {
      const key = `${a.func}\u0000${a.target}`;
      const list = this.byKey.get(key);
      if (list) list.push(a);
      else this.byKey.set(key, [a]);
    }
  }
  get(func: string, target: string): readonly AssignmentFact[] {
    return this.byKey.get(`${func}\u0000${target}`) ?? [];
  }
}

/** Everything needed to resolve names inside one bundle. */
export class BundleScope {
  private readonly index = new Map<string, AssignmentIndex>();
  private readonly byModule = new Map<string, ModuleFacts>();
  private readonly params = new Map<string, Map<string, readonly string[]>>();
  constructor(readonly modules: readonly ModuleFacts[]) {
    for (const m of modules) {
      this.byModule.set(m.module, m);
      this.index.set(m.module, new AssignmentIndex(m.facts.assignments));
      this.params.set(m.module, new Map(m.facts.functions.map((f) => [f.qualifiedName, f.params])));
    }
  }

  module(name: string): ModuleFacts | undefined {
    return this.byModule.get(name);
  }

  paramsOf(module: string, func: string): readonly string[] {
    return this.params.get(module)?.get(func) ?? [];
  }

  /** Assignments a name can come from at `line` of `func` in `module`: local (earlier first), else module level. */
  assignmentsFor(module: string, func: string, name: string, line: number): readonly AssignmentFact[] {
    const idx = this.index.get(module);
    if (!idx) return [];
    if (func !== MODULE_SCOPE) {
      const local = idx.get(func, name);
      if (local.length) {
        const before = local.filter((a) => a.line < line);
        return before.length ? before : local;
      }
      if (this.paramsOf(module, func).includes(name)) return [];
      return idx.get(MODULE_SCOPE, name);
    }
    // module level runs top to bottom: only earlier assignments
    return idx.get(MODULE_SCOPE, name).filter((a) => a.line < line);
  }

  /**
   * A resolver for names read at `line` of `func` in `module`: local assignments before the line (all
   * of them when none is before: loops), else nothing for a parameter, else module-level constants;
   * `other.NAME` reads module `other`'s constants. Each binding resolves its own names where it was
   * assigned.
   */
  resolver(module: string, func: string, line: number): NameResolver {
    return (v) => {
      if (v.k === 'name') {
        const own = this.assignmentsFor(module, func, v.n, line);
        if (own.length || this.paramsOf(module, func).includes(v.n)) {
          return own.map((a) => ({ value: a.value, resolver: this.resolver(module, a.func, a.line) }));
        }
        // `from utils import BASE_URL` / `from utils import *`
        for (const imp of this.byModule.get(module)?.facts.imports ?? []) {
          const original = imp.names[v.n] ?? (imp.star ? v.n : undefined);
          if (!original || !this.byModule.has(imp.module) || imp.module === module) continue;
          const theirs = this.assignmentsFor(imp.module, MODULE_SCOPE, original, Number.MAX_SAFE_INTEGER);
          if (theirs.length) return theirs.map((a) => ({ value: a.value, resolver: this.resolver(imp.module, MODULE_SCOPE, a.line) }));
        }
        return [];
      }
      if (v.obj === module || !this.byModule.has(v.obj)) return [];
      return this.assignmentsFor(v.obj, MODULE_SCOPE, v.n, Number.MAX_SAFE_INTEGER).map((a) => ({ value: a.value, resolver: this.resolver(v.obj, MODULE_SCOPE, a.line) }));
    };
  }

  /** Names a value passes on (leading names), following local assignments up to 3 steps (wrapper detection). */
  dependsOn(module: string, func: string, value: ValueExpr, line: number): Set<string> {
    const seen = new Set<string>();
    let frontier = [...namesIn(value, new Set(), true)];
    for (let step = 0; step < 4 && frontier.length; step++) {
      const next: string[] = [];
      for (const n of frontier) {
        if (seen.has(n)) continue;
        seen.add(n);
        for (const a of this.index.get(module)?.get(func, n) ?? []) if (a.line <= line) next.push(...namesIn(a.value, new Set(), true));
      }
      frontier = next;
    }
    return seen;
  }
}

/** A call that fetches a URL, before resolution. */
interface FetchCall {
  readonly call: CallFact;
  readonly kind: RequestKind;
  readonly url: ValueExpr | undefined;
  readonly urlText: string;
  readonly wrapper?: WrapperInfo;
}

function sessionNames(facts: FileFacts): Set<string> {
  const out = new Set<string>();
  for (const a of facts.assignments) if (a.callee && SESSION_FACTORY.test(a.callee)) out.add(a.target);
  return out;
}

function arg(call: CallFact, index: number, keyword: string): { value: ValueExpr | undefined; text: string } {
  if (call.args[index]) return { value: call.args[index], text: call.argTexts[index] ?? '' };
  return { value: call.kwargs[keyword], text: call.kwTexts[keyword] ?? '' };
}

/** Classifies the direct (non-wrapper) fetch calls of a module. */
export function directFetches(m: ModuleFacts): FetchCall[] {
  const sessions = sessionNames(m.facts);
  const out: FetchCall[] = [];
  for (const call of m.facts.calls) {
    const c = call.callee;
    let kind: RequestKind | null = null;
    let index = 0;
    if (FRAMEWORK_FETCH.has(c)) kind = 'framework';
    else if (REQUESTS_FETCH.test(c)) kind = 'requests';
    else if (c === 'requests.request') [kind, index] = ['requests', 1];
    else if (URLLIB_FETCH.test(c)) kind = 'urllib';
    else if (SESSION_CHAIN.test(c)) kind = /^requests/.test(c) ? 'requests' : 'scraper';
    else {
      const sm = SESSION_METHOD.exec(c);
      if (sm && sessions.has(sm[1]!)) {
        kind = 'scraper';
        if (sm[2] === 'request') index = 1;
        const factory = m.facts.assignments.find((a) => a.target === sm[1] && a.callee)?.callee ?? '';
        if (/^requests/.test(factory)) kind = 'requests';
      }
    }
    if (!kind) continue;
    const { value, text } = arg(call, index, 'url');
    out.push({ call, kind, url: value, urlText: text });
  }
  return out;
}

/**
 * Resolves a call's callee to a wrapper of the bundle: `getHTTPRequest` (same module, or imported with
 * `from utils import getHTTPRequest` / `from utils import *`) or `utils.getHTTPRequest`.
 */
function wrapperFor(callee: string, m: ModuleFacts, wrappers: readonly WrapperInfo[]): WrapperInfo | undefined {
  const dot = callee.lastIndexOf('.');
  const find = (owner: string, name: string) => wrappers.find((w) => w.name === name && w.qualifiedName === name && moduleOfFile(w.file) === owner);
  if (dot >= 0) return find(callee.slice(0, dot), callee.slice(dot + 1));
  const local = find(m.module, callee);
  if (local) return local;
  for (const imp of m.facts.imports ?? []) {
    const original = imp.names[callee];
    if (original) return find(imp.module, original);
    if (imp.star) {
      const w = find(imp.module, callee);
      if (w) return w;
    }
  }
  return undefined;
}

/** Module name of a code file path (`Contents/Code/utils.py` → `utils`). */
export function moduleOfFile(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.py$/, '');
}

/**
 * Finds wrapper functions in a bundle: depth 1 requests a value derived from one of its parameters;
 * depth 2 passes one of its parameters to a depth-1 wrapper as the URL. Module-level functions only.
 */
export function findWrappers(scope: BundleScope): WrapperInfo[] {
  const wrappers: WrapperInfo[] = [];
  const consider = (m: ModuleFacts, func: string, url: ValueExpr | undefined, line: number, depth: number) => {
    if (!url || func === MODULE_SCOPE || func.includes('.')) return;
    if (wrappers.some((w) => w.qualifiedName === func && w.file === m.path)) return;
    const params = scope.paramsOf(m.module, func);
    const deps = scope.dependsOn(m.module, func, url, line);
    const index = params.findIndex((p) => p !== 'self' && deps.has(p));
    if (index < 0) return;
    // the parameter must be (the start of) the URL, not a search term appended to a known site
    const resolved = resolveStrings(url, scope.resolver(m.module, func, line));
    if (!resolved.some((u) => u.startsWith('{?}'))) return;
    const fn = m.facts.functions.find((f) => f.qualifiedName === func);
    wrappers.push({ name: func, qualifiedName: func, file: m.path, line: fn?.line ?? line, urlParam: params[index]!, paramIndex: index, depth });
  };
  for (const m of scope.modules) for (const f of directFetches(m)) consider(m, f.call.func, f.url, f.call.line, 1);
  const depth1 = [...wrappers];
  for (const m of scope.modules) {
    for (const call of m.facts.calls) {
      const w = wrapperFor(call.callee, m, depth1);
      if (!w) continue;
      consider(m, call.func, arg(call, w.paramIndex, w.urlParam).value, call.line, 2);
    }
  }
  return wrappers;
}

/** URL constants of a module: module-level names whose value resolves to an http(s) URL. */
export function urlConstants(scope: BundleScope, m: ModuleFacts): UrlConstant[] {
  const out: UrlConstant[] = [];
  for (const a of m.facts.assignments) {
    if (a.func !== MODULE_SCOPE || a.target.includes('.')) continue;
    const values = resolveStrings(a.value, scope.resolver(m.module, MODULE_SCOPE, a.line)).filter((v) => /https?:\/\//i.test(v));
    if (values.length === 0) continue;
    out.push({ name: a.target, line: a.line, value: values[0]!, hosts: hostsOf(values) });
  }
  return out;
}

/** Names each function reads (in assignments, call arguments and xpath arguments). */
function namesReferencedBy(facts: FileFacts): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (func: string, v: ValueExpr | undefined) => {
    if (!v) return;
    let set = out.get(func);
    if (!set) out.set(func, (set = new Set()));
    namesIn(v, set);
  };
  for (const a of facts.assignments) add(a.func, a.value);
  for (const c of facts.calls) {
    c.args.forEach((v) => add(c.func, v));
    Object.values(c.kwargs).forEach((v) => add(c.func, v));
  }
  for (const x of facts.xpathCalls) add(x.func, x.arg);
  return out;
}

/** Every request site of a module, resolved: direct fetches and calls to the bundle's wrappers. */
export function requestSites(scope: BundleScope, m: ModuleFacts, wrappers: readonly WrapperInfo[], constants: readonly UrlConstant[]): RequestSite[] {
  const fetches: FetchCall[] = directFetches(m);
  for (const call of m.facts.calls) {
    const w = wrapperFor(call.callee, m, wrappers);
    if (!w) continue;
    const { value, text } = arg(call, w.paramIndex, w.urlParam);
    fetches.push({ call, kind: 'wrapper', url: value, urlText: text, wrapper: w });
  }
  const referenced = namesReferencedBy(m.facts);
  const likely = (func: string): string[] => {
    const names = func === MODULE_SCOPE ? null : referenced.get(func);
    const used = constants.filter((c) => !names || names.has(c.name));
    return [...new Set(used.flatMap((c) => c.hosts))];
  };
  const sites = fetches.map((f): RequestSite => {
    const resolved = f.url ? resolveStrings(f.url, scope.resolver(m.module, f.call.func, f.call.line)) : [];
    const urls = resolved.filter((u) => u.replace(/\{\?\}/g, '').trim() !== '');
    const hosts = hostsOf(urls);
    const inside = wrappers.find((w) => w.file === m.path && w.qualifiedName === f.call.func && f.url && scope.dependsOn(m.module, f.call.func, f.url, f.call.line).has(w.urlParam));
    return {
      line: f.call.line,
      func: f.call.func,
      callee: f.call.callee,
      kind: f.kind,
      urlText: f.urlText,
      urls,
      hosts,
      likelyHosts: hosts.length || inside ? [] : likely(f.call.func),
      keywords: f.call.kwTexts,
      ...(f.wrapper ? { wrapper: { name: f.wrapper.name, depth: f.wrapper.depth } } : {}),
      ...(inside ? { insideWrapper: inside.name } : {}),
    };
  });
  return sites.sort((a, b) => a.line - b.line);
}

/** XPath sites of a module with their expressions resolved (literal, constant or local name). */
export function xpathSites(scope: BundleScope, m: ModuleFacts): XPathSite[] {
  return m.facts.xpathCalls.map((x) => {
    const values = resolveStrings(x.arg, scope.resolver(m.module, x.func, x.line));
    const known = values.filter((v) => v !== '{?}');
    const from = scope.assignmentsFor(m.module, x.func, x.receiver, x.line + 1).filter((a) => a.func === x.func && a.line <= x.line).at(-1);
    return {
      line: x.line,
      func: x.func,
      expression: known[0] ?? null,
      expressionText: x.argText,
      receiver: x.receiver,
      ...(from ? { receiverFrom: { line: from.line, text: from.text } } : {}),
    };
  });
}
