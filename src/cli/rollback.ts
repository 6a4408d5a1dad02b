/** `plexmend rollback <fix>`: argv → typed options → `rollbackFix()` (src/implement). */
import { Command } from '@commander-js/extra-typings';
import { implementContext, withImplementOptions, type TargetCliOptions } from './apply.ts';
import { parseFixId, parseIteration } from './options.ts';

export interface RollbackCliOptions extends TargetCliOptions {
  force?: boolean;
  iteration?: number;
}

export function register(program: Command): void {
  withImplementOptions(
    program
      .command('rollback')
      .description('Phase 3: put every file a fix changed back to its bytes from before (hash-verified), restart, check.')
      .argument('<fix>', 'the fix id, e.g. fix3')
      .option('--force', 'overwrite files someone else changed since the fix')
      .option('--iteration <n>', 'look only in this iteration (default: the latest record of the fix)', parseIteration),
  ).action(async (fix, opts) => {
    process.exitCode = await runRollback(fix, opts as RollbackCliOptions);
  });
}

/** Runs `rollback`; returns the exit code. */
export async function runRollback(fixArg: string, o: RollbackCliOptions, stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  const fix = parseFixId(fixArg);
  const out = (line: string) => void stdout.write(line + '\n');
  const [{ ctx }, { rollbackFix }] = await Promise.all([implementContext(o, out), import('../implement/index.ts')]);
  const r = await rollbackFix(fix, ctx, { force: o.force, iteration: o.iteration });
  for (const f of r.files) out(`  ${f.rel}: ${f.method}`);
  return 0;
}
