/**
 * Kept fixes as patch files, and re-applying them after an agent upgrade. `exportFixes` writes, per applied
 * fix, `<workspace>/patches/<fix>_iter<N>_<slug>.patch` — a summary fit for an upstream bug report
 * (title, expectation, validation, files; shared copies listed once) followed by `git apply -p1`-style
 * diffs relative to the Plug-ins folder (PGMA's repository has the same `<Name>.bundle/...` layout) — and
 * `<same>.plan.json`, the FixPlan `reapply` reads. `reapplyExports` applies each plan again with fuzz
 * (hunks are placed where the code moved; context may differ by `fuzz` lines), skips files that already
 * carry the change, and refuses — naming the file — where the change no longer fits.
 */
import { join } from 'node:path';
import { PlexmendError } from '../errors.ts';
import { paths } from '../workspace.ts';
import { applyFix, type ApplyResult } from './apply.ts';
import { fixObjects } from './backup.ts';
import type { ImplementContext } from './context.ts';
import { readHistory, type FixRecord } from './history.ts';
import { alreadyApplied, unifiedDiff } from './patch.ts';
import { FixPlanDocument, type FixPlan } from './plan.ts';
import { resolvePlanPath } from './scope.ts';
import { readDoc, writeDoc } from './files.ts';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'fix';

/** The text of a `.patch` for one applied fix (summary + diffs; shared copies' diff once). */
export async function patchText(record: FixRecord, iteration: number, ctx: ImplementContext): Promise<{ text: string; plan: FixPlan }> {
  const store = fixObjects(ctx.deps.fs, record.backupDir!);
  const groups = new Map<string, string[]>();
  const diffs: string[] = [];
  const changes: FixPlan['changes'] = [];
  for (const f of record.files) {
    const before = f.beforeSha ? await store.get(f.beforeSha) : undefined;
    const after = f.afterSha ? await store.get(f.afterSha) : undefined;
    const diff = unifiedDiff(f.rel, before, after);
    changes.push({ path: f.rel, diff, ...(f.sharedGroup ? { sharedGroup: f.sharedGroup } : {}) });
    if (f.sharedGroup) {
      const list = groups.get(f.sharedGroup) ?? [];
      list.push(f.rel);
      groups.set(f.sharedGroup, list);
      if (list.length > 1) continue;
    }
    diffs.push(diff);
  }
  const v = record.validation;
  const lines = [
    `Subject: [PATCH] ${record.title}`,
    '',
    `${record.title}`,
    '',
    `Expected effect: ${record.expectation}`,
    `Applied by plexmend as ${record.fixId} (iteration ${iteration}) on ${record.startedAt.slice(0, 10)}; kept.`,
    v ? `Checked: ${v.checker}; plug-in restarted: ${v.restarted ? 'yes' : 'no'}; new errors after restart: ${v.logFindings.length}.` : '',
    '',
    'Files:',
    ...record.files.filter((f) => !f.sharedGroup || groups.get(f.sharedGroup)![0] === f.rel).map((f) => {
      const copies = f.sharedGroup ? groups.get(f.sharedGroup)!.length : 1;
      return `  ${f.rel}${copies > 1 ? ` (shared file "${f.sharedGroup}": the same change in all ${copies} copies — ${groups.get(f.sharedGroup!)!.join(', ')})` : ''}`;
    }),
    '---',
    '',
  ].filter((l, i, a) => l !== '' || a[i - 1] !== '');
  const plan: FixPlan = { ...record.plan, changes, fuzz: 2, appliedAt: record.startedAt };
  return { text: lines.join('\n') + '\n' + diffs.join(''), plan };
}

/** Writes the applied fixes (or the named ones) as patch files; returns the written paths. */
export async function exportFixes(ctx: ImplementContext, fixIds: string[] = []): Promise<string[]> {
  const { fs } = ctx.deps;
  const history = await readHistory(fs, ctx.ws);
  const chosen = history.filter((h) => h.record.status === 'applied' && (fixIds.length === 0 || fixIds.includes(h.record.fixId)));
  const dir = paths.exportsDir(ctx.ws);
  const written: string[] = [];
  for (const h of chosen) {
    const { text, plan } = await patchText(h.record, h.iteration, ctx);
    const base = join(dir, `${h.record.fixId}_iter${h.iteration}_${slug(h.record.title)}`);
    await fs.writeOwn(`${base}.patch`, text);
    await writeDoc(fs, FixPlanDocument, `${base}.plan.json`, plan);
    written.push(`${base}.patch`);
  }
  return written;
}

export interface ReapplyOutcome {
  planFile: string;
  fixId: string;
  outcome: 'applied' | 'already-applied' | 'refused' | 'rolled-back' | 'declined' | 'dry-run';
  detail: string;
  result?: ApplyResult;
}

/** Re-applies every exported plan (or those given) to the current agents; see the module comment. */
export async function reapplyExports(ctx: ImplementContext, opts: { planFiles?: string[]; fuzz?: number; yes?: boolean; dryRun?: boolean; iteration: number; runId?: string }): Promise<ReapplyOutcome[]> {
  const { fs } = ctx.deps;
  const dir = paths.exportsDir(ctx.ws);
  const files = opts.planFiles ?? (await fs.list(dir)).filter((e) => e.name.endsWith('.plan.json')).map((e) => join(dir, e.name)).sort();
  const plans: Array<{ planFile: string; plan: FixPlan }> = [];
  for (const planFile of files) plans.push({ planFile, plan: await readDoc(fs, FixPlanDocument, planFile) });
  // A later fix's hunks may sit on an earlier one's lines: without named plans, replay in the order applied.
  if (!opts.planFiles) plans.sort((a, b) => a.plan.iteration - b.plan.iteration || (a.plan.appliedAt ?? '').localeCompare(b.plan.appliedAt ?? ''));
  const out: ReapplyOutcome[] = [];
  for (const { planFile, plan } of plans) {
    const todo: FixPlan['changes'] = [];
    for (const c of plan.changes) {
      const { abs } = await resolvePlanPath(ctx.layout, c.path, fs);
      const current = await fs.tryRead(abs);
      if (!(current && alreadyApplied(current, c, opts.fuzz ?? plan.fuzz))) todo.push(c);
    }
    if (todo.length === 0) {
      out.push({ planFile, fixId: plan.fixId, outcome: 'already-applied', detail: 'every file already carries the change' });
      continue;
    }
    const next: FixPlan = { ...plan, iteration: opts.iteration, changes: todo, fuzz: opts.fuzz ?? plan.fuzz };
    try {
      const result = await applyFix(next, ctx, { yes: opts.yes, dryRun: opts.dryRun, runId: opts.runId });
      out.push({ planFile, fixId: plan.fixId, outcome: result.status === 'applied' ? 'applied' : result.status === 'rolled-back' ? 'rolled-back' : result.status === 'declined' ? 'declined' : 'dry-run', detail: result.reasons.join('; ') || `${todo.length} file(s)`, result });
    } catch (err) {
      if (!(err instanceof PlexmendError) || err.category === 'usage') throw err;
      out.push({ planFile, fixId: plan.fixId, outcome: 'refused', detail: err.message });
    }
  }
  return out;
}
