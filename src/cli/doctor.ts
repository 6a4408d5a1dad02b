/**
 * `plexmend doctor`: argv → Config → the doctor checks (src/config/doctor.ts) → text (or `--json`, the
 * `plexmend.doctor/1` document, with the target line on stderr). Exit 0 when plexmend can work, 1 otherwise.
 */
import { Command } from '@commander-js/extra-typings';
import { withTargetOptions, targetFlags, type TargetOptionValues } from './target-options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('Check what plexmend found: Plex data/log/Plug-ins folders, agent bundles, write access, server, token, whether they belong together, and the Python 2.7 checker.')
    .option('--json', 'print the plexmend.doctor/1 document instead of text');
  withTargetOptions(cmd).action(async (opts) => {
    const { loadConfig, doctor, renderDoctor } = await import('../config/index.ts');
    const { paint } = await import('./ui.ts');
    const config = await loadConfig(targetFlags(opts as TargetOptionValues));
    const report = await doctor(config);
    if (opts.json) {
      process.stderr.write(report.target + '\n');
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      const colour = { ok: 32, warn: 33, missing: 31 } as const;
      process.stdout.write(renderDoctor(report, (text, status) => paint(text, colour[status])));
    }
    process.exitCode = report.usable ? 0 : 1;
  });
}
