/**
 * Builds Phase 3's context from the resolved Config (config/): the Plug-ins and plug-in log folders, the
 * Plex client when a server and token are known (HTTP restarts and the sessions check), the Python 2.7
 * checker, the process runner, and the restart order the lessons ledger asks for.
 */
import { InputError } from '../errors.ts';
import { paths, workspaceAt, DEFAULT_WORKSPACE } from '../workspace.ts';
import type { Config } from '../config/index.ts';
import { requireFolder } from '../config/folders.ts';
import { LessonsLedgerDocument } from '../diagnose/schema.ts';
import { execRunner, fileLogTail, isAlive, realClock } from './adapters.ts';
import { py27CodeChecker } from './checker.ts';
import type { ImplementContext } from './context.ts';
import { nodeFs, readDoc } from './files.ts';
import { restartOrderFromLessons } from './lessons.ts';
import type { PlexControl, RestartStrategyName } from './restart.ts';
import { layoutFor } from './scope.ts';

export interface SetupIo {
  out(line: string): void;
  prompt(question: string): Promise<boolean>;
  noWait?: boolean;
  /** `docker restart <container>` is allowed as the Plex-restart strategy. */
  docker?: string;
  /** Explicit restart order (overrides lessons). */
  restartOrder?: RestartStrategyName[];
  /** Check Python 2.7 with the parser only (no interpreter probing). */
  parserOnly?: boolean;
  /** A Python 2.7 checker already selected (the loop's one kept-running session), used instead of probing. */
  py27?: NonNullable<Parameters<typeof py27CodeChecker>[1]>['selected'];
}

/** The context for apply/rollback/export/reapply. Throws InputError when the Plug-ins folder is unknown. */
export async function contextFromConfig(config: Config, io: SetupIo): Promise<ImplementContext> {
  const plugins = requireFolder(config, 'pluginsDir');
  const ws = workspaceAt(config.workspace ?? DEFAULT_WORKSPACE);
  let plex: PlexControl | undefined;
  if (config.target.token || config.target.kind === 'sandbox') {
    const [{ PlexClient, loadClientIdentifier }] = await Promise.all([import('../plex/index.ts')]);
    plex = new PlexClient({ url: config.target.url, token: config.target.token, clientIdentifier: await loadClientIdentifier(config.userConfigDir), timeoutMs: config.timeoutMs });
  }
  let order = io.restartOrder;
  if (!order) {
    const ledger = await nodeFs.info(paths.lessons(ws)).then((i) => (i ? readDoc(nodeFs, LessonsLedgerDocument, paths.lessons(ws)) : undefined));
    const fromLessons = restartOrderFromLessons(ledger?.lessons ?? []);
    order = fromLessons.order;
    if (fromLessons.lessonId) io.out(`restart order ${order.join(' → ')} (lesson ${fromLessons.lessonId})`);
  }
  return {
    ws,
    layout: layoutFor(plugins, config.paths.supportDir),
    deps: {
      fs: nodeFs,
      ...realClock,
      prompt: io.prompt,
      out: io.out,
      logs: config.paths.logsDir ? fileLogTail(config.paths.logsDir) : { read: async () => undefined },
      plex,
      runner: execRunner,
      checker: py27CodeChecker(nodeFs, { configured: config.python, parserOnly: io.parserOnly, ...(io.py27 ? { selected: io.py27 } : {}) }),
      isAlive,
      pid: process.pid,
    },
    restart: { order, noWait: io.noWait, server: { platform: config.platform as NodeJS.Platform, dockerContainer: io.docker } },
  };
}
