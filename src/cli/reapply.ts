/** `plexmend reapply [plans...]`: argv → `reapplyExports()` (src/implement): exported fixes after an agent upgrade. */
import { Command } from '@commander-js/extra-typings';
import { implementContext, withImplementOptions, type TargetCliOptions } from './apply.ts';
import { numberOption, parseIteration } from './options.ts';

export interface ReapplyCliOptions extends TargetCliOptions {
  fuzz?: number;
  yes?: boolean;
  dryRun?: boolean;
  iteration?: number;
}

const parseFuzz = numberOption('--fuzz', { min: 0, max: 10, example: 2 });

export function register(program: Command): void {
  withImplementOptions(
    program
      .command('reapply')
      .description('Re-apply exported fixes after the agents were upgraded: fuzzy where code moved, refused where it no longer fits.')
      .argument('[plans...]', 'exported .plan.json files (default: every plan in the workspace patches/ folder)')
      .option('--fuzz <n>', 'context lines that may differ when placing a hunk (default: the plan\'s, 2 for exports)', parseFuzz)
      .option('--iteration <n>', 'iteration to record in (default: the latest)', parseIteration)
      .option('--dry-run', 'print what would change; change nothing')
      .option('--yes', 'do not ask before each fix'),
  ).action(async (plans, opts) => {
    process.exitCode = await runReapply(plans, opts as ReapplyCliOptions);
  });
}

export async function runReapply(plans: string[], o: ReapplyCliOptions, stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  const out = (line: string) => void stdout.write(line + '\n');
  const [{ ctx }, { reapplyExports }, { currentIteration }] = await Promise.all([implementContext(o, out), import('../implement/index.ts'), import('../workspace.ts')]);
  const results = await reapplyExports(ctx, { planFiles: plans.length ? plans : undefined, fuzz: o.fuzz, yes: o.yes, dryRun: o.dryRun, iteration: o.iteration ?? currentIteration(ctx.ws) });
  if (results.length === 0) out('no exported plan found (run `plexmend export` first)');
  for (const r of results) out(`${r.fixId}: ${r.outcome} — ${r.detail}`);
  return results.some((r) => r.outcome === 'refused' || r.outcome === 'rolled-back') ? 1 : 0;
}
