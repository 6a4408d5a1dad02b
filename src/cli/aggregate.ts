/**
 * `plexmend aggregate`: argv → typed options → `aggregate()` (src/logs) → the document and its
 * renderings. No log parsing here.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { UsageError } from '../errors.ts';
import { parseIteration } from './options.ts';

export interface AggregateCliOptions {
  paths: string[];
  logs?: string;
  stdin?: boolean;
  archive?: boolean;
  pasted?: boolean;
  workspace?: string;
  iteration?: number;
  format?: 'text' | 'md' | 'json';
  output?: string;
  since?: string;
  until?: string;
  agent?: string[];
  incremental?: boolean;
}

export function register(program: Command): void {
  program
    .command('aggregate')
    .description('Phase 1: read the plug-in logs and report error patterns, per-agent figures and failed items.')
    .argument('[paths...]', 'log files or folders to read ("-" = standard input); default: the plug-in log folder (PLEXMEND_LOGS_DIR, plexmend.yaml, else found per platform)')
    .option('--logs <dir>', 'the plug-in log folder ("PMS Plugin Logs")')
    .addOption(new Option('--logs-dir <dir>', 'same as --logs (the spelling of the later phases)').hideHelp())
    .option('--stdin', 'read standard input (a pasted excerpt; read leniently)')
    .option('--archive', "read the workspace's watch archive (see `plexmend watch`)")
    .option('--pasted', 'read files leniently, as pasted excerpts (markdown-mangled, prefix-less or annotated lines)')
    .option('--workspace <dir>', 'the workspace folder (default: PLEXMEND_WORKSPACE, plexmend.yaml, else plex_improvement)')
    .option('--iteration <n>', 'iteration folder to write (default: the latest, or 1)', parseIteration)
    .addOption(new Option('--format <format>', 'print this rendering to standard output (or to --output)').choices(['text', 'md', 'json'] as const))
    .option('--output <file>', 'write the rendering to this file (atomically) instead of the workspace')
    .option('--since <time>', 'only lines at or after this time: YYYY-MM-DD, "YYYY-MM-DD HH:MM[:SS]" or a duration (24h, 7d)')
    .option('--until <time>', 'only lines at or before this time (same forms)')
    .option('--agent <names...>', 'only these agents (name as logged, e.g. GEVI, or bundle id)')
    .option('--incremental', "read only what was written since the last --incremental run (bookmarks.json in the workspace; lines rotated away unread are reported as a gap)")
    .action(async (paths, opts) => {
      const { logsDir, ...rest } = opts;
      process.exitCode = await runAggregate({ ...rest, logs: rest.logs ?? logsDir, paths });
    });
}

/** Runs the command; returns the exit code. Throws PlexmendError subclasses for bad usage or input. */
export async function runAggregate(o: AggregateCliOptions, io: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WriteStream; now?: () => Date } = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const now = io.now ?? (() => new Date());
  const [{ aggregate, fileTemplateStore, parseTimeBound }, { readLogLines }, { isDirectory }, { loadConfig }, { requireFolder },
    ws, { writeFileAtomic, jsonDocument, writePieces }, { renderAggregateText }, { renderAggregateMarkdown, gapSize }] = await Promise.all([
    import('../logs/index.ts'), import('../logs/read.ts'), import('../io/dir.ts'), import('../config/load.ts'), import('../config/folders.ts'),
    import('../workspace.ts'), import('../io/atomic.ts'), import('../report/aggregate-text.ts'), import('../report/aggregate-md.ts'),
  ]);
  type Input = import('../logs/input.ts').LogInput;

  const wantsStdin = o.stdin || o.paths.includes('-');
  const sources = [wantsStdin, o.paths.filter((p) => p !== '-').length > 0, Boolean(o.logs), Boolean(o.archive)].filter(Boolean).length;
  if (sources > 1) throw new UsageError('give one input: paths, --logs DIR, --stdin (or "-") or --archive', 'run one aggregate per input');
  // The workspace and the default log folder as every other command resolves them (flag, environment,
  // plexmend.yaml, a running sandbox, discovery), so aggregate writes where diagnose and the loop read.
  const config = await loadConfig({ workspace: o.workspace });
  const workspace = ws.workspaceAt(config.workspace);
  let input: Input;
  let label: string;
  if (wantsStdin) {
    input = { kind: 'stdin', stream: io.stdin ?? process.stdin };
    label = 'standard input';
  } else if (o.archive) {
    input = { kind: 'archive', dir: ws.paths.archiveDir(workspace) };
    label = `watch archive ${input.dir}`;
  } else if (o.logs) {
    input = { kind: 'folder', dir: o.logs };
    label = `plug-in log folder ${o.logs}`;
  } else if (o.paths.length) {
    const one = o.paths.length === 1 && (await isDirectory(o.paths[0]));
    input = one ? { kind: 'folder', dir: o.paths[0] } : { kind: 'files', paths: o.paths };
    label = one ? `folder ${o.paths[0]}` : `${o.paths.length} file(s)`;
  } else {
    const dir = requireFolder(config, 'logsDir');
    input = { kind: 'folder', dir };
    label = `plug-in log folder ${dir} (${config.paths.sources.logsDir})`;
  }
  if (o.incremental && wantsStdin) throw new UsageError('--incremental reads files, not standard input', 'give the log folder (--logs DIR) or files');
  const { loadBookmarks, saveBookmarks } = await import('../logs/bookmarks.ts');
  const bookmarkPath = ws.paths.bookmarks(workspace);
  const bookmarks = o.incremental ? await loadBookmarks(bookmarkPath) : undefined;
  let nextBookmarks: import('../logs/bookmarks.ts').BookmarkDoc | undefined;
  const since = o.since ? parseTimeBound(o.since, '--since', now()) : undefined;
  const until = o.until ? parseTimeBound(o.until, '--until', now()) : undefined;
  if (since && until && since > until) throw new UsageError(`--since ${since} is after --until ${until}`, 'swap the two bounds');

  stderr.write(`plexmend: aggregating ${label}\n`);
  // Progress: a listr2 task with a live line count on a terminal, plain lines otherwise.
  const { createUi } = await import('./ui.ts');
  const ui = createUi(stderr as NodeJS.WriteStream);
  const { report } = await ui.steps<{ report?: import('../logs/schema.ts').LogReport }>(
    [
      {
        title: `read ${label}`,
        run: async (ctx, update) => {
          ctx.report = await aggregate(input, { read: readLogLines, templates: fileTemplateStore(ws.paths.templates(workspace)), now }, {
            since, until, agents: o.agent, lenient: o.pasted || undefined,
            // The configured token is redacted wherever it appears, not only in the forms redact.ts knows.
            knownTokens: config.target.token ? [config.target.token] : undefined,
            onProgress: ui.tty ? (n) => update(`${n.toLocaleString('en-US')} lines…`) : undefined,
            read: bookmarks ? { bookmarks } : undefined,
            onRead: (r) => (nextBookmarks = r.bookmarks),
          });
        },
      },
    ],
    {},
  ) as { report: import('../logs/schema.ts').LogReport };
  for (const p of report.problems) stderr.write(`plexmend: warning: ${p.path}: ${p.message}\n`);
  for (const name of o.agent ?? []) {
    const n = name.toLowerCase();
    const found = Object.entries(report.agents).some(([a, s]) => a.toLowerCase() === n || s.bundleId?.toLowerCase() === n);
    if (!found) stderr.write(`plexmend: warning: --agent ${name} matched no agent in these logs (give the name as logged, e.g. GEVI, or the bundle id com.plexapp.agents.GEVI)\n`);
  }
  for (const g of report.gaps) stderr.write(`plexmend: warning: gap in ${g.file}: ${gapSize(g)} (${g.reason})\n`);

  // JSON goes out in pieces: over a long archive it is tens of MB, and one string of it was most of the peak memory.
  const render = (f: 'text' | 'md' | 'json') =>
    f === 'json' ? jsonDocument(report) : f === 'md' ? renderAggregateMarkdown(report) : renderAggregateText(report);
  if (o.output) {
    await writeFileAtomic(o.output, render(o.format ?? 'text'));
    stderr.write(`plexmend: wrote ${o.output}\n`);
  } else if (o.format) {
    await writePieces(stdout, render(o.format));
  } else {
    const n = o.iteration ?? ws.currentIteration(workspace);
    await writeFileAtomic(ws.paths.aggregateJson(workspace, n), render('json'));
    await writeFileAtomic(ws.paths.aggregateText(workspace, n), render('text'));
    stderr.write(`plexmend: wrote ${ws.paths.aggregateText(workspace, n)} (+ .json)\n`);
  }
  // Saved once the report is written: a run that fails before leaves the bookmarks where they were.
  if (o.incremental && nextBookmarks) await saveBookmarks(bookmarkPath, nextBookmarks);
  const t = report.totals;
  stderr.write(`plexmend: ${report.counts.lines.toLocaleString('en-US')} lines, ${t.errors} errors in ${report.patterns.filter((p) => p.class !== 'framework_noise').length} patterns, ` +
    `${t.noise} framework noise, ${report.items.filter((i) => i.outcome !== 'matched').length} failed items\n`);
  return 0;
}
