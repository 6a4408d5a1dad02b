/**
 * `plexmend apply <fix>`: argv → typed options → `applyFix()` (src/implement). Also holds the target
 * options apply, rollback, export and reapply share, and the step that turns them into a context.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { UsageError } from '../errors.ts';
import { parseFixId, parseIteration } from './options.ts';
import { targetFlags, withTargetOptions as withPlexTarget, type TargetOptionValues } from './target-options.ts';

/** Options every Phase 3 command takes to find Plex, the Plug-ins folder and the workspace. */
export interface TargetCliOptions extends TargetOptionValues {
  workspace?: string;
  docker?: string;
  restartOrder?: string;
  wait?: boolean;
  py27Checker?: 'auto' | 'parser';
}

/** Adds the options every Phase 3 command shares: the target (cli/target-options.ts), the workspace, restarts. */
export function withImplementOptions<C extends Command<any, any, any>>(cmd: C): C {
  withPlexTarget(cmd)
    .option('--workspace <dir>', 'the workspace folder (default plex_improvement)')
    .option('--docker <container>', 'Plex runs in this Docker container: `docker restart` may restart it (when nobody watches)')
    .option('--restart-order <list>', 'restart strategies to try, comma-separated: plist-touch,http,plex-restart,manual (default: lessons, else this order)')
    .option('--no-wait', 'do not wait for a manual restart; print the steps and go on')
    .addOption(new Option('--py27-checker <kind>', 'Python 2.7 check of patched files: auto (an interpreter if found, else the parser) or parser').choices(['auto', 'parser'] as const));
  return cmd;
}


/** Config → implement context, printing which target (sandbox or a real server) is acted on. */
export async function implementContext(o: TargetCliOptions, out: (line: string) => void) {
  const [{ loadConfig, describeTarget }, { contextFromConfig, RESTART_STRATEGIES }, { terminalPrompt }] = await Promise.all([
    import('../config/index.ts'),
    import('../implement/index.ts'),
    import('../implement/adapters.ts'),
  ]);
  const order = o.restartOrder?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of order ?? []) {
    if (!(RESTART_STRATEGIES as readonly string[]).includes(s)) throw new UsageError(`unknown restart strategy "${s}"`, `use some of: ${RESTART_STRATEGIES.join(', ')}`);
  }
  const config = await loadConfig({ ...targetFlags(o), workspace: o.workspace });
  process.stderr.write(describeTarget(config) + '\n');
  const ctx = await contextFromConfig(config, { out, prompt: terminalPrompt(), noWait: o.wait === false, docker: o.docker, restartOrder: order as never, parserOnly: o.py27Checker === 'parser' });
  return { config, ctx };
}

export function register(program: Command): void {
  withImplementOptions(
    program
      .command('apply')
      .description('Phase 3: apply one fix — expectation first, backups, journal, restart, validation; rolls back by itself when a check fails.')
      .argument('<fix>', 'the fix id, e.g. fix3')
      .option('--plan <file>', 'a fix plan (plexmend.fixplan/1); default: iteration_N/fixK.plan.json, else the proposal in diagnostic_report.json')
      .option('--iteration <n>', 'iteration (default: the latest)', parseIteration)
      .option('--dry-run', 'print the plan and the diff; change nothing')
      .option('--yes', 'do not ask before changing anything'),
  ).action(async (fix, opts) => {
    process.exitCode = await runApply(fix, opts as ApplyCliOptions);
  });
}

export interface ApplyCliOptions extends TargetCliOptions {
  plan?: string;
  iteration?: number;
  dryRun?: boolean;
  yes?: boolean;
}

/** Runs `apply`; returns the exit code (1 when the change was rolled back). */
export async function runApply(fixArg: string, o: ApplyCliOptions, stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  const fix = parseFixId(fixArg);
  const out = (line: string) => void stdout.write(line + '\n');
  const [{ ctx }, impl, { readDocument }, { paths, currentIteration }, { UnknownFixError }] = await Promise.all([
    implementContext(o, out),
    import('../implement/index.ts'),
    import('../documents.ts'),
    import('../workspace.ts'),
    import('../implement/errors.ts'),
  ]);
  const iteration = o.iteration ?? currentIteration(ctx.ws);
  let plan;
  if (o.plan) {
    plan = await readDocument(impl.FixPlanDocument, o.plan);
    if (plan.fixId !== fix) throw new UsageError(`${o.plan} is the plan of ${plan.fixId}, not ${fix}`, `run \`plexmend apply ${plan.fixId} --plan ${o.plan}\``);
  } else {
    const planPath = paths.fixPlan(ctx.ws, iteration, Number(fix.slice(3)));
    if (await ctx.deps.fs.info(planPath)) plan = await readDocument(impl.FixPlanDocument, planPath);
    else {
      const { DiagnosticReportDocument } = await import('../diagnose/schema.ts');
      const reportPath = paths.diagnosisJson(ctx.ws, iteration);
      if (!(await ctx.deps.fs.info(reportPath))) throw new UnknownFixError(fix, `${planPath} or ${reportPath} (neither exists)`);
      const report = await readDocument(DiagnosticReportDocument, reportPath);
      plan = impl.planFromProposals(report.groups.flatMap((g) => g.proposals), fix, iteration);
      if (!plan) throw new UnknownFixError(fix, `the patch proposals of ${reportPath}`);
    }
  }
  if (!o.yes && !o.dryRun && !process.stdin.isTTY) out('note: not a terminal, so nobody can confirm; pass --yes to apply');
  const r = await impl.applyFix(plan, ctx, { dryRun: o.dryRun, yes: o.yes });
  if (r.recovery) out(`(${r.recovery.summary})`);
  if (r.status === 'rolled-back') {
    out(`${fix} was rolled back: ${r.reasons.join('; ')}`);
    return 1;
  }
  if (r.status === 'declined') out(`${fix} not applied (not confirmed)`);
  for (const reason of r.reasons) out(`note: ${reason}`);
  return 0;
}
