/**
 * The validation checklist (DESIGN.md §Phase 2, the seed system's twelve points made mechanical). Every
 * proposal gets all twelve, each pass/fail with its reason; a failing blocking point keeps it from being
 * offered. Pure over what it is given: the rendered files, the checkers' results and the lessons in scope.
 */
import { applyPatch } from 'diff';
import type { ObservedGroup } from './groups.ts';
import type { Rule } from './knowledge.ts';
import type { ChecklistPoint, Expectation, FileChange, Lesson, RecipeName } from './schema.ts';
import type { CodeEvidence } from './recipes/types.ts';
import type { NamingViolation } from './python/naming.ts';
import type { Py27Report } from './python/py27.ts';
import { PY27_STDLIB } from './python-stdlib.ts';

export interface CheckResult {
  point: ChecklistPoint;
  pass: boolean;
  blocking: boolean;
  reason: string;
  checker?: string;
}

export interface ChecklistInput {
  group: ObservedGroup;
  rule: Rule;
  recipe: RecipeName;
  composed: RecipeName[];
  kind: 'patch' | 'preference' | 'config' | 'workaround' | 'none';
  changes: FileChange[];
  /** Current content of every changed path (what the patch must apply to). */
  current: Map<string, string>;
  /** Content after the change, per changed path. */
  after: Map<string, string>;
  /** Edited line numbers (original numbering) per changed path. */
  editedLines: Map<string, number[]>;
  evidence: CodeEvidence[];
  expectation: Expectation;
  py27: Py27Report | null;
  naming: Map<string, NamingViolation[]>;
  /** Modules importable in the bundle: its Contents/Libraries/Shared top-level names. */
  bundleLibraries: Set<string>;
  lessonsInScope: Lesson[];
  lessonsApplied: Array<{ lessonId: string; effect: string }>;
  /** Lessons in scope deliberately not applied, with the reason. */
  lessonsSkipped: Array<{ lessonId: string; reason: string }>;
  minItems: number;
}

/** Files plexmend may change: inside a bundle or PGMA's shared `_PGMA` folder (paths relative to Plug-ins). */
export function inScope(path: string): boolean {
  const parts = path.split('/');
  if (parts.some((p) => p === '..' || p === '') || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) return false;
  return /\.bundle$/.test(parts[0]!) || parts[0] === '_PGMA';
}

const CREDENTIAL = /(X-Plex-Token|PlexOnlineToken|password|passwd|api[_-]?key|secret)\s*[=:]\s*['"][^'"]{6,}/i;

function addedLines(before: string, after: string): string[] {
  const b = new Set(before.split(/\r?\n/));
  return after.split(/\r?\n/).filter((l) => !b.has(l));
}

function importsOf(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const t = l.trim();
    let m = /^import\s+(.+)$/.exec(t);
    if (m) for (const part of m[1]!.split(',')) out.push(part.trim().split(/\s+/)[0]!.split('.')[0]!);
    m = /^from\s+([\w.]+)\s+import\s/.exec(t);
    if (m && !m[1]!.startsWith('.')) out.push(m[1]!.split('.')[0]!);
  }
  return out;
}

/** Runs the twelve points. */
export function runChecklist(i: ChecklistInput): CheckResult[] {
  const code = i.kind === 'patch';
  const res: CheckResult[] = [];
  const add = (point: ChecklistPoint, pass: boolean, blocking: boolean, reason: string, checker?: string) =>
    res.push({ point, pass, blocking, reason, ...(checker ? { checker } : {}) });

  // 1. error alignment
  const recipeFits = i.rule.recipes.includes(i.recipe) || i.composed.includes(i.recipe);
  const agentFiles = i.evidence.every((e) => i.changes.length === 0 || e.file.startsWith(i.changes[0]!.path.split('/')[0]!) || i.changes.some((c) => c.path === e.file));
  add(
    'error_alignment',
    recipeFits && (!code || (i.evidence.length > 0 && agentFiles)),
    true,
    !recipeFits
      ? `${i.recipe} is not a remedy for ${i.rule.id}`
      : code && i.evidence.length === 0
        ? 'no code evidence ties the change to the error'
        : `${i.recipe} answers ${i.rule.id} (${i.group.class}${i.group.status ? ` ${i.group.status}` : ''}${i.group.host ? ` on ${i.group.host}` : ''}) for ${i.group.agent}`,
  );

  // 2. expected vs observed stated
  const expectedStated = Boolean(i.expectation.primary.description) && (i.expectation.primary.direction === 'stay' || i.expectation.primary.baseline !== null);
  add(
    'expected_vs_observed',
    i.group.events > 0 && expectedStated,
    true,
    i.group.events > 0 && expectedStated
      ? `observed ${i.group.events} events over ${i.group.items.length} items; expected: ${i.expectation.primary.description} (read at ${i.expectation.primary.path}, now ${i.expectation.primary.baseline})`
      : 'the observed count or the expected metric is missing',
  );

  // 3. code location: the edited lines are the ones the evidence names (same file, within the same region)
  if (!code) add('code_location', true, true, 'no code is changed');
  else {
    const near = i.evidence.some((e) => {
      const lines = i.editedLines.get(e.file) ?? [];
      return lines.some((l) => Math.abs(l - e.line) <= 3);
    });
    add('code_location', near, true, near ? 'the edits touch the lines the evidence names' : 'no edit is at a line the evidence names');
  }

  // 4. the patch applies cleanly to every copy; shared copies stay identical
  if (!code) add('patch_applies', true, true, 'no patch');
  else {
    const failures: string[] = [];
    const groups = new Map<string, Set<string>>();
    for (const c of i.changes) {
      const cur = i.current.get(c.path);
      const out = cur === undefined ? false : applyPatch(cur, c.diff);
      if (out === false) failures.push(c.path);
      else if (out !== i.after.get(c.path)) failures.push(`${c.path} (result differs)`);
      if (c.sharedGroup && typeof out === 'string') {
        const set = groups.get(c.sharedGroup) ?? new Set<string>();
        set.add(out);
        groups.set(c.sharedGroup, set);
      }
    }
    const diverged = [...groups].filter(([, s]) => s.size > 1).map(([g]) => g);
    const copies = i.changes.length;
    add(
      'patch_applies',
      failures.length === 0 && diverged.length === 0 && copies > 0,
      true,
      failures.length
        ? `does not apply to ${failures.join(', ')}`
        : diverged.length
          ? `shared copies would differ afterwards (${diverged.join(', ')})`
          : copies === 0
            ? 'the patch is empty'
            : `applies to all ${copies} file${copies === 1 ? '' : 's'}${groups.size ? `; ${[...groups.keys()].length} shared file${groups.size === 1 ? '' : 's'} stay identical` : ''}`,
    );
  }

  // 5. Python 2.7
  if (!code) add('python27', true, true, 'no Python changed');
  else if (!i.py27) add('python27', false, true, 'no Python 2.7 check ran');
  else {
    const bad = i.py27.files.filter((f) => !f.ok);
    const checker = `${i.py27.checker.name} ${i.py27.checker.version}`;
    add(
      'python27',
      bad.length === 0,
      true,
      bad.length ? bad.map((f) => `${f.path}:${f.issues[0]?.line ?? '?'} ${f.issues[0]?.message ?? 'does not compile'}`).join('; ') : `every touched file compiles as Python 2.7 (${checker})`,
      checker,
    );
  }

  // 6. plug-in sandbox naming rules
  const violations = [...i.naming].flatMap(([path, vs]) => vs.map((v) => `${path}:${v.line} ${v.message}`));
  add('plugin_sandbox_rules', violations.length === 0, true, violations.length ? violations.join('; ') : code ? "no new name breaks Plex's RestrictedPython rules" : 'no code changed');

  // 7. dependencies
  const missing: string[] = [];
  for (const [path, after] of i.after) {
    for (const mod of importsOf(addedLines(i.current.get(path) ?? '', after))) {
      if (!PY27_STDLIB.has(mod) && !i.bundleLibraries.has(mod)) missing.push(`${mod} (${path})`);
    }
  }
  add('dependencies', missing.length === 0, true, missing.length ? `imports not in Python 2.7's standard library or the bundle's Libraries/Shared: ${missing.join(', ')}` : 'only the 2.7 standard library, bundled libraries and framework globals are used');

  // 8. scope
  const outside = i.changes.map((c) => c.path).filter((p) => !inScope(p));
  const creds = [...i.after].filter(([p, a]) => addedLines(i.current.get(p) ?? '', a).some((l) => CREDENTIAL.test(l))).map(([p]) => p);
  add(
    'scope',
    outside.length === 0 && creds.length === 0,
    true,
    outside.length ? `changes outside the bundles and _PGMA: ${outside.join(', ')}` : creds.length ? `adds credentials to ${creds.join(', ')}` : 'only files inside the bundles / _PGMA change; no credentials',
  );

  // 9. side effects listed
  const watched = i.expectation.watch.length + i.expectation.failureIndicators.length;
  add('side_effects', !code || watched > 0, true, code ? `${i.expectation.failureIndicators.length} failure indicators and ${i.expectation.watch.length} watched metrics` : 'nothing changes');

  // 10. testing feasibility
  const n = i.group.items.filter((it) => it.filePath || it.title).length;
  add('testing_feasibility', !code || n >= i.minItems, false, code ? `${n} affected items can be looked up in Plex (need ${i.minItems} to judge)` : 'nothing to test');

  // 11. measurable expectation
  const p = i.expectation.primary;
  const measurable = p.path.startsWith('/') && (p.direction === 'stay' || p.threshold !== undefined) && (!code || (i.expectation.successIndicators.length > 0 && i.expectation.failureIndicators.length > 0));
  add('measurable_expectation', measurable, true, measurable ? `primary ${p.path} ${p.direction}${p.threshold ? ` by ${p.threshold.kind === 'relative' ? `${Math.round(p.threshold.value * 100)} %` : p.threshold.value}` : ''}` : 'no primary metric with a threshold, or no success/failure indicators');

  // 12. lessons honoured, and a rollback path exists
  const handled = new Set([...i.lessonsApplied.map((l) => l.lessonId), ...i.lessonsSkipped.map((l) => l.lessonId)]);
  const ignored = i.lessonsInScope.filter((l) => !handled.has(l.id));
  const rollback = !code || i.changes.every((c) => /^[0-9a-f]{64}$/.test(c.baseHash));
  add(
    'lessons_honoured',
    ignored.length === 0 && rollback,
    true,
    ignored.length
      ? `lessons in scope neither applied nor answered: ${ignored.map((l) => l.id).join(', ')}`
      : !rollback
        ? 'a changed file has no base hash to restore against'
        : `${i.lessonsApplied.length} lessons applied, ${i.lessonsSkipped.length} answered; every file can be restored from its backup`,
  );
  return res;
}
