/**
 * Questions diagnose asks of a {@link BundleInspection}: which call sites request a host (directly or
 * through a wrapper), which functions normalise titles, where a bundle's headers are set. Pure.
 */
import type { BundleInspection, HeaderSetting, LogicalFile, NormaliserInfo, RequestSite } from './types.ts';

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
