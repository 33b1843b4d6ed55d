/**
 * Before anything is timed: do the engine and the baseline mean the same thing on this workload?
 * Every fact goes through XState's `transition()`, the compiled interpreter, the baseline reducer
 * and (in arrival order, across relationships) `engine.record`; after each one the states must be
 * equal, both interpreters must serialise identically, and the permissions views must be the same
 * JSON at three moments: at the fact, a minute later, and just before the next fact (so expiries
 * and lapses that the clock alone causes are seen too), and each view's `canPerformAction` must be
 * what `canRequestPermission`/`canStartCall` decide.
 *
 * The engine is checked as it is timed: webhook facts carry their idempotency keys (redeliveries
 * are duplicates), against the baseline + Map with the same keys, fact by fact (state and
 * duplicate), and at the end every stored snapshot against the pure replay without the redelivered
 * facts. `baseline` is injectable so that a test can prove that a wrong baseline is caught.
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
import { createBaseline, type Baseline, type BaselineRelationship } from './baseline.js';
import { createBaselineService } from './baseline-service.js';
import { factKeyOf, type Workload } from './workload.js';

export interface Agreement {
  readonly facts: number;
  readonly viewProbes: number;
  readonly engineFacts: number;
  readonly mismatches: readonly string[];
}

const MAX_REPORTED = 10;

export async function checkAgreement(workload: Workload, policy: Policy, baseline: Baseline = createBaseline(policy)): Promise<Agreement> {
  const mismatches: string[] = [];
  const mismatch = (text: string) => {
    if (mismatches.length < MAX_REPORTED) mismatches.push(text);
  };
  let facts = 0;
  let viewProbes = 0;
  /** Each relationship's end: the pure replay without redelivered facts (what the engine keeps), and the baseline's. */
  const finals: { compiled: RelationshipSnapshot; baseline: BaselineRelationship }[] = [];

  workload.timelines.forEach((timeline, index) => {
    const first = timeline.events[0]!.at;
    let viaXState = createRelationship({ at: first, policy });
    let compiled = viaXState;
    let reduced = baseline.create(first);
    let deduplicated = viaXState;
    let deduplicatedReduced = reduced;
    const seen = new Set<string>();
    timeline.events.forEach((event, i) => {
      const key = factKeyOf(event);
      if (key === undefined || !seen.has(key)) {
        deduplicated = applyEvent(deduplicated, event, { interpreter: 'compiled' });
        deduplicatedReduced = baseline.apply(deduplicatedReduced, event);
      }
      if (key !== undefined) seen.add(key);
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
    finals.push({ compiled: deduplicated, baseline: deduplicatedReduced });
  });

  // The engine sees every relationship's facts interleaved, as webhooks arrive, with their keys.
  const engine = createCallPermissionEngine({ store: new MemoryStore(), policy });
  const service = createBaselineService(baseline);
  let engineFacts = 0;
  for (const { timeline, event } of workload.stream) {
    const { sender, user } = workload.timelines[timeline]!;
    const factKey = factKeyOf(event);
    const result = await engine.record(sender, user, event, factKey === undefined ? undefined : { factKey });
    const reduced = service.record(sender, user, event, factKey);
    engineFacts++;
    if (result.state !== reduced.state || result.duplicate !== reduced.duplicate)
      mismatch(`engine.record, relationship ${timeline} (${event.type}${factKey ? ` ${factKey}` : ''}): engine=${result.state}${result.duplicate ? ' duplicate' : ''} baseline=${reduced.state}${reduced.duplicate ? ' duplicate' : ''}`);
  }
  for (const [index, { sender, user }] of workload.timelines.entries()) {
    const stored = await engine.snapshot(sender, user);
    const { compiled } = finals[index]!;
    const reduced = service.relationship(sender, user)!;
    if (!stored || serializeSnapshot(stored) !== serializeSnapshot(compiled)) mismatch(`engine snapshot of relationship ${index} differs from the pure replay`);
    if (reduced.state !== finals[index]!.baseline.state) mismatch(`baseline + Map of relationship ${index} differs from the baseline's own replay`);
    const at = compiled.context.now + 3_600_000;
    viewProbes++;
    const engineView = JSON.stringify(await engine.permissions(sender, user, at));
    if (engineView !== JSON.stringify(baseline.permissions(reduced, at))) mismatch(`engine.permissions of relationship ${index} differs from the baseline view`);
  }
  return { facts, viewProbes, engineFacts, mismatches };
}
