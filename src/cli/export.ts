/** `plexmend export [fix...]`: argv → `exportFixes()` (src/implement): kept fixes as .patch files. */
import { Command } from '@commander-js/extra-typings';
import { implementContext, withImplementOptions, type TargetCliOptions } from './apply.ts';
import { parseFixId } from './options.ts';

export function register(program: Command): void {
  withImplementOptions(
    program
      .command('export')
      .description('Write applied (kept) fixes as .patch files with a summary fit for an upstream bug report, plus plans for `plexmend reapply`.')
      .argument('[fixes...]', 'only these fix ids (default: every applied fix)'),
  ).action(async (fixes, opts) => {
    process.exitCode = await runExport(fixes, opts as TargetCliOptions);
  });
}

export async function runExport(fixes: string[], o: TargetCliOptions, stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  const ids = fixes.map(parseFixId);
  const out = (line: string) => void stdout.write(line + '\n');
  const [{ ctx }, { exportFixes }] = await Promise.all([implementContext(o, out), import('../implement/index.ts')]);
  const written = await exportFixes(ctx, ids);
  if (written.length === 0) out('no applied fix to export');
  for (const p of written) out(p);
  return 0;
}
