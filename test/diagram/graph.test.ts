import { describe, expect, it } from 'vitest';
import { createCallPermissionMachine } from '../../machines/callPermission.machine.js';
import { renderSvg, statechartGraph, toDot, toMermaid } from '../../src/diagram/index.js';
import { rootHandlers } from '../../src/diagram/rootHandlers.js';
import { definePolicy, POLICY_PRESETS, type PolicyPresetName } from '../../src/index.js';
import { RELATIONSHIP_STATES } from '../../src/relationship/context.js';
import { relationshipLogic } from '../../machines/relationshipLogic.js';
import { reachableTransitions } from '../../src/testing/index.js';

const machine = relationshipLogic(definePolicy()).machine;
const graph = statechartGraph(machine);

describe('the statechart graph read from toDirectedGraph(machine)', () => {
  it('has the five states of docs/rules.md, starting in noPermission', () => {
    expect(graph.states).toEqual(RELATIONSHIP_STATES);
    expect(graph.initial).toBe('noPermission');
  });

  it('has, state by state, exactly the transitions src/testing finds reachable (read from the machine another way)', () => {
    // reachableTransitions lists, per state and event, the state's own candidates then the root's,
    // up to the first unguarded one. A state edge is reachable where it is defined; a root edge in
    // exactly the states the graph says it applies in.
    const fromGraph = new Set<string>();
    for (const edge of graph.edges)
      for (const state of edge.appliesIn) fromGraph.add(`${state} ${edge.event} ${edge.guard ?? '-'} ${edge.target ?? state} ${edge.actions.join('+')}`);
    const fromTesting = new Set(reachableTransitions(machine).map((t) => `${t.state} ${t.event} ${t.guard ?? '-'} ${t.target ?? t.state} ${t.actions.join('+')}`));
    expect(fromGraph).toEqual(fromTesting);
  });

  it('is the same under every policy preset: policies change numbers inside guards, not the chart', () => {
    for (const name of Object.keys(POLICY_PRESETS) as PolicyPresetName[]) expect(statechartGraph(createCallPermissionMachine(definePolicy(name)))).toEqual(graph);
  });

  it('U1: draws the root handlers that enter a state (accept → granted, revoke → revoked) from the "any state" box', () => {
    const { moving, staying } = rootHandlers(graph);
    expect(moving.map((e) => `${e.event} → ${e.target}`)).toEqual(
      expect.arrayContaining(['PERMISSION_ACCEPTED → granted', 'PERMISSION_REVOKED → revoked']),
    );
    expect(staying.every((e) => e.target === undefined)).toBe(true);
    const mermaid = toMermaid(graph);
    expect(mermaid).toContain('anyState --> granted : PERMISSION_ACCEPTED — G1, G5, U1');
    expect(mermaid).toContain('anyState --> revoked : PERMISSION_REVOKED — U1');
  });

  it('R4: names where a root handler is shadowed (a reply in requested declines instead of recordAnswer)', () => {
    const answer = graph.edges.find((e) => e.source === '*' && e.event === 'PERMISSION_REJECTED')!;
    expect(answer.appliesIn).toEqual(['noPermission', 'revoked']);
    expect(toMermaid(graph)).toContain('PERMISSION_REJECTED / recordAnswer — R4, M2 (only in noPermission, revoked)');
  });

  it('writes one Mermaid transition per state edge, with its guard and rules', () => {
    const mermaid = toMermaid(graph);
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(mermaid).toContain('[*] --> noPermission');
    for (const edge of graph.edges.filter((e) => e.source !== '*')) {
      const guard = edge.guard ? ` [${edge.guard}]` : '';
      const rules = edge.rules.length ? ` — ${edge.rules.join(', ')}` : '';
      expect(mermaid).toContain(`${edge.source} --> ${edge.target ?? edge.source} : ${edge.event}${guard}${rules}\n`);
    }
    // Inside a label, ";" would end the statement and "#" start an entity.
    for (const line of mermaid.split('\n').filter((l) => l.includes(' --> '))) expect(line.slice(line.indexOf(' : '))).not.toMatch(/[;#]/);
  });

  it('M1/M2: the DOT has every guard and rule of the missed-call edges, and Graphviz lays it out', async () => {
    const dot = toDot(graph);
    expect(dot).toContain('granted -> prompted [id="edge-granted-CALL_UNANSWERED-2", label="CALL_UNANSWERED [missReachesPrompt]\\nM1, M2"');
    expect(dot).toContain('prompted -> revoked [id="edge-prompted-CALL_UNANSWERED-2", label="CALL_UNANSWERED [missReachesRevoke]\\nM2"');
    const svg = await renderSvg(dot);
    expect(svg).toContain('missReachesRevoke');
    expect(svg).toContain('id="loop&#45;granted"');
  });
});
