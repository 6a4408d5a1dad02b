/**
 * `plexmend postmortem`: Phase 6 by hand — for an iteration's tested fixes, expected vs actual, side
 * effects, what was missed, recipe accuracy, and the lessons recorded in the ledger.
 */
import { Command } from '@commander-js/extra-typings';
import { InputError } from '../errors.ts';
import { parseIteration } from './options.ts';

export function register(program: Command): void {
  program
    .command('postmortem')
    .description('Phase 6: post-mortem of an iteration\'s fixes; records the lessons in lessons.json.')
    .option('--workspace <dir>', 'the workspace folder (default plex_improvement)')
    .option('--iteration <n>', 'iteration (default: the latest)', parseIteration)
    .action(async (o) => {
      process.exitCode = await runPostmortem(o);
    });
}

export async function runPostmortem(o: { workspace?: string; iteration?: number }): Promise<number> {
  const [ws, { loadConfig }, { existsSync }, { readDocument, writeDocument }, { DiagnosticReportDocument, LessonsLedgerDocument }, { TestReportDocument }, { postMortem, PostMortemDocument }, { emptyLedger }, { renderPostMortemMarkdown, renderLessonsMarkdown }, { writeFileAtomic }, implement, { nodeFs }] =
    await Promise.all([
      import('../workspace.ts'), import('../config/load.ts'), import('node:fs'), import('../documents.ts'), import('../diagnose/schema.ts'), import('../testing/schema.ts'),
      import('../learn/postmortem.ts'), import('../learn/ledger.ts'), import('../report/postmortem-md.ts'), import('../io/atomic.ts'), import('../implement/index.ts'), import('../implement/files.ts'),
    ]);
  const workspace = ws.workspaceAt((await loadConfig({ workspace: o.workspace })).workspace); // flag, env, plexmend.yaml
  const n = o.iteration ?? ws.currentIteration(workspace);
  const diagPath = ws.paths.diagnosisJson(workspace, n);
  if (!existsSync(diagPath)) throw new InputError(`no diagnostic report at ${diagPath}`, 'run `plexmend diagnose` and test a fix first');
  const diagnosis = await readDocument(DiagnosticReportDocument, diagPath);
  const log = await implement.readLog(nodeFs, workspace, n).catch(() => null);
  const entries = [];
  for (const p of diagnosis.groups.flatMap((g) => g.proposals)) {
    const k = Number(p.id.replace(/^fix/, ''));
    const testPath = ws.paths.testReportJson(workspace, n, k);
    if (!existsSync(testPath)) continue;
    const rec = log?.fixes.filter((f) => f.fixId === p.id).pop();
    entries.push({ iteration: n, proposal: p, test: await readDocument(TestReportDocument, testPath), restarts: (rec?.restarts ?? []).map((r) => ({ strategy: r.strategy, ok: r.outcome === 'ok', detail: r.detail })) });
  }
  if (entries.length === 0) throw new InputError(`iteration ${n} has no tested fix`, 'run `plexmend test fixK` first');
  const ledgerPath = ws.paths.lessons(workspace);
  const ledger = existsSync(ledgerPath) ? await readDocument(LessonsLedgerDocument, ledgerPath) : emptyLedger();
  const accuracy = await (await import('../learn/accuracy.ts')).previousAccuracy(workspace, n);
  const { doc, ledger: next } = postMortem(n, entries, ledger, accuracy, new Date());
  await writeDocument(PostMortemDocument, ws.paths.postMortemJson(workspace, n), doc);
  await writeDocument(LessonsLedgerDocument, ledgerPath, next);
  await writeFileAtomic(ws.paths.postMortemMd(workspace, n), renderPostMortemMarkdown(doc));
  await writeFileAtomic(ws.paths.lessonsLearnedMd(workspace, n), renderLessonsMarkdown(next, n));
  process.stderr.write(`plexmend: post-mortem of ${entries.length} fix(es): lessons ${doc.lessons.added.length} new, ${doc.lessons.confirmed.length} confirmed, ${doc.lessons.contradicted.length} contradicted\nplexmend: wrote ${ws.paths.postMortemMd(workspace, n)}, ${ws.paths.lessonsLearnedMd(workspace, n)}, ${ledgerPath}\n`);
  return 0;
}
