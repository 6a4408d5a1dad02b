/**
 * What a recipe gets and gives. A recipe takes its facts (hosts, selectors, function names) from the
 * evidence and the inspected code, never from knowing a site; it returns edits against the original
 * files, or says why it does not apply.
 */
import type { LogReport } from '../../logs/schema.ts';
import type { ObservedGroup } from '../groups.ts';
import type { Rule } from '../knowledge.ts';
import type { HttpGet, ProbeResult } from '../probe.ts';
import type { BundleInfo, BundleInspection, LogicalFile } from '../inspect/types.ts';
import type { RecipeName } from '../schema.ts';
import type { SourceEdit } from './source.ts';

export interface CodeEvidence {
  file: string;
  line: number;
  text: string;
  why: string;
}

export interface RecipeContext {
  group: ObservedGroup;
  rule: Rule;
  probe: ProbeResult | null;
  report: LogReport;
  inspection: BundleInspection;
  /** The bundle of the group's agent. */
  bundle: BundleInfo;
  /** Content of a logical file (its first copy) of the group's bundle, by sha256; '' for a file not loaded. */
  text(file: LogicalFile): string;
  /**
   * Content of any logical file of the inspection, e.g. another bundle's `__init__.py` that calls a
   * helper of the `utils.py` PGMA copies into every bundle. Read on first use, each distinct file once
   * per diagnosis. Rejects when the file cannot be read. Absent: `text` answers for every file.
   */
  read?(file: LogicalFile): Promise<string>;
  /** HTTP for reading current pages (host overrides applied in the sandbox). */
  http: HttpGet;
}

export interface RecipeChange {
  title: string;
  rationale: string;
  kind: 'patch' | 'preference' | 'config' | 'workaround' | 'none';
  /** Edits by logical file sha256. */
  edits: Map<string, SourceEdit[]>;
  evidence: CodeEvidence[];
  preferences: Array<{ bundleId: string; key: string; from: string | null; to: string; via: 'plex' | 'saved_preferences_file' }>;
  workaround?: string;
}

export type RecipeOutcome = ({ ok: true } & RecipeChange) | { ok: false; reason: string };

export interface Recipe {
  name: RecipeName;
  run(ctx: RecipeContext): Promise<RecipeOutcome>;
}

/** The logical files of the group's bundle, with the path inside the bundle. */
export function bundleFiles(ctx: RecipeContext): Array<{ path: string; file: LogicalFile }> {
  const out: Array<{ path: string; file: LogicalFile }> = [];
  for (const f of ctx.bundle.files) {
    const file = ctx.inspection.files.find((l) => l.sha256 === f.sha256);
    if (file) out.push({ path: f.path, file });
  }
  return out;
}

/** Adds edits for a file to a change's edit map. */
export function addEdits(map: Map<string, SourceEdit[]>, sha: string, edits: SourceEdit[]): void {
  map.set(sha, [...(map.get(sha) ?? []), ...edits]);
}

export function emptyChange(title: string, rationale: string, kind: RecipeChange['kind'] = 'patch'): RecipeChange {
  return { title, rationale, kind, edits: new Map(), evidence: [], preferences: [] };
}

/**
 * The code locations the group's evidence names (PGMA's `File: X, Line: N`, a traceback's innermost
 * bundle frame), each with the bundle file it is in; locations outside the bundle are passed over.
 */
export function evidenceLocations(ctx: RecipeContext) {
  const files = bundleFiles(ctx);
  const out: Array<{ example: ObservedGroup['examples'][number]; line: number; base: string; path: string; file: LogicalFile }> = [];
  for (const example of ctx.group.examples) {
    const loc = example.location;
    if (!loc?.file || loc.line === null) continue;
    const base = loc.file.split(/[\\/]/).pop()!;
    const f = files.find((x) => x.path.split('/').pop() === base);
    if (f) out.push({ example, line: loc.line, base, path: f.path, file: f.file });
  }
  return out;
}
