/**
 * The shapes code inspection produces. Everything here is plain JSON: a {@link BundleInspection} can be
 * written next to a diagnostic report and read back. Lines are 1-based; `func` is the enclosing
 * function's qualified name (`AEBN.search`, `getHTTPRequest`) or `<module>` for module level.
 */

/**
 * A value expression, kept symbolic so names can be resolved later across files (`utils.IAFD_BASE`)
 * and within a function (`searchQuery = BASE_SEARCH_URL.format(t)`).
 */
export type ValueExpr =
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'name'; readonly n: string }
  | { readonly k: 'attr'; readonly obj: string; readonly n: string }
  | { readonly k: 'concat'; readonly parts: readonly ValueExpr[] }
  | { readonly k: 'format'; readonly template: ValueExpr; readonly args: readonly ValueExpr[] }
  | { readonly k: 'cond'; readonly options: readonly ValueExpr[] }
  | { readonly k: 'unknown'; readonly text: string };

/** A function or method definition. */
export interface FunctionInfo {
  readonly name: string;
  /** `Class.method` for methods, `outer.inner` for nested functions. */
  readonly qualifiedName: string;
  readonly params: readonly string[];
  readonly line: number;
  readonly endLine: number;
}

/** How a call site reaches the network. */
export type RequestKind = 'framework' | 'requests' | 'scraper' | 'urllib' | 'wrapper';

/** A call that fetches a URL. */
export interface RequestSite {
  readonly line: number;
  readonly func: string;
  /** The callee as written, e.g. `HTML.ElementFromURL`, `utils.getHTTPRequest`, `scraper.get`. */
  readonly callee: string;
  readonly kind: RequestKind;
  /** The URL argument's source text. */
  readonly urlText: string;
  /** What the URL can be, `{?}` standing for parts not known statically (empty when nothing is). */
  readonly urls: readonly string[];
  /** Hosts the URLs resolve to (lower case). */
  readonly hosts: readonly string[];
  /**
   * When `hosts` is empty (URL not known statically, e.g. `FILMDICT['FilmURL']`): hosts of the URL
   * constants the enclosing function reads (a guess, said so). Empty inside wrappers.
   */
  readonly likelyHosts: readonly string[];
  /** Keyword arguments by name, as source text: timeout, sleep, cacheTime, headers, … */
  readonly keywords: Readonly<Record<string, string>>;
  /** For `kind: 'wrapper'`: the wrapper called and how many levels it is above a real request. */
  readonly wrapper?: { readonly name: string; readonly depth: number };
  /** Set when this request fetches a parameter of the enclosing wrapper function (its URL comes from callers). */
  readonly insideWrapper?: string;
}

/** A function whose body requests (a value derived from) one of its parameters. */
export interface WrapperInfo {
  readonly name: string;
  readonly qualifiedName: string;
  readonly file: string;
  readonly line: number;
  readonly urlParam: string;
  readonly paramIndex: number;
  /** 1 = requests its parameter directly; 2 = calls a depth-1 wrapper with it. */
  readonly depth: number;
}

/** A string constant that is (or builds) a URL. */
export interface UrlConstant {
  readonly name: string;
  readonly line: number;
  readonly value: string;
  readonly hosts: readonly string[];
}

/** An XPath expression evaluated by `.xpath(…)`. */
export interface XPathSite {
  readonly line: number;
  readonly func: string;
  /** The expression (resolved from a literal, a constant or a local name); null when not static. */
  readonly expression: string | null;
  readonly expressionText: string;
  /** The receiver as written: `html`, `film`, `fhtml`. */
  readonly receiver: string;
  /** Where the receiver was last assigned before this line in the same function, if known. */
  readonly receiverFrom?: { readonly line: number; readonly text: string };
}

/** `HTTP.Headers['X'] = …` (or `HTTP.SetHeader`) and `HTTP.CacheTime = …`. */
export interface HeaderSetting {
  readonly line: number;
  readonly func: string;
  readonly header: string;
  readonly valueText: string;
  /** The value when statically known (a literal, or constants: `BASE_URL + '/new'`); null otherwise. */
  readonly value: string | null;
}

export interface CacheTimeSetting {
  readonly line: number;
  readonly func: string;
  readonly valueText: string;
}

/** Evidence that a function normalises titles or search strings. */
export type NormaliserSignal =
  | 'name'
  | 'unidecode'
  | 'strip-diacritics'
  | 'quote-replacement'
  | 'roman-numerals'
  | 'ampersand'
  | 'sorted-letters'
  | 'punctuation'
  | 'lowercase';

export interface NormaliserInfo {
  readonly name: string;
  readonly qualifiedName: string;
  readonly line: number;
  readonly endLine: number;
  readonly role: 'title' | 'search-string';
  readonly signals: readonly NormaliserSignal[];
}

/** A regular expression with named groups; `filename` when its groups name a title and a studio. */
export interface RegexSite {
  readonly line: number;
  readonly func: string;
  readonly assignedTo: string | null;
  readonly pattern: string;
  readonly groups: readonly string[];
  readonly filename: boolean;
}

/** `raise X(…)`: PGMA signals match failures this way (`'< No Films! >'`). */
export interface RaiseSite {
  readonly line: number;
  readonly func: string;
  readonly exceptionType: string;
  /** The message, `{?}` for dynamic parts; null when there is none or it is not a string. */
  readonly message: string | null;
  readonly messageText: string;
}

export interface PrefRead {
  readonly line: number;
  readonly func: string;
  readonly key: string;
}

/** A preference from a bundle's `DefaultPrefs.json`. */
export interface PrefDefinition {
  readonly id: string;
  readonly type: string;
  readonly label: string;
  readonly default: string | boolean | number | null;
  readonly values?: readonly string[];
}

/** Everything found in one file's content. */
export interface FileInspection {
  readonly lines: number;
  readonly syntaxErrors: readonly { readonly line: number; readonly text: string }[];
  readonly functions: readonly FunctionInfo[];
  readonly urlConstants: readonly UrlConstant[];
  readonly requests: readonly RequestSite[];
  readonly xpaths: readonly XPathSite[];
  readonly headers: readonly HeaderSetting[];
  readonly cacheTimes: readonly CacheTimeSetting[];
  readonly normalisers: readonly NormaliserInfo[];
  readonly regexes: readonly RegexSite[];
  readonly raises: readonly RaiseSite[];
  readonly prefReads: readonly PrefRead[];
}

/**
 * One logical file: one content, possibly copied into many bundles (PGMA's `utils.py` is identical
 * in 21). Inspected once. `inspection.requests` of a shared file are resolved in the context of its
 * first copy's bundle (shared files hold the same constants in every bundle).
 */
export interface LogicalFile {
  readonly sha256: string;
  /** File name, e.g. `utils.py`. */
  readonly name: string;
  /** Where it is: `{ bundle: 'AEBN.bundle', path: 'Contents/Code/utils.py' }`, one per copy. */
  readonly copies: readonly { readonly bundle: string; readonly path: string }[];
  readonly inspection: FileInspection;
}

/** One bundle and the logical files it holds. */
export interface BundleInfo {
  /** Folder name, e.g. `AEBN.bundle`. */
  readonly bundle: string;
  /** `CFBundleIdentifier` from Info.plist, e.g. `com.plexapp.agents.AEBN`; null when unreadable. */
  readonly identifier: string | null;
  /** Code files: path inside the bundle and the logical file's hash. */
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
  readonly prefs: readonly PrefDefinition[];
  readonly wrappers: readonly WrapperInfo[];
  /** Problems reading the bundle (unreadable DefaultPrefs.json, …), one line each. */
  readonly problems: readonly string[];
}

/** The result of inspecting a Plug-ins folder (or some bundles). */
export interface BundleInspection {
  readonly bundles: readonly BundleInfo[];
  readonly files: readonly LogicalFile[];
}
