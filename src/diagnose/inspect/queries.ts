/**
 * Questions diagnose asks of a {@link BundleInspection}: which call sites request a host (directly or
 * through a wrapper), which functions normalise titles, where a bundle's headers are set. Pure.
 */
import type { BundleInspection, HeaderSetting, LogicalFile, NormaliserInfo, RaiseSite, RequestSite } from './types.ts';

/** A finding inside a logical file, with the bundles whose copy holds it. */
export interface Located<T> {
  readonly file: LogicalFile;
  /** Bundle folder names holding this file (one for `__init__.py`, many for a shared `utils.py`). */
  readonly bundles: readonly string[];
  readonly item: T;
}

function filesOf(ins: BundleInspection, bundle?: string): LogicalFile[] {
  if (!bundle) return [...ins.files];
  const b = ins.bundles.find((x) => x.bundle === bundle || x.identifier === bundle || x.bundle === `${bundle}.bundle`);
  if (!b) return [];
  const shas = new Set(b.files.map((f) => f.sha256));
  return ins.files.filter((f) => shas.has(f.sha256));
}

function collect<T>(ins: BundleInspection, bundle: string | undefined, pick: (f: LogicalFile) => readonly T[]): Located<T>[] {
  const out: Located<T>[] = [];
  for (const file of filesOf(ins, bundle)) {
    const bundles = [...new Set(file.copies.map((c) => c.bundle))];
    for (const item of pick(file)) out.push({ file, bundles, item });
  }
  return out;
}

/**
 * Request sites that can reach `host` (case-insensitive) in a bundle (or everywhere): resolved hosts
 * first; with `includeLikely`, also sites whose URL is unknown but whose file's URL constants name it.
 */
export function requestsToHost(ins: BundleInspection, host: string, opts: { bundle?: string; includeLikely?: boolean } = {}): Located<RequestSite>[] {
  const h = host.toLowerCase();
  return collect(ins, opts.bundle, (f) =>
    f.inspection.requests.filter((r) => r.hosts.includes(h) || (opts.includeLikely && r.hosts.length === 0 && r.likelyHosts.includes(h))),
  );
}

/** Title/search-string normalisers of a bundle (or everywhere). */
export function normalisers(ins: BundleInspection, opts: { bundle?: string; role?: NormaliserInfo['role'] } = {}): Located<NormaliserInfo>[] {
  return collect(ins, opts.bundle, (f) => f.inspection.normalisers.filter((n) => !opts.role || n.role === opts.role));
}

/** Header settings of a bundle (`HTTP.Headers[…] = …`), usually in `Start()`. */
export function headerSettings(ins: BundleInspection, bundle: string): Located<HeaderSetting>[] {
  return collect(ins, bundle, (f) => f.inspection.headers);
}

/** A raise message template (`{?}` = any text) as a whole-string matcher. */
function templateMatcher(template: string): RegExp {
  const parts = template.split('{?}').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*')}$`);
}

/**
 * `raise` sites whose message produces `message` — the text PGMA logs after `Error: …: ` (e.g.
 * `< No Films! >`, or `< Failed to read IAFD URL: HTTP Error 403: Forbidden - Processing Abandoned! >`
 * against the template `< Failed to read IAFD URL: {?} - Processing Abandoned! >`). Used when the
 * log's `File: , Line: ,` is empty or points into another version of the file.
 */
export function raisesWithMessage(ins: BundleInspection, message: string, opts: { bundle?: string } = {}): Located<RaiseSite>[] {
  const text = message.trim();
  return collect(ins, opts.bundle, (f) => f.inspection.raises.filter((r) => r.message !== null && templateMatcher(r.message.trim()).test(text)));
}

/**
 * The logical file a path from a Plex traceback names, e.g.
 * `/var/lib/…/Plug-ins/GEVI.bundle/Contents/Code/__init__.py` or a Windows path with backslashes:
 * matched by `<X>.bundle/<path inside the bundle>`. Undefined when the path is not in an inspected bundle
 * (framework frames, `python27.zip/urllib2.py`).
 */
export function fileForPath(ins: BundleInspection, path: string): { bundle: string; path: string; file: LogicalFile } | undefined {
  const m = /([^/\\]+\.bundle)[/\\](.+)$/.exec(path);
  if (!m) return undefined;
  const bundle = m[1]!;
  const inner = m[2]!.replace(/\\/g, '/');
  const b = ins.bundles.find((x) => x.bundle.toLowerCase() === bundle.toLowerCase());
  const entry = b?.files.find((f) => f.path === inner || f.path.toLowerCase() === inner.toLowerCase());
  const file = entry ? ins.files.find((f) => f.sha256 === entry.sha256) : undefined;
  return b && entry && file ? { bundle: b.bundle, path: entry.path, file } : undefined;
}
