/**
 * `plexmend survey`: argv → Config → survey (src/plex/survey.ts) of the target's library → text, or
 * `--json` (the `plexmend.survey/1` document) / `--out FILE` (written atomically).
 */
import { Command } from '@commander-js/extra-typings';
import { withTargetOptions, targetFlags, type TargetOptionValues } from './target-options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('survey')
    .description('Per library section and agent: how many items lack a summary, poster, cast or release date.')
    .option('--section <key-or-title...>', 'only these sections')
    .option('--json', 'print the plexmend.survey/1 document instead of text')
    .option('--out <file>', 'also write the plexmend.survey/1 document to this file');
  withTargetOptions(cmd, { folders: false }).action(async (opts) => {
    const [{ loadConfig, describeTarget }, { connectPlex }, { survey, renderSurvey, surveyDoc }, { writeDocument }] = await Promise.all([
      import('../config/index.ts'), import('../plex/connect.ts'), import('../plex/survey.ts'), import('../documents.ts'),
    ]);
    const config = await loadConfig(targetFlags(opts as TargetOptionValues));
    const target = describeTarget(config);
    process.stderr.write(target + '\n');
    const client = await connectPlex(config);
    const report = await survey(client, { target, only: opts.section });
    if (opts.out) await writeDocument(surveyDoc, opts.out, report);
    process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderSurvey(report, { header: false }));
  });
}
