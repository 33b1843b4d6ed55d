import type { RelationshipState } from '../relationship/context.js';
import { ROOT_COLOURS, STATE_COLOURS } from './palette.js';
import { ANY_STATE_ID, ANY_STATE_LABEL, handlerText, ROOT_NOTE_TITLE, rootHandlers, scopeSuffix } from './rootHandlers.js';
import type { StatechartEdge, StatechartGraph } from './statechartGraph.js';

// Exactly one of the families Graphviz has metrics for: without fontconfig (WebAssembly) any other
// name falls back to Times widths, and the labels overflow their boxes in a browser.
const FONT = 'Helvetica';

/** A DOT double-quoted string: quotes and backslashes escaped, our own `\n`/`\l` line breaks kept. */
function quoted(text: string): string {
  return `"${text.replace(/\\(?![nl])/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `EVENT [guard]` over the rule ids, one per line (`\n` centres the lines). */
function edgeLabel(edge: StatechartEdge, suffix = ''): string {
  const lines = [edge.guard ? `${edge.event} [${edge.guard}]` : edge.event];
  if (edge.rules.length) lines.push(edge.rules.join(', '));
  if (suffix) lines.push(suffix.trim());
  return lines.join('\\n');
}

/** A state's transitions that stay in it, as one loop whose label lists them (stacked loops hide each other's labels). */
function selfLoopLabel(edges: readonly StatechartEdge[]): string {
  return edges.map((edge) => `${edge.guard ? `${edge.event} [${edge.guard}]` : edge.event}${edge.rules.length ? `  ${edge.rules.join(', ')}` : ''}`).join('\\l') + '\\l';
}

/**
 * The statechart in Graphviz DOT, with the guard and rule ids on every edge. Nodes and edges carry
 * stable `id`s (`state-granted`, `edge-granted-CLOCK-0`, `loop-granted`) that survive into the SVG,
 * so a page can highlight the current state. Root handlers appear as an "any state" box (see
 * `rootHandlers.ts`); a state's own transitions that stay in it are drawn as one loop.
 */
export function toDot(graph: StatechartGraph): string {
  const out: string[] = [];
  out.push(`digraph ${graph.id} {`);
  out.push(`  graph [rankdir=TB, fontname=${quoted(FONT)}, nodesep=0.7, ranksep=0.8, pad=0.3, bgcolor="white"];`);
  out.push(`  node [shape=box, style="rounded,filled", fontname=${quoted(FONT)}, fontsize=14, margin="0.3,0.14", penwidth=1.5];`);
  out.push(`  edge [fontname=${quoted(FONT)}, fontsize=10, color="#57606a", fontcolor="#1f2328", arrowsize=0.7];`);
  out.push(`  initial [id="initial", shape=point, width=0.15, style=filled, fillcolor="#1f2328", label=""];`);
  for (const state of graph.states) {
    const { fill, stroke } = STATE_COLOURS[state];
    out.push(`  ${state} [id=${quoted(`state-${state}`)}, label=${quoted(state)}, fillcolor=${quoted(fill)}, color=${quoted(stroke)}];`);
  }
  out.push(
    `  ${ANY_STATE_ID} [id="state-any", label=${quoted(ANY_STATE_LABEL)}, style="rounded,dashed,filled", fillcolor=${quoted(ROOT_COLOURS.fill)}, color=${quoted(ROOT_COLOURS.stroke)}, fontcolor="#57606a"];`,
  );
  const { moving, staying } = rootHandlers(graph);
  const note = [`${ROOT_NOTE_TITLE}:`, ...staying.map((edge) => `${handlerText(edge)}${edge.rules.length ? `  ${edge.rules.join(', ')}` : ''}${scopeSuffix(graph, edge)}`)];
  out.push(
    `  rootNote [id="root-note", shape=note, style=filled, fillcolor="#f6f8fa", color="#d0d7de", fontsize=10, margin="0.2,0.1", label=${quoted(`${note.join('\\l')}\\l`)}];`,
  );
  // The start and the root's box and note on the first rank: the chart reads from the top.
  out.push(`  { rank=min; initial; ${ANY_STATE_ID}; rootNote; }`);
  out.push(`  initial -> ${graph.initial} [id="edge-initial"];`);
  out.push(`  ${ANY_STATE_ID} -> rootNote [id="edge-root-note", style=dotted, arrowhead=none, color="#8c959f"];`);
  const loops = new Map<RelationshipState, StatechartEdge[]>();
  for (const edge of graph.edges) {
    if (edge.source === '*') continue;
    if (edge.target === undefined) {
      loops.set(edge.source, [...(loops.get(edge.source) ?? []), edge]);
      continue;
    }
    const id = `edge-${edge.source}-${edge.event}-${edge.order}`;
    out.push(`  ${edge.source} -> ${edge.target} [id=${quoted(id)}, label=${quoted(edgeLabel(edge))}, color=${quoted(STATE_COLOURS[edge.target].stroke)}];`);
  }
  for (const [state, edges] of loops)
    out.push(`  ${state} -> ${state} [id=${quoted(`loop-${state}`)}, label=${quoted(selfLoopLabel(edges))}, color="#8c959f"];`);
  for (const edge of moving) {
    const id = `edge-any-${edge.event}-${edge.order}`;
    out.push(
      `  ${ANY_STATE_ID} -> ${edge.target} [id=${quoted(id)}, label=${quoted(edgeLabel(edge, scopeSuffix(graph, edge)))}, style=dashed, color=${quoted(STATE_COLOURS[edge.target!].stroke)}];`,
    );
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
