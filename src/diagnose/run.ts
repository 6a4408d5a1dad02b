/**
 * The real-world wiring of diagnose(): inspection of the Plug-ins folder on disk, HTTP to the sites (with
 * the sandbox's host map when the target is the sandbox), the Python 2.7 checker found on this machine.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { diagnose } from './index.ts';
import { inspectPlugins, fsBundleReader } from './inspect/index.ts';
import { fetchHttp, hostMappedHttp } from './probe.ts';
import { checkPython27, selectPy27Checker } from './python/py27.ts';
import { nodeProcessRunner } from './python/process.ts';
import type { LogReport } from '../logs/schema.ts';
import type { DiagnosticReport, LessonsLedger } from './schema.ts';
import { InputError } from '../errors.ts';
import { chatAdviser, type AdviserSettings } from './llm/index.ts';

export interface RunDiagnosisOptions {
  pluginsDir: string;
  reportPath: string;
  iteration: number;
  ledger: LessonsLedger;
  probe: boolean;
  parserOnly?: boolean;
  python?: string;
  hostMap?: Record<string, string>;
  minItems?: number;
  /**
   * A Python 2.7 checker already selected (e.g. a kept-running Jython session from selectPy27Session, shared
   * by several diagnoses so the JVM starts once); default: selected on first use (parserOnly, python).
   */
  py27?: Awaited<ReturnType<typeof selectPy27Checker>>;
  /** The LLM adviser's settings when `--llm` is on; absent: off. */
  adviser?: AdviserSettings;
  /** Values never to send to the adviser (the Plex token); its own key is added. */
  secrets?: string[];
}

export async function runDiagnosis(report: LogReport, o: RunDiagnosisOptions): Promise<DiagnosticReport> {
  let inspection;
  try {
    inspection = await inspectPlugins(o.pluginsDir, { reader: fsBundleReader });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot inspect the bundles in ${o.pluginsDir}: ${(err as Error).message}`, 'check --plugins-dir points at the Plug-ins folder', err);
  }
  let selected: Awaited<ReturnType<typeof selectPy27Checker>> | undefined = o.py27;
  return diagnose(
    report,
    {
      inspection,
      readText: (rel) => readFile(join(o.pluginsDir, ...rel.split('/')), 'utf8'),
      http: o.hostMap ? hostMappedHttp(o.hostMap) : fetchHttp,
      async py27(files) {
        selected ??= await selectPy27Checker(nodeProcessRunner, { parserOnly: o.parserOnly, configured: o.python });
        return checkPython27(files, selected);
      },
      async bundleLibraries(bundle) {
        try {
          const names = await readdir(join(o.pluginsDir, bundle, 'Contents', 'Libraries', 'Shared'));
          return new Set(names.map((n) => n.replace(/\.(py|pyc|so|pyd)$/, '').split('-')[0]!));
        } catch {
          return new Set();
        }
      },
      now: () => new Date(),
      ...(o.adviser ? { adviser: chatAdviser(o.adviser, o.secrets ?? []) } : {}),
    },
    { iteration: o.iteration, reportPath: o.reportPath, pluginsDir: o.pluginsDir, ledger: o.ledger, probe: o.probe, minItems: o.minItems ?? 5 },
  );
}
