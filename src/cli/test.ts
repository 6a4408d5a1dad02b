/**
 * `plexmend test <fix>`: argv → options → the test phase (src/testing) → `test_report_fixK.json` + `.md`.
 * `--control` runs the control (before the fix is applied) and saves it for the test after.
 */
import { Command } from '@commander-js/extra-typings';
import { InputError } from '../errors.ts';
import { numberOption, parseFixId, parseIteration } from './options.ts';
import { targetFlags, withTargetOptions, type TargetOptionValues } from './target-options.ts';

export interface TestCliOptions extends TargetOptionValues {
  control?: boolean;
  workspace?: string;
  iteration?: number;
  size: number;
  guards: number;
  seed: number;
  paceMs: number;
}

export function register(program: Command): void {
  withTargetOptions(program
    .command('test')
    .description('Phase 4: judge a fix by making Plex refresh the items that failed, against a control, with honest statistics.')
    .argument('<fix>', 'the fix id, e.g. fix3')
    .option('--control', 'run the control: refresh the sample WITHOUT the fix (do this before `plexmend apply`)')
    .option('--workspace <dir>', 'the workspace folder (default plex_improvement)')
    .option('--iteration <n>', 'iteration (default: the latest)', parseIteration)
    .option('--size <n>', 'items in the sample', numberOption('--size', { min: 1, example: 20 }), 20)
    .option('--guards <n>', 'regression-guard items (matched before)', numberOption('--guards', { min: 0, example: 3 }), 3)
    .option('--seed <n>', 'seed of the sample order', numberOption('--seed', { min: 0 }), 1)
    .option('--pace-ms <ms>', 'minimum time between two refreshes', numberOption('--pace-ms', { min: 0, example: 1000 }), 0))
    .action(async (fix, opts) => {
      process.exitCode = await runTest(fix, opts as TestCliOptions);
    });
}

export async function runTest(fix: string, o: TestCliOptions): Promise<number> {
  parseFixId(fix);
  const k = Number(fix.slice(3));
  const [{ loadConfig, describeTarget, requireFolder }, ws, docs, { LogReportDocument }, { DiagnosticReportDocument }, { ControlRunDocument, TestReportDocument }, { runControl, runTreatment, plexTestDeps }, { folderWindow }, { connectPlex }, { renderTestMarkdown }, { writeFileAtomic }, { existsSync }] =
    await Promise.all([
      import('../config/index.ts'), import('../workspace.ts'), import('../documents.ts'), import('../logs/schema.ts'), import('../diagnose/schema.ts'),
      import('../testing/schema.ts'), import('../testing/run.ts'), import('../testing/window.ts'), import('../plex/connect.ts'), import('../report/test-md.ts'), import('../io/atomic.ts'), import('node:fs'),
    ]);
  const config = await loadConfig({ ...targetFlags(o), workspace: o.workspace });
  process.stderr.write(describeTarget(config) + '\n');
  const workspace = ws.workspaceAt(o.workspace ?? config.workspace);
  const n = o.iteration ?? ws.currentIteration(workspace);
  const diagPath = ws.paths.diagnosisJson(workspace, n);
  if (!existsSync(diagPath)) throw new InputError(`no diagnostic report at ${diagPath}`, 'run `plexmend diagnose` first');
  const diagnosis = await docs.readDocument(DiagnosticReportDocument, diagPath);
  const proposal = diagnosis.groups.flatMap((g) => g.proposals).find((p) => p.id === fix);
  if (!proposal) throw new InputError(`${fix} is not in ${diagPath}`, 'see the fix ids in diagnostic_report.md');
  if (proposal.kind === 'workaround' || proposal.kind === 'none') throw new InputError(`${fix} is a workaround: nothing to test`, 'test a code or preference fix');
  const baseline = await docs.readDocument(LogReportDocument, ws.paths.aggregateJson(workspace, n));
  const logsDir = requireFolder(config, 'logsDir');
  const plex = await connectPlex(config);
  const logs = folderWindow({ kind: 'folder', dir: logsDir }, config.target.token ? [config.target.token] : []);
  const deps = plexTestDeps(plex, logs, { timeoutMs: 120_000 }, (line) => process.stderr.write(`  ${line}\n`));
  const opts = { iteration: n, target: describeTarget(config).split('\n')[0]!, size: o.size, guards: o.guards, seed: o.seed, paceMs: o.paceMs };
  const controlPath = ws.paths.controlRun(workspace, n, k);
  // Re-test hygiene: agents cache responses for a week; control and treatment both start from an empty cache.
  if (config.paths.pluginsDir) {
    const { clearAgentCaches } = await import('../implement/index.ts');
    const removed = await clearAgentCaches(config.paths.pluginsDir, config.paths.supportDir, proposal.bundleIds);
    process.stderr.write(`plexmend: cleared ${removed} HTTP cache entries of ${proposal.bundleIds.join(', ')}\n`);
  }
  if (o.control) {
    const run = await runControl(proposal, baseline, deps, opts);
    await docs.writeDocument(ControlRunDocument, controlPath, { schema: 'plexmend.control/1', ...run });
    const rec = run.items.filter((i) => i.role !== 'guard' && i.result === 'matched').length;
    process.stderr.write(`plexmend: control of ${fix}: ${run.items.length} items refreshed, ${rec} recovered without the fix; wrote ${controlPath}\n`);
    return 0;
  }
  let control = null;
  if (existsSync(controlPath)) control = await docs.readDocument(ControlRunDocument, controlPath);
  else process.stderr.write(`plexmend: warning: no control run for ${fix} (${controlPath}); the test has no baseline to beat\n`);
  const report = await runTreatment(proposal, control, baseline, deps, opts);
  await docs.writeDocument(TestReportDocument, ws.paths.testReportJson(workspace, n, k), report);
  await writeFileAtomic(ws.paths.testReportMd(workspace, n, k), renderTestMarkdown(report));
  process.stderr.write(`plexmend: ${fix}: ${report.decision.decision} — ${report.decision.reasons.join('; ')}\nplexmend: wrote ${ws.paths.testReportMd(workspace, n, k)} (+ .json)\n`);
  return 0;
}
