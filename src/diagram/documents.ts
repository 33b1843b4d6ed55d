import { callPermissionMachine, type CallPermissionMachine } from '../../machines/callPermission.machine.js';
import { toDot } from './dot.js';
import { statechartJson } from './machineJson.js';
import { toMermaid } from './mermaid.js';
import { ANY_STATE_LABEL } from './rootHandlers.js';
import { RELATIONSHIP_RULE_SUMMARIES } from './ruleSummaries.js';
import { sortRuleIds } from '../rules.js';
import { statechartGraph, type StatechartGraph } from './statechartGraph.js';
import { renderSvg } from './svg.js';

/** The generated files under `docs/`, by name. */
export type DiagramFileName = 'statechart.md' | 'statechart.svg' | 'statechart.json';
export const DIAGRAM_FILES: readonly DiagramFileName[] = ['statechart.md', 'statechart.svg', 'statechart.json'];

const HEADER =
  '<!-- Generated from machines/callPermission.machine.ts by `npx unrun src/cli/main.ts diagram --write`. ' +
  'Do not edit: test/diagram/generated.test.ts fails when this file is stale. -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function transitionTable(graph: StatechartGraph): string[] {
  const rows = ['| state | event | guard | goes to | actions | rules |', '| --- | --- | --- | --- | --- | --- |'];
  for (const edge of graph.edges) {
    const state = edge.source === '*' ? `*${ANY_STATE_LABEL}*${edge.appliesIn.length < graph.states.length ? ` (${edge.appliesIn.join(', ')})` : ''}` : `\`${edge.source}\``;
    const goes = edge.target ? `\`${edge.target}\`` : 'stays';
    rows.push(
      `| ${state} | \`${edge.event}\` | ${edge.guard ? `\`${edge.guard}\`` : '—'} | ${goes} | ${edge.actions.map((a) => `\`${a}\``).join(', ')} | ${cell(edge.rules.join(', ') || '—')} |`,
    );
  }
  return rows;
}

function ruleTable(graph: StatechartGraph): string[] {
  const onEdges = new Set(graph.edges.flatMap((e) => e.rules));
  const rows = ['| rule | what it says | on the chart |', '| --- | --- | --- |'];
  for (const id of sortRuleIds(Object.keys(RELATIONSHIP_RULE_SUMMARIES))) rows.push(`| ${id} | ${cell(RELATIONSHIP_RULE_SUMMARIES[id]!)} | ${onEdges.has(id) ? 'yes' : 'no: decided by `canRequestPermission`'} |`);
  return rows;
}

/** `docs/statechart.md`: the Mermaid chart, the SVG, how to read them, every transition and every rule. */
export function statechartMarkdown(graph: StatechartGraph): string {
  return [
    HEADER,
    '',
    '# The call-permission statechart',
    '',
    'One sender↔user relationship ([rules.md](rules.md#states)), drawn from the machine itself: `toDirectedGraph(callPermissionMachine)`',
    'from `xstate/graph`, walked into Mermaid here and into Graphviz DOT for [statechart.svg](statechart.svg).',
    '[statechart.json](statechart.json) is the machine\'s config for Stately\'s editor (see [inspecting.md](inspecting.md)).',
    'The chart is the same under every policy preset: policies change the numbers inside the guards, not the transitions.',
    '',
    '```mermaid',
    toMermaid(graph).trimEnd(),
    '```',
    '',
    '![The call-permission statechart, rendered by Graphviz](statechart.svg)',
    '',
    '## How to read it',
    '',
    '- An edge reads `EVENT [guard] — rules`: the event, the named guard that must pass (none: it always applies), and the',
    '  ids of the rules ([rules.md](rules.md)) that its guard and actions decide.',
    '- A state tries its own transitions first, in the order of the table below; when none is taken (no guard passes), the',
    `  handler on the machine's root applies. The dashed **${ANY_STATE_LABEL}** box stands for the root: its edges enter a state`,
    '  from wherever the relationship is; the note beside it lists the root handlers that only update what the relationship',
    '  remembers (its context), "(not in …)" naming the states whose own transition always takes that event.',
    '- An edge from a state to itself changes only the context (counts, windows, the clock). The SVG draws a state\'s',
    '  loops as one loop that lists them.',
    '- There are no timers: every event carries its time `at`. An expiry (G1) or a lapse (R4) is a `CLOCK` event, applied',
    '  before any later event ("clock-first", see [semantics.md](semantics.md)).',
    '',
    '## Every transition',
    '',
    ...transitionTable(graph),
    '',
    '## The rules on the edges',
    '',
    ...ruleTable(graph),
    '',
  ].join('\n');
}

/**
 * Every generated diagram file's content, from the machine alone. Deterministic: the same machine
 * gives the same bytes (the SVG too: Graphviz in WebAssembly has no fonts or clock to read).
 */
export async function renderDiagramDocuments(machine: CallPermissionMachine = callPermissionMachine): Promise<Record<'statechart.md' | 'statechart.svg' | 'statechart.json', string>> {
  const graph = statechartGraph(machine);
  return {
    'statechart.md': statechartMarkdown(graph),
    'statechart.svg': await renderSvg(toDot(graph)),
    'statechart.json': statechartJson(machine),
  };
}
