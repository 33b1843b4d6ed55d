import { readFile } from 'node:fs/promises';
import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { callPermissionMachine } from '../../machines/callPermission.machine.js';
import { ACTION_RULES, EVENT_RULES, GUARD_RULES, RULE_SUMMARIES, rulesOfTransition, statechartGraph } from '../../src/diagram/index.js';
import { ruleSummaries } from '../../src/diagram/ruleSummaries.js';
import { definePolicy, EVENT_TYPES, POLICY_PRESETS } from '../../src/index.js';
import { relationshipGuards } from '../../src/relationship/guards.js';
import { relationshipUpdates } from '../../src/relationship/updates.js';

/** Every transition definition of the machine: the root's and each state's. */
function allTransitions(): AnyTransitionDefinition[] {
  const nodes: AnyStateNode[] = [callPermissionMachine.root, ...Object.values(callPermissionMachine.root.states as Record<string, AnyStateNode>)];
  return nodes.flatMap((node) => [...node.transitions.values()].flat());
}

const name = (x: unknown) => (typeof x === 'string' ? x : (x as { type: string }).type);

describe('the rule table beside the diagram code (src/diagram/ruleTable.ts)', () => {
  it('names every guard the machine uses, and no other', () => {
    const used = new Set(allTransitions().flatMap((t) => (t.guard === undefined ? [] : [name(t.guard)])));
    expect(new Set(Object.keys(GUARD_RULES))).toEqual(used);
    expect(new Set(Object.keys(relationshipGuards(definePolicy())))).toEqual(used);
  });

  it('names every action the machine uses, and no other', () => {
    const used = new Set(allTransitions().flatMap((t) => t.actions.map(name)));
    expect(new Set(Object.keys(ACTION_RULES))).toEqual(used);
    expect(new Set(Object.keys(relationshipUpdates(definePolicy())))).toEqual(used);
  });

  it('keys its event rules by event types that exist', () => {
    for (const event of Object.keys(EVENT_RULES)) expect(EVENT_TYPES).toContain(event);
  });

  it('uses rule ids that docs/rules.md defines, each with a one-line summary for the legend', () => {
    const ids = [...Object.values(GUARD_RULES), ...Object.values(ACTION_RULES), ...Object.values(EVENT_RULES)].flat();
    for (const id of ids) expect(RULE_SUMMARIES, id).toHaveProperty(id);
    for (const id of Object.keys(RULE_SUMMARIES)) expect(id).toMatch(/^(R[1-5]|G[1-5]|M[1-4]|U[12]|W1)$/);
  });

  it('summarises each rule with the numbers of the policy, the default preset\'s for the legend (G2: 100, infobip-seed: 5)', () => {
    expect(RULE_SUMMARIES.G2).toMatch(/^at most 100 connected calls in any rolling 24 h/);
    expect(RULE_SUMMARIES).toEqual(ruleSummaries(POLICY_PRESETS.infobip));
    expect(ruleSummaries(POLICY_PRESETS['infobip-seed']).G2).toMatch(/^at most 5 connected calls in any rolling 24 h/);
    const own = ruleSummaries(definePolicy({ connectedCallsPerWindow: 7, callWindowMs: 30 * 60_000, requestsPerShortWindow: 2, unansweredBeforePrompt: 3 }));
    expect([own.G2, own.R1, own.M1]).toEqual([expect.stringMatching(/^at most 7 connected calls in any rolling 30 min/), 'at most 2 permission requests in any rolling 24 h', '3 consecutive unanswered calls → prompted']);
  });

  it('refuses a guard or action it does not know, rather than drawing an edge without its rules', () => {
    expect(() => rulesOfTransition('CLOCK', 'someNewGuard', [])).toThrow(/someNewGuard/);
    expect(() => rulesOfTransition('CLOCK', undefined, ['someNewAction'])).toThrow(/someNewAction/);
  });

  it('carries every rule id a `// R1, R2` comment in the machine cites for its line', async () => {
    // The machine's comments are the source the table was written from: the leading list of rule ids
    // of a comment on a transition's line must all be on that transition's edge.
    const source = await readFile(new URL('../../machines/callPermission.machine.ts', import.meta.url), 'utf8');
    const cited = source.split('\n').flatMap((line, i) => {
      const comment = /\/\/\s*((?:[RGMUW]\d+)(?:\s*,\s*[RGMUW]\d+)*)/.exec(line);
      const names = [...line.matchAll(/(?:guard|actions): (?:'(\w+)'|\[([^\]]*)\])/g)].flatMap((m) => (m[1] ? [m[1]] : m[2]!.split(',').map((s) => s.trim().replace(/'/g, ''))));
      const event = /^\s*(\w+): /.exec(line)?.[1];
      if (!comment || names.length === 0) return [];
      const guard = /guard: '(\w+)'/.exec(line)?.[1];
      const actions = names.filter((n) => n !== guard);
      return [{ line: i + 1, ids: comment[1]!.split(/\s*,\s*/), rules: rulesOfTransition(event && EVENT_TYPES.includes(event as never) ? event : '', guard, actions) }];
    });
    expect(cited.length).toBeGreaterThan(15);
    for (const { line, ids, rules } of cited) for (const id of ids) expect(rules, `machines/callPermission.machine.ts:${line} cites ${id}`).toContain(id);
  });

  it('puts on each edge the union of its event’s, guard’s and actions’ rules (R1, R2, U2 on a request from revoked)', () => {
    const edge = statechartGraph(callPermissionMachine).edges.find((e) => e.source === 'revoked' && e.event === 'REQUEST_SENT')!;
    expect(edge.rules).toEqual(['R1', 'R2', 'U2']);
  });
});
