/**
 * The ground truth of a sandbox scenario (src/sandbox/scenario.ts), read for the end-to-end proof of issue 4
 * (test/diagnose/sandbox-e2e.test.ts): the planted defects grouped as diagnose should find them (agent ×
 * the defect the log shows today), the knowledge-base cause that names each defect, each item × agent's
 * result in an aggregate window by the test phase's own rule (testing/run.ts `observe`: the agent's search
 * footer), and a byte snapshot of bundles. Nothing here names a scenario, an agent or a host: it all comes
 * from the scenario file, so the proof follows the data.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { observe } from '../../src/testing/run.ts';
import type { ItemResult } from '../../src/testing/schema.ts';
import type { EventClass, ItemOutcome, LogReport } from '../../src/logs/schema.ts';
import type { Defect, Scenario, ScenarioItem, Truth } from '../../src/sandbox/scenario.ts';

/**
 * The knowledge-base rule (src/diagnose/knowledge.ts `RULES[].id`) that names each planted defect: the
 * vocabulary of the scenario's ground truth mapped onto the vocabulary of the diagnosis.
 */
export const CAUSE_OF_DEFECT: Record<Defect, string> = {
  browser_headers: 'refuses-non-browser-requests',
  rate_limit: 'rate-limited',
  redesigned_markup: 'xpath-stopped-matching',
  title_normaliser: 'title-normalisation',
  absent_title: 'no-results',
  misnamed_file: 'filename-format',
  cloudflare_challenge: 'anti-bot-challenge',
  transient_5xx: 'server-errors',
  slow_site: 'timeouts',
  site_down: 'host-unreachable',
};

/** One item × agent of the scenario with its truth. */
export interface Pair {
  item: ScenarioItem;
  agent: string;
  truth: Truth;
}

/** A planted defect as the logs show it today: one agent, one defect, the class (and status) it logs, its pairs. */
export interface PlantedGroup {
  agent: string;
  defect: Defect;
  class: EventClass;
  status?: number;
  pairs: Pair[];
}

/** Every item × agent of the scenario, in item order. */
export function pairsOf(s: Scenario): Pair[] {
  return s.items.flatMap((item) => Object.entries(item.truth).map(([agent, truth]) => ({ item, agent, truth })));
}

/**
 * The planted defects visible in today's logs, grouped by agent and defect. A failing pair shows the first
 * of its defects (scenario.ts: "the first is what the log shows today"); later ones surface once it is cured.
 */
export function plantedGroups(s: Scenario): PlantedGroup[] {
  const out = new Map<string, PlantedGroup>();
  for (const p of pairsOf(s)) {
    if (p.truth.now !== 'fail') continue;
    const defect = p.truth.defects[0];
    if (!defect || !p.truth.class) throw new Error(`scenario ${s.name}: ${p.item.ratingKey} × ${p.agent} fails with no defect or class`);
    const key = `${p.agent}|${defect}`;
    const g = out.get(key) ?? { agent: p.agent, defect, class: p.truth.class, ...(p.truth.status === undefined ? {} : { status: p.truth.status }), pairs: [] };
    g.pairs.push(p);
    out.set(key, g);
  }
  return [...out.values()];
}

/** The outcome row `observe` matches a pair by (agent and the file path PGMA logs). */
function outcomeRow(p: Pair): ItemOutcome {
  return {
    agent: p.agent, phase: 'search', filePath: p.item.file, title: p.item.title, outcome: 'failed', reasons: [],
    operations: 0, matched: 0, failed: 0, errored: 0, ...(p.item.year === undefined ? {} : { year: p.item.year }),
  };
}

/** A pair's result in a window and the classes its search failed with (testing/run.ts `observe`). */
export function resultOf(report: LogReport, p: Pair): { result: ItemResult; classes: string[] } {
  return observe(report, { ratingKey: p.item.ratingKey, outcome: outcomeRow(p), role: 'guard' });
}

/** The HTTP statuses a pair's latest search failed with. */
export function statusesOf(report: LogReport, p: Pair): number[] {
  const rows = report.items.filter((r) => r.agent === p.agent && r.phase === 'search' && r.filePath === p.item.file);
  const last = rows[rows.length - 1];
  return [...new Set((last?.reasons ?? []).flatMap((r) => (r.status === undefined ? [] : [r.status])))];
}

/** sha256 of every file under `root` (or under the given sub-folders), keyed by its path relative to `root`. */
export async function snapshot(root: string, dirs: string[] = ['.']): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile()) out.set(relative(root, abs), createHash('sha256').update(await readFile(abs)).digest('hex'));
    }
  };
  for (const d of dirs) await walk(join(root, d));
  return out;
}
