/**
 * `plexmend diagnose`: argv → typed options → `diagnose()` (src/diagnose) → `diagnostic_report.json`
 * and its Markdown rendering. No diagnosis logic here.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { InputError } from '../errors.ts';
import { numberOption, parseIteration } from './options.ts';
import { targetFlags, withTargetOptions, type TargetOptionValues } from './target-options.ts';

export interface DiagnoseCliOptions extends TargetOptionValues {
  report?: string;
  workspace?: string;
  iteration?: number;
  probe?: boolean;
  py27Checker?: 'auto' | 'parser';
  format?: 'md' | 'json';
  /** `--llm` (true) or `--llm URL`. */
  llm?: string | boolean;
  llmModel?: string;
  llmKeyEnv?: string;
  llmConsult?: 'unfixed' | 'all';
  llmTimeout?: number;
}

/** The LLM adviser's options, shared by `diagnose`, `loop` and `start`. */
export function withLlmOptions<C extends Command<any, any, any>>(cmd: C): C {
  cmd
    .option('--llm [url]', 'also ask an LLM adviser (OpenAI-compatible API base; default http://127.0.0.1:11434/v1, a local Ollama); off by default. Its proposals pass the same checklist or are discarded')
    .option('--llm-model <name>', 'the adviser\'s model (e.g. llama3.1, qwen2.5-coder, gpt-4o-mini); or PLEXMEND_LLM_MODEL')
    .option('--llm-key-env <var>', 'environment variable holding the API key (default PLEXMEND_LLM_KEY, then OPENAI_API_KEY); the key itself is never a flag')
    .addOption(new Option('--llm-consult <policy>', 'groups sent: unfixed (no fix offered, or an unprobed guess) or all').choices(['unfixed', 'all'] as const))
    .option('--llm-timeout <seconds>', 'how long to wait for one answer (default 120)', parseSeconds);
  return cmd;
}

const parseSeconds = numberOption('--llm-timeout', { above: 0, max: 3600, integer: false, example: 300 });

export function register(program: Command): void {
  withLlmOptions(withTargetOptions(program
    .command('diagnose')
    .description('Phase 2: root causes with log and code evidence, and validated fix proposals with expected results.')
    .option('--report <file>', 'the aggregate report (JSON); default: the iteration\'s aggregated_logs_baseline.json')
    .option('--workspace <dir>', 'the workspace folder (default plex_improvement)')
    .option('--iteration <n>', 'iteration (default: the latest, or 1)', parseIteration)
    .option('--no-probe', 'do not ask the sites (by default at most two requests per failing host tell header refusals from challenges)')
    .addOption(new Option('--py27-checker <kind>', 'Python 2.7 check: auto (an interpreter if found, else the parser) or parser').choices(['auto', 'parser'] as const))
    .addOption(new Option('--format <format>', 'also print this rendering to standard output').choices(['md', 'json'] as const))))
    .action(async (opts) => {
      process.exitCode = await runDiagnose(opts as DiagnoseCliOptions);
    });
}

export async function runDiagnose(o: DiagnoseCliOptions, io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const [{ loadConfig, describeTarget, requireFolder }, ws, { readDocument, writeDocument }, { LogReportDocument }, { DiagnosticReportDocument, LessonsLedgerDocument }, { runDiagnosis }, { renderDiagnosisMarkdown }, { writeFileAtomic }, { existsSync }] =
    await Promise.all([
      import('../config/index.ts'), import('../workspace.ts'), import('../documents.ts'), import('../logs/schema.ts'),
      import('../diagnose/schema.ts'), import('../diagnose/run.ts'), import('../report/diagnosis-md.ts'), import('../io/atomic.ts'), import('node:fs'),
    ]);
  const config = await loadConfig({ ...targetFlags(o), workspace: o.workspace, llmKeyEnv: o.llmKeyEnv });
  const { resolveAdviserSettings } = await import('../diagnose/llm/index.ts');
  const adviser = resolveAdviserSettings(o, config.llm);
  stderr.write(describeTarget(config) + '\n');
  const workspace = ws.workspaceAt(o.workspace ?? config.workspace);
  const n = o.iteration ?? ws.currentIteration(workspace);
  const reportPath = o.report ?? ws.paths.aggregateJson(workspace, n);
  if (!existsSync(reportPath)) throw new InputError(`no aggregate report at ${reportPath}`, 'run `plexmend aggregate` first, or pass --report FILE');
  const report = await readDocument(LogReportDocument, reportPath);
  const pluginsDir = requireFolder(config, 'pluginsDir');
  const ledgerPath = ws.paths.lessons(workspace);
  const ledger = existsSync(ledgerPath) ? await readDocument(LessonsLedgerDocument, ledgerPath) : { schema: 'plexmend.lessons/1' as const, lessons: [] };

  const diagnosis = await runDiagnosis(report, {
    pluginsDir,
    reportPath,
    iteration: n,
    ledger,
    probe: o.probe !== false,
    parserOnly: o.py27Checker === 'parser',
    hostMap: config.target.kind === 'sandbox' ? config.sandbox?.hostMap : undefined,
    python: config.python,
    ...(adviser ? { adviser, secrets: config.target.token ? [config.target.token] : [] } : {}),
  });
  await writeDocument(DiagnosticReportDocument, ws.paths.diagnosisJson(workspace, n), diagnosis);
  const md = renderDiagnosisMarkdown(diagnosis);
  await writeFileAtomic(ws.paths.diagnosisMd(workspace, n), md);
  if (o.format === 'md') stdout.write(md);
  if (o.format === 'json') stdout.write(JSON.stringify(diagnosis, null, 2) + '\n');
  const proposals = diagnosis.groups.flatMap((g) => g.proposals);
  if (diagnosis.groups.length === 0) stderr.write('plexmend: the report holds no errors: nothing to diagnose\n');
  else {
    stderr.write(
      `plexmend: ${diagnosis.groups.length} error groups; ${proposals.filter((p) => p.offered && p.kind === 'patch').length} code fixes and ` +
        `${proposals.filter((p) => p.offered && p.kind === 'workaround').length} workarounds offered, ${proposals.filter((p) => !p.offered).length} held back; ` +
        `Python 2.7 check: ${diagnosis.python27Checker}\n`,
    );
  }
  if (diagnosis.adviser) {
    const { describeAdviserRun } = await import('../diagnose/llm/index.ts');
    stderr.write(describeAdviserRun(diagnosis.adviser).replace(/^(?! )/gm, 'plexmend: ') + '\n');
  }
  stderr.write(`plexmend: wrote ${ws.paths.diagnosisMd(workspace, n)} (+ .json)\n`);
  return 0;
}

