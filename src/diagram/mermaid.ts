import { ROOT_COLOURS, STATE_COLOURS } from './palette.js';
import { ANY_STATE_ID, ANY_STATE_LABEL, handlerText, ROOT_NOTE_TITLE, rootHandlers, scopeSuffix } from './rootHandlers.js';
import { edgeTrigger, type StatechartEdge, type StatechartGraph } from './statechartGraph.js';

/** What Mermaid would read as syntax inside a label: `;` ends a statement, `:` starts a label, `#` an entity. */
function labelText(text: string): string {
  return text.replace(/[;:#]/g, ' ');
}

function edgeLabel(edge: StatechartEdge, suffix = ''): string {
  const rules = edge.rules.length ? ` — ${edge.rules.join(', ')}` : '';
  return labelText(`${edgeTrigger(edge)}${rules}${suffix}`);
}

/**
 * The statechart as a Mermaid `stateDiagram-v2`, with the guard and rule ids on every edge.
 * Root handlers appear as an "any state" box (see `rootHandlers.ts`).
 */
export function toMermaid(graph: StatechartGraph): string {
  const lines: string[] = ['stateDiagram-v2', '    direction TB'];
  for (const state of graph.states) {
    const { fill, stroke } = STATE_COLOURS[state];
    lines.push(`    classDef ${state}Style fill:${fill},stroke:${stroke},color:#1f2328`);
  }
  lines.push(`    classDef rootStyle fill:${ROOT_COLOURS.fill},stroke:${ROOT_COLOURS.stroke},stroke-dasharray:4 4,color:#57606a`);
  lines.push(`    state "${ANY_STATE_LABEL}" as ${ANY_STATE_ID}`);
  lines.push(`    [*] --> ${graph.initial}`);
  for (const edge of graph.edges) {
    if (edge.source === '*') continue;
    lines.push(`    ${edge.source} --> ${edge.target ?? edge.source} : ${edgeLabel(edge)}`);
  }
  const { moving, staying } = rootHandlers(graph);
  for (const edge of moving) lines.push(`    ${ANY_STATE_ID} --> ${edge.target} : ${edgeLabel(edge, scopeSuffix(graph, edge))}`);
  lines.push(`    note left of ${ANY_STATE_ID}`);
  lines.push(`        ${labelText(ROOT_NOTE_TITLE)}`);
  for (const edge of staying) {
    const rules = edge.rules.length ? ` — ${edge.rules.join(', ')}` : '';
    lines.push(`        ${labelText(`${handlerText(edge)}${rules}${scopeSuffix(graph, edge)}`)}`);
  }
  lines.push('    end note');
  for (const state of graph.states) lines.push(`    class ${state} ${state}Style`);
  lines.push(`    class ${ANY_STATE_ID} rootStyle`);
  return `${lines.join('\n')}\n`;
}
