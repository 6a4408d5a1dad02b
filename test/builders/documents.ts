/** Builders for phase documents in tests: a valid default, overridden field by field. */
import type { FixProposal, Lesson } from '../../src/diagnose/schema.ts';
import type { TestReport } from '../../src/testing/schema.ts';
import { metricPath } from '../../src/logs/schema.ts';

export function proposal(over: Partial<FixProposal> = {}): FixProposal {
  const agent = over.agents?.[0] ?? 'SiteA';
  return {
    id: 'fix1',
    groupId: 'g1',
    rank: 1,
    recipe: 'request_headers',
    composed: [],
    kind: 'patch',
    title: 'browser-like request headers',
    rationale: 'the site answers 403 to non-browser requests',
    agents: [agent],
    bundleIds: [`com.plexapp.agents.${agent}`],
    changes: [],
    preferences: [],
    expectation: {
      primary: {
        path: metricPath.agentHostStatus(agent, 'www.site-a.example', 403),
        direction: 'decrease',
        threshold: { kind: 'relative', value: 0.3 },
        baseline: 40,
        description: '403 answers decrease by at least 30 %',
      },
      secondary: [],
      successIndicators: ['searches reach the result list'],
      failureIndicators: [],
      contingency: 'roll back; the site may need a challenge solver',
      watch: [],
      judgeBy: 'items',
      targetClasses: ['http_error'],
    },
    checklist: [],
    lessonsApplied: [],
    offered: true,
    source: 'recipe',
    ...over,
  };
}

export function testReport(over: Partial<TestReport> = {}): TestReport {
  return {
    schema: 'plexmend.test/1',
    generatedAt: '2026-11-24T00:00:00Z',
    iteration: 1,
    fixId: 'fix1',
    target: 'sandbox',
    judgeBy: 'items',
    sample: { planned: 20, mapped: 20, unmapped: [], guards: 2 },
    control: { refreshed: 20, recovered: 1, baselineRate: 0.05 },
    refreshes: { started: 39, completed: 39, timedOut: 0, noData: 0, stoppedEarly: true },
    requests: { total: 80, failed: 10 },
    items: [],
    metrics: [],
    sideEffects: [],
    critical: [],
    logGap: { bytes: 0, files: [] },
    decision: { decision: 'KEEP', reasons: ['ok'], rate: 0.9, interval: { low: 0.7, high: 0.97 }, pValue: 0.0001, baselineRate: 0.05 },
    durationMs: 1000,
    ...over,
  };
}

/** A diagnose-phase DON'T lesson (demote a recipe for Kestrel), with evidence from an earlier iteration. */
export function lesson(over: Partial<Lesson> = {}): Lesson {
  return {
    id: 'L7',
    kind: 'DONT',
    phase: 'diagnose',
    scope: { agent: 'Kestrel', recipe: 'retry_backoff' },
    text: 'back-off alone did not lower 429s on www.kestrel-films.example',
    action: { type: 'demote', recipe: 'retry_backoff' },
    evidence: [{ iteration: 1, fixId: 'fix1', observed: '429s unchanged' }],
    weight: 2,
    created: '2026-11-20T00:00:00Z',
    updated: '2026-11-20T00:00:00Z',
    ...over,
  };
}
