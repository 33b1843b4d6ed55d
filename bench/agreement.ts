/**
 * Before anything is timed: do the engine and the baseline mean the same thing on this workload?
 * Every fact goes through XState's `transition()`, the compiled interpreter, the baseline reducer
 * and (in arrival order, across relationships) `engine.record`; after each one the states must be
 * equal, both interpreters must serialise identically, and the permissions views must be the same
 * JSON at three moments: at the fact, a minute later, and just before the next fact (so expiries
 * and lapses that the clock alone causes are seen too), and each view's `canPerformAction` must be
 * what `canRequestPermission`/`canStartCall` decide.
 */
import {
  applyEvent,
  canRequestPermission,
  canStartCall,
  createCallPermissionEngine,
  createRelationship,
  getPermissions,
  MemoryStore,
  serializeSnapshot,
  type Policy,
  type RelationshipSnapshot,
} from '../src/index.js';
import { createBaseline, type BaselineRelationship } from './baseline.js';
import type { Workload } from './workload.js';

export interface Agreement {
  readonly facts: number;
  readonly viewProbes: number;
  readonly engineFacts: number;
  readonly mismatches: readonly string[];
}

const MAX_REPORTED = 10;

export async function checkAgreement(workload: Workload, policy: Policy): Promise<Agreement> {
  const baseline = createBaseline(policy);
  const mismatches: string[] = [];
  const mismatch = (text: string) => {
    if (mismatches.length < MAX_REPORTED) mismatches.push(text);
  };
  let facts = 0;
  let viewProbes = 0;
  const finals: { compiled: RelationshipSnapshot; baseline: BaselineRelationship }[] = [];

  workload.timelines.forEach((timeline, index) => {
    const first = timeline.events[0]!.at;
    let viaXState = createRelationship({ at: first, policy });
    let compiled = viaXState;
    let reduced = baseline.create(first);
    timeline.events.forEach((event, i) => {
      facts++;
      viaXState = applyEvent(viaXState, event, { interpreter: 'xstate' });
      compiled = applyEvent(compiled, event, { interpreter: 'compiled' });
      reduced = baseline.apply(reduced, event);
      const where = `relationship ${index} fact ${i} (${event.type})`;
      if (viaXState.value !== compiled.value || compiled.value !== reduced.state)
        mismatch(`${where}: state xstate=${viaXState.value} compiled=${compiled.value} baseline=${reduced.state}`);
      if (serializeSnapshot(viaXState) !== serializeSnapshot(compiled))
        mismatch(`${where}: xstate ${serializeSnapshot(viaXState)} ≠ compiled ${serializeSnapshot(compiled)}`);
      const next = timeline.events[i + 1]?.at ?? compiled.context.now + 8 * 86_400_000;
      for (const at of new Set([compiled.context.now, compiled.context.now + 60_000, Math.max(compiled.context.now, next - 1)])) {
        viewProbes++;
        const view = getPermissions(compiled, at);
        if (view.actions[0].canPerformAction !== canRequestPermission(compiled, at).allowed || view.actions[1].canPerformAction !== canStartCall(compiled, at).allowed)
          mismatch(`${where}: getPermissions at ${at} disagrees with canRequestPermission/canStartCall`);
        const engineView = JSON.stringify(view);
        const baselineView = JSON.stringify(baseline.permissions(reduced, at));
        if (engineView !== baselineView) mismatch(`${where} view at ${new Date(at).toISOString()}:\n  engine   ${engineView}\n  baseline ${baselineView}`);
      }
    });
    finals.push({ compiled, baseline: reduced });
  });

  // The engine sees every relationship's facts interleaved, as webhooks arrive.
  const engine = createCallPermissionEngine({ store: new MemoryStore(), policy });
  const reducedByTimeline = workload.timelines.map((t) => baseline.create(t.events[0]!.at));
  let engineFacts = 0;
  for (const { timeline, event } of workload.stream) {
    const { sender, user } = workload.timelines[timeline]!;
    const result = await engine.record(sender, user, event);
    const reduced = (reducedByTimeline[timeline] = baseline.apply(reducedByTimeline[timeline]!, event));
    engineFacts++;
    if (result.state !== reduced.state) mismatch(`engine.record, relationship ${timeline} (${event.type}): engine=${result.state} baseline=${reduced.state}`);
  }
  for (const [index, { sender, user }] of workload.timelines.entries()) {
    const stored = await engine.snapshot(sender, user);
    const { compiled, baseline: reduced } = finals[index]!;
    if (!stored || serializeSnapshot(stored) !== serializeSnapshot(compiled)) mismatch(`engine snapshot of relationship ${index} differs from the pure replay`);
    const at = compiled.context.now + 3_600_000;
    viewProbes++;
    const engineView = JSON.stringify(await engine.permissions(sender, user, at));
    if (engineView !== JSON.stringify(baseline.permissions(reduced, at))) mismatch(`engine.permissions of relationship ${index} differs from the baseline view`);
  }
  return { facts, viewProbes, engineFacts, mismatches };
}
