/**
 * Code inspection over bundles: parse each distinct file content once (by sha256; PGMA's 8,030-line
 * `utils.py` is identical in 21 bundles), extract facts, resolve them per bundle (wrappers, URL
 * constants, hosts), and assemble a JSON-serialisable {@link BundleInspection} in which a shared file
 * is ONE logical file with the list of its copies.
 */
import { createHash } from 'node:crypto';
import { parsePython } from '../python/parser.ts';
import { extractFacts, type FileFacts } from './extract.ts';
import type { BundleReader, BundleSource } from './reader.ts';
import { BundleScope, findWrappers, moduleOfFile, requestSites, urlConstants, xpathSites, type ModuleFacts } from './resolve.ts';
import { resolveStrings } from './values.ts';
import type { BundleInfo, BundleInspection, FileInspection, LogicalFile, NormaliserInfo, PrefDefinition } from './types.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Facts by content hash, shared by every inspection in this process (bounded). */
const factsCache = new Map<string, FileFacts>();
const FACTS_CACHE_LIMIT = 256;

/** Parses and extracts one content, once per process. */
export async function factsFor(text: string, hash = sha256(text)): Promise<FileFacts> {
  const hit = factsCache.get(hash);
  if (hit) return hit;
  const { tree } = await parsePython(text);
  try {
    const facts = extractFacts(tree.rootNode);
    if (factsCache.size >= FACTS_CACHE_LIMIT) factsCache.delete(factsCache.keys().next().value!);
    factsCache.set(hash, facts);
    return facts;
  } finally {
    tree.delete();
  }
}

const SEARCH_STRING_ROLE = /search(string|query|title)|cleansearch/i;

function fileInspection(scope: BundleScope, m: ModuleFacts, wrappers: BundleInfo['wrappers']): FileInspection {
  const constants = urlConstants(scope, m);
  const f = m.facts;
  return {
    lines: f.lines,
    syntaxErrors: f.syntaxErrors,
    functions: f.functions,
    urlConstants: constants,
    requests: requestSites(scope, m, wrappers, constants),
    xpaths: xpathSites(scope, m),
    headers: f.headers.map((h, i) => {
      if (h.value !== null || !f.headerValues[i]) return h;
      const values = resolveStrings(f.headerValues[i]!, scope.resolver(m.module, h.func, h.line));
      return values.length === 1 && !values[0]!.includes('{?}') ? { ...h, value: values[0]! } : h;
    }),
    cacheTimes: f.cacheTimes,
    normalisers: f.normalisers.map(
      (n): NormaliserInfo => ({
        name: n.name,
        qualifiedName: n.qualifiedName,
        line: n.line,
        endLine: n.endLine,
        role: SEARCH_STRING_ROLE.test(n.name) ? 'search-string' : 'title',
        signals: n.signals,
      }),
    ),
    regexes: f.regexes,
    raises: f.raises,
    prefReads: f.prefReads,
  };
}

/**
 * Inspects one file alone (no other modules to resolve against), e.g. an older version of a file
 * taken from the backup store to resolve a PGMA `File: X, Line: N` location.
 */
export async function inspectSource(text: string, path = 'Contents/Code/__init__.py'): Promise<FileInspection> {
  const m: ModuleFacts = { module: moduleOfFile(path), path, facts: await factsFor(text) };
  const scope = new BundleScope([m]);
  return fileInspection(scope, m, findWrappers(scope));
}

/** `CFBundleIdentifier` from an Info.plist (XML plist; the key is followed by its string). */
export function bundleIdentifier(plist: string | null): string | null {
  if (!plist) return null;
  const m = /<key>\s*CFBundleIdentifier\s*<\/key>\s*<string>\s*([^<\s]+)\s*<\/string>/.exec(plist);
  return m ? m[1]! : null;
}

/** Preferences from a DefaultPrefs.json (an array of `{id, type, label, default, values}`). */
export function parseDefaultPrefs(text: string | null): { prefs: PrefDefinition[]; problem: string | null } {
  if (text === null) return { prefs: [], problem: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { prefs: [], problem: `DefaultPrefs.json is not valid JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(value)) return { prefs: [], problem: 'DefaultPrefs.json is not a list of preferences' };
  const prefs: PrefDefinition[] = [];
  for (const p of value as Record<string, unknown>[]) {
    if (!p || typeof p !== 'object' || typeof p.id !== 'string') continue;
    const d = p.default;
    prefs.push({
      id: p.id,
      type: typeof p.type === 'string' ? p.type : 'text',
      label: typeof p.label === 'string' ? p.label : '',
      default: typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean' ? d : null,
      ...(Array.isArray(p.values) ? { values: p.values.map(String) } : {}),
    });
  }
  return { prefs, problem: null };
}

/** Inspects already-read bundles. Pure apart from the process-wide facts cache. */
export async function inspectBundleSources(sources: readonly BundleSource[]): Promise<BundleInspection> {
  const logical = new Map<string, { name: string; copies: { bundle: string; path: string }[]; inspection?: FileInspection }>();
  const bundles: BundleInfo[] = [];
  for (const src of sources) {
    const modules: (ModuleFacts & { sha: string })[] = [];
    for (const file of src.code) {
      const sha = sha256(file.text);
      modules.push({ module: moduleOfFile(file.path), path: file.path, facts: await factsFor(file.text, sha), sha });
      const entry = logical.get(sha) ?? { name: file.path.split('/').pop() ?? file.path, copies: [] };
      entry.copies.push({ bundle: src.bundle, path: file.path });
      logical.set(sha, entry);
    }
    const scope = new BundleScope(modules);
    const wrappers = findWrappers(scope);
    for (const m of modules) {
      const entry = logical.get(m.sha)!;
      entry.inspection ??= fileInspection(scope, m, wrappers);
    }
    const { prefs, problem } = parseDefaultPrefs(src.defaultPrefs);
    const problems = [
      ...(problem ? [problem] : []),
      ...(src.infoPlist === null ? ['Contents/Info.plist is missing'] : []),
      ...(src.code.length === 0 ? ['no Python code under Contents/Code'] : []),
    ];
    bundles.push({
      bundle: src.bundle,
      identifier: bundleIdentifier(src.infoPlist),
      files: modules.map((m) => ({ path: m.path, sha256: m.sha })),
      prefs,
      wrappers,
      problems,
    });
  }
  const files: LogicalFile[] = [...logical.entries()].map(([sha, e]) => ({ sha256: sha, name: e.name, copies: e.copies, inspection: e.inspection! }));
  return { bundles, files };
}

/** Inspects the given bundle folders. */
export async function inspectBundles(bundleDirs: readonly string[], deps: { reader: BundleReader }): Promise<BundleInspection> {
  const sources: BundleSource[] = [];
  for (const dir of bundleDirs) sources.push(await deps.reader.readBundle(dir));
  return inspectBundleSources(sources);
}

/** Inspects every `*.bundle` in a Plug-ins folder. */
export async function inspectPlugins(pluginsDir: string, deps: { reader: BundleReader }): Promise<BundleInspection> {
  return inspectBundles(await deps.reader.listBundles(pluginsDir), deps);
}

/** The logical file a bundle's code file is, e.g. `fileOf(ins, 'AEBN.bundle', 'utils.py')` (path or file name). */
export function fileOf(inspection: BundleInspection, bundle: string, file: string): LogicalFile | undefined {
  const b = inspection.bundles.find((x) => x.bundle === bundle || x.identifier === bundle || x.bundle === `${bundle}.bundle`);
  const entry = b?.files.find((f) => f.path === file || f.path.endsWith(`/${file}`));
  return entry ? inspection.files.find((f) => f.sha256 === entry.sha256) : undefined;
}
