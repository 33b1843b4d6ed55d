import { ROOT_COLOURS, STATE_COLOURS } from './palette.js';
import { ANY_STATE_ID, ANY_STATE_LABEL, handlerText, ROOT_NOTE_TITLE, rootHandlers, scopeSuffix } from './rootHandlers.js';
import { edgeTrigger, type StatechartEdge, type StatechartGraph } from './statechartGraph.js';

const FONT = 'Helvetica,Arial,sans-serif';

/** A DOT double-quoted string: quotes and backslashes escaped, our own `\n`/`\l` line breaks kept. */
function quoted(text: string): string {
  return `"${text.replace(/\\(?![nl])/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function edgeLabel(edge: StatechartEdge, suffix = ''): string {
  const lines = [edge.guard ? `${edge.event}\\n[${edge.guard}]` : edge.event];
  if (edge.rules.length) lines.push(edge.rules.join(', '));
  return `${lines.join('\\n')}${suffix ? `\\n${suffix.trim()}` : ''}`;
}

/**
 * The statechart in Graphviz DOT, with the guard and rule ids on every edge. Nodes and edges carry
 * stable `id`s (`state-granted`, `edge-granted-CALL_STARTED-0`) that survive into the SVG, so a page
 * can highlight the current state. Root handlers appear as an "any state" box (see `rootHandlers.ts`).
 */
export function toDot(graph: StatechartGraph): string {
  const out: string[] = [];
  out.push(`digraph ${graph.id} {`);
  out.push(`  graph [rankdir=TB, fontname=${quoted(FONT)}, nodesep=0.6, ranksep=0.75, pad=0.3, bgcolor="white"];`);
  out.push(`  node [shape=box, style="rounded,filled", fontname=${quoted(FONT)}, fontsize=13, margin="0.25,0.12", penwidth=1.4];`);
  out.push(`  edge [fontname=${quoted(FONT)}, fontsize=9, color="#57606a", fontcolor="#1f2328", arrowsize=0.7];`);
  out.push(`  initial [id="initial", shape=point, width=0.14, style=filled, fillcolor="#1f2328", label=""];`);
  for (const state of graph.states) {
    const { fill, stroke } = STATE_COLOURS[state];
    out.push(`  ${state} [id=${quoted(`state-${state}`)}, label=${quoted(state)}, fillcolor=${quoted(fill)}, color=${quoted(stroke)}];`);
  }
  out.push(
    `  ${ANY_STATE_ID} [id="state-any", label=${quoted(ANY_STATE_LABEL)}, style="rounded,dashed,filled", fillcolor=${quoted(ROOT_COLOURS.fill)}, color=${quoted(ROOT_COLOURS.stroke)}, fontcolor="#57606a"];`,
  );
  out.push(`  initial -> ${graph.initial} [id="edge-initial"];`);
  for (const edge of graph.edges) {
    if (edge.source === '*') continue;
    const id = `edge-${edge.source}-${edge.event}-${edge.order}`;
    const target = edge.target ?? edge.source;
    const colour = edge.target ? STATE_COLOURS[edge.target].stroke : '#8c959f';
    out.push(`  ${edge.source} -> ${target} [id=${quoted(id)}, label=${quoted(edgeLabel(edge))}, color=${quoted(colour)}];`);
  }
  const { moving, staying } = rootHandlers(graph);
  for (const edge of moving) {
    const id = `edge-any-${edge.event}-${edge.order}`;
    out.push(
      `  ${ANY_STATE_ID} -> ${edge.target} [id=${quoted(id)}, label=${quoted(edgeLabel(edge, scopeSuffix(graph, edge)))}, style=dashed, color=${quoted(STATE_COLOURS[edge.target!].stroke)}];`,
    );
  }
  const note = [`${ROOT_NOTE_TITLE}:`, ...staying.map((edge) => `  ${handlerText(edge)}${edge.rules.length ? `  (${edge.rules.join(', ')})` : ''}${scopeSuffix(graph, edge)}`)];
  out.push(`  rootNote [id="root-note", shape=note, style=filled, fillcolor="#f6f8fa", color="#d0d7de", fontsize=10, label=${quoted(`${note.join('\\l')}\\l`)}];`);
  out.push(`  ${ANY_STATE_ID} -> rootNote [id="edge-root-note", style=dotted, arrowhead=none, color="#8c959f"];`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

