/**
 * The inputs of the golden test (golden.test.ts) and how their reports are compared: generated plug-in
 * log folders and a generated watch archive (bench/generate.ts, seeded), and every real-log fixture read
 * as files and as a pasted excerpt. The reports' JSON is normalised (no `generatedAt`, the temporary
 * folder as `<DIR>`), so a faster reader or aggregator must give exactly the report the code gave before.
 * The modules are passed in, so the same corpus can be run against an older checkout to make the goldens.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../../bench/generate.ts';
import type { LogInput } from '../../src/logs/input.ts';

/** The parts of src/logs the corpus runs (index.ts and read.ts of some checkout). */
export interface LogsModules {
  aggregate: typeof import('../../src/logs/index.ts').aggregate;
  memoryTemplateStore: typeof import('../../src/logs/index.ts').memoryTemplateStore;
  readLogLines: typeof import('../../src/logs/read.ts').readLogLines;
}

const REAL_LOGS = fileURLToPath(new URL('../fixtures/real-logs/', import.meta.url));

/** One normalised report per case, keyed by case name. */
export async function goldenReports(m: LogsModules): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'plexmend golden '));
  const out: Record<string, unknown> = {};
  try {
    const run = async (name: string, input: LogInput, lenient?: boolean) => {
      const report = await m.aggregate(input, { read: m.readLogLines, templates: m.memoryTemplateStore(), now: () => new Date(0) }, { lenient });
      const { generatedAt: _, ...rest } = report;
      out[name] = JSON.parse(JSON.stringify(rest).split(JSON.stringify(root).slice(1, -1)).join('<DIR>'));
    };
    const folder = join(root, 'Application Support', 'PMS Plugin Logs');
    generate({ dir: folder, bytes: 1_500_000, seed: 5, layout: 'folder', platform: 'windows', restartRate: 0.02 });
    await run('generated folder (windows, restarts)', { kind: 'folder', dir: folder });
    const synology = join(root, 'synology', 'PMS Plugin Logs');
    generate({ dir: synology, bytes: 600_000, seed: 9, layout: 'folder', platform: 'synology', agents: 4 });
    await run('generated folder (synology, negative thread ids)', { kind: 'folder', dir: synology });
    const archive = join(root, 'ws', 'log_archive');
    generate({ dir: archive, bytes: 1_000_000, seed: 6, layout: 'archive', platform: 'linux', agents: 6 });
    await run('generated watch archive', { kind: 'archive', dir: archive });
    const real = join(root, 'real');
    mkdirSync(real);
    for (const name of readdirSync(REAL_LOGS).filter((n) => n.endsWith('.log')).sort()) {
      copyFileSync(join(REAL_LOGS, name), join(real, name));
      await run(`real ${name}`, { kind: 'files', paths: [join(real, name)] });
      await run(`real ${name} (pasted)`, { kind: 'files', paths: [join(real, name)] }, true);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}
