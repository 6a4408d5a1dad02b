/**
 * `plexmend loop`: argv → options → the loop (src/loop). Ctrl-C finishes the current step safely, saves
 * and exits (MANUAL_EXIT); `--resume` continues exactly there.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { withLlmOptions } from './diagnose.ts';
import { numberOption } from './options.ts';
import { targetFlags, withTargetOptions, type TargetOptionValues } from './target-options.ts';

export interface LoopCliOptions extends TargetOptionValues {
  resume?: boolean;
  yes?: boolean;
  goal: number;
  maxIterations: number;
  panelSize: number;
  sampleSize: number;
  paceMs: number;
  seed: number;
  probe?: boolean;
  py27Checker?: 'auto' | 'parser';
  workspace?: string;
  /** The LLM adviser for the loop's diagnoses (see `plexmend diagnose --llm`). */
  llm?: string | boolean;
  llmModel?: string;
  llmKeyEnv?: string;
  llmConsult?: 'unfixed' | 'all';
  llmTimeout?: number;
}

/** Options shared by `loop` and `start`. */
export function withLoopOptions<C extends Command<any, any, any>>(cmd: C): C {
  cmd
    .option('--yes', 'do not ask before each change (non-interactive runs imply it)')
    .option('--goal <share>', 'stop with SUCCESS when this share of the panel\'s searches match (0–1)', numberOption('--goal', { min: 0, max: 1, integer: false, example: 0.9 }), 0.9)
    .option('--max-iterations <n>', 'stop after this many iterations', numberOption('--max-iterations', { min: 1, max: 100, example: 10 }), 10)
    .option('--panel-size <n>', 'items in the fixed progress panel (all failing items are in it)', numberOption('--panel-size', { min: 1, example: 60 }), 60)
    .option('--sample-size <n>', 'items per fix test', numberOption('--sample-size', { min: 1, example: 20 }), 20)
    .option('--pace-ms <ms>', 'minimum time between two refreshes', numberOption('--pace-ms', { min: 0, example: 1000 }), 0)
    .option('--seed <n>', 'seed of the panel and sample choice', numberOption('--seed', { min: 0 }), 1)
    .option('--no-probe', 'do not ask the sites while diagnosing')
    .addOption(new Option('--py27-checker <kind>', 'Python 2.7 check: auto or parser').choices(['auto', 'parser'] as const))
    .option('--workspace <dir>', 'the workspace folder (default plex_improvement)');
  withLlmOptions(cmd);
  return cmd;
}

export function register(program: Command): void {
  withLoopOptions(withTargetOptions(
    program
      .command('loop')
      .description('Phases 1–6 in a loop: aggregate, diagnose, then per fix control → apply → test → keep or roll back; post-mortem; until the panel says stop.')
      .option('--resume', 'continue the loop saved in the workspace exactly where it stopped'),
  )).action(async (opts) => {
    process.exitCode = await runLoopCommand(opts as unknown as LoopCliOptions);
  });
}

export async function runLoopCommand(o: LoopCliOptions, preloaded?: import('../config/index.ts').Config): Promise<number> {
  const [{ loadConfig, describeTarget }, ws, { loop }] = await Promise.all([import('../config/index.ts'), import('../workspace.ts'), import('../loop/index.ts')]);
  const config = preloaded ?? (await loadConfig({ ...targetFlags(o), workspace: o.workspace, llmKeyEnv: o.llmKeyEnv }));
  const adviser = (await import('../diagnose/llm/index.ts')).resolveAdviserSettings(o, config.llm);
  process.stderr.write(describeTarget(config) + '\n');
  const workspace = ws.workspaceAt(o.workspace ?? config.workspace);
  const interactive = Boolean(process.stdin.isTTY) && process.env.CI !== 'true';
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nplexmend: stopping after the current step (Ctrl-C again to quit at once; --resume continues)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const ask = interactive && !o.yes ? (await import('../implement/adapters.ts')).terminalPrompt() : undefined;
    const { state, report, html } = await loop(config, workspace, {
      resume: Boolean(o.resume),
      yes: Boolean(o.yes) || !interactive,
      goal: o.goal,
      maxIterations: o.maxIterations,
      seed: o.seed,
      panelSize: o.panelSize,
      sampleSize: o.sampleSize,
      paceMs: o.paceMs,
      probe: o.probe !== false,
      parserOnly: o.py27Checker === 'parser',
      ...(adviser ? { adviser } : {}),
      out: (line) => process.stderr.write(`${line}\n`),
      interrupted: () => stop,
      ...(ask ? { ask } : {}),
    });
    const first = state.figures[0];
    const last = state.figures[state.figures.length - 1];
    const pct = (x?: number) => (x === undefined ? 'n/a' : `${Math.round(x * 100)} %`);
    process.stdout.write(
      `\n${state.exit?.reason ?? 'STOPPED'}: ${state.exit?.detail ?? ''}\n` +
        `panel: ${pct(first?.success)} → ${pct(last?.success)} over ${state.figures.length - 1} iteration(s); ` +
        `fixes kept ${state.fixes.filter((f) => f.kept && !f.retestOf).length}, rolled back ${state.fixes.filter((f) => f.decision && !f.kept && !f.retestOf).length} (re-tests of monitored fixes: ${state.fixes.filter((f) => f.retestOf).length})\n` +
        `report: ${report}\nhtml:   ${html}\n`,
    );
    return state.exit?.reason === 'FAILURE' ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
