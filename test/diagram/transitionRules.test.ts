import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { callPermissionMachine } from '../../machines/callPermission.machine.js';
import { reachableTransitions } from '../../machines/transitions.js';
import { RULE_SUMMARIES, rulesOfTransition, statechartGraph } from '../../src/diagram/index.js';
import { ruleSummaries } from '../../src/diagram/ruleSummaries.js';
import { senderRuleSummaries } from '../../src/sender/summaries.js';
import { definePolicy, POLICY_PRESETS, RULE_IDS } from '../../src/index.js';
import { relationshipGuards } from '../../src/relationship/guards.js';
import { relationshipUpdates } from '../../src/relationship/updates.js';

/** Every transition definition of the machine: the root's and each state's. */
function allTransitions(): AnyTransitionDefinition[] {
  const nodes: AnyStateNode[] = [callPermissionMachine.root, ...Object.values(callPermissionMachine.root.states as Record<string, AnyStateNode>)];
  return nodes.flatMap((node) => [...node.transitions.values()].flat());
}

const name = (x: unknown) => (typeof x === 'string' ? x : (x as { type: string }).type);

describe('rule ids as the machine’s data (each transition’s meta.rules)', () => {
  it('every transition cites its rules, each one docs/rules.md defines and the legend summarises', () => {
    const transitions = allTransitions();
    expect(transitions.length).toBeGreaterThan(40);
    for (const transition of transitions) {
      const rules = rulesOfTransition(transition);
      for (const id of rules) expect(RULE_SUMMARIES, id).toHaveProperty(id);
    }
    for (const id of Object.keys(RULE_SUMMARIES)) expect(RULE_IDS).toContain(id);
  });

  it('only time alone and bookkeeping cite no rule', () => {
    const silent = allTransitions()
      .filter((t) => rulesOfTransition(t).length === 0)
      .map((t) => `${t.source.key} · ${t.eventType} · ${t.actions.map(name).join(',')}`);
    expect(silent.sort()).toEqual(['callPermission · CALL_ID_ASSIGNED · assignCallId', 'callPermission · CLOCK · advanceClock']);
  });

  it('every rule the relationship decides is on some edge; the rest are decided by the commands (R3 by canRequestPermission) or by the sender’s statechart (S1–S4, G6)', () => {
    const onEdges = new Set(allTransitions().flatMap((t) => rulesOfTransition(t)));
    const relationshipRules = RULE_IDS.filter((id) => !id.startsWith('S'));
    expect(relationshipRules.filter((id) => !onEdges.has(id))).toEqual(['R3', 'G6']);
  });

  it('the guards and actions the machine names are exactly those implemented', () => {
    const transitions = allTransitions();
    expect(new Set(transitions.flatMap((t) => (t.guard === undefined ? [] : [name(t.guard)])))).toEqual(new Set(Object.keys(relationshipGuards(definePolicy()))));
    expect(new Set(transitions.flatMap((t) => t.actions.map(name)))).toEqual(new Set(Object.keys(relationshipUpdates(definePolicy()))));
  });

  it('summarises each rule with the numbers of the policy, the default preset\'s for the legend (G2: 100, infobip-seed: 5)', () => {
    expect(RULE_SUMMARIES.G2).toMatch(/^at most 100 connected calls in any rolling 24 h/);
    expect(RULE_SUMMARIES).toEqual({ ...ruleSummaries(POLICY_PRESETS.infobip), ...senderRuleSummaries(POLICY_PRESETS.infobip) });
    expect(ruleSummaries(POLICY_PRESETS['infobip-seed']).G2).toMatch(/^at most 5 connected calls in any rolling 24 h/);
    const own = ruleSummaries(definePolicy({ connectedCallsPerWindow: 7, callWindowMs: 30 * 60_000, requestsPerShortWindow: 2, unansweredBeforePrompt: 3 }));
    expect([own.G2, own.R1, own.M1]).toEqual([expect.stringMatching(/^at most 7 connected calls in any rolling 30 min/), 'at most 2 permission requests in any rolling 24 h', '3 consecutive unanswered calls → prompted']);
  });

  it('a transition without meta.rules, or citing an id the rulebook lacks, is refused rather than drawn without its rules', () => {
    const [transition] = allTransitions();
    expect(() => rulesOfTransition({ ...transition!, meta: undefined })).toThrow(/cites no rules \(meta\.rules\)/);
    expect(() => rulesOfTransition({ ...transition!, meta: { rules: ['R1', 'Z9'] } })).toThrow(/Z9/);
  });

  it('puts them on the diagram’s edges and on the transitions a timeline names (R1, R2, U2 on a request from revoked)', () => {
    const edge = statechartGraph(callPermissionMachine).edges.find((e) => e.source === 'revoked' && e.event === 'REQUEST_SENT')!;
    expect(edge.rules).toEqual(['R1', 'R2', 'U2']);
    const reachable = reachableTransitions(callPermissionMachine).find((t) => t.state === 'revoked' && t.event === 'REQUEST_SENT')!;
    expect(reachable.rules).toEqual(['R1', 'R2', 'U2']);
    const failed = reachableTransitions(callPermissionMachine).filter((t) => t.event === 'CALL_FAILED');
    for (const t of failed) expect(t.rules).toContain('M4');
  });
});
