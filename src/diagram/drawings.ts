import { createCallPermissionMachine } from '../../machines/callPermission.machine.js';
import { MissingPeerDependencyError } from '../errors.js';
import { toDot } from './dot.js';
import { STATE_COLOURS } from './palette.js';
import { statechartGraph, type StatechartGraph } from './statechartGraph.js';
import { renderSvg } from './svg.js';
import type { Policy } from '../policy/policy.js';
import type { RelationshipState } from '../relationship/context.js';
import { compactSvgWithoutGraphviz, missingGraphvizSvg } from './compactSvg.js';

/** The two drawings of the statechart an inspector shows (the reference service serves them), both read from the machine, never drawn by hand. */
export interface StatechartDrawings {
  /** Small enough to read inside the inspector: states, and the events that move between them. */
  readonly compact: string;
  /** The full diagram of docs/statechart.svg: every guard and rule id. */
  readonly full: string;
}

const FONT = 'Helvetica';

/** `"…"` for DOT; our own `\n` line breaks are kept. */
function quoted(text: string): string {
  return `"${text.replace(/\\(?!n)/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The inspector's drawing: one edge per pair of states listing the events that take it (guards and
 * rule ids are in the full diagram), the root's state-changing handlers from an "any state" box.
 * Each state's node has the id `state-<name>`, which the page uses to highlight the current one.
 */
export function compactDot(graph: StatechartGraph): string {
  const out: string[] = [];
  out.push(`digraph ${graph.id} {`);
  out.push(`  graph [rankdir=TB, fontname=${quoted(FONT)}, nodesep=0.2, ranksep=0.35, pad=0.1, bgcolor="transparent"];`);
  out.push(`  node [shape=box, style="rounded,filled", fontname=${quoted(FONT)}, fontsize=22, margin="0.25,0.12", penwidth=2];`);
  out.push(`  edge [fontname=${quoted(FONT)}, fontsize=18, color="#8c959f", fontcolor="#57606a", arrowsize=0.8, penwidth=1.3];`);
  out.push(`  initial [id="initial", shape=point, width=0.18, style=filled, fillcolor="#1f2328", label=""];`);
  for (const state of graph.states) {
    const { fill, stroke } = STATE_COLOURS[state];
    out.push(`  ${state} [id=${quoted(`state-${state}`)}, label=${quoted(state)}, fillcolor=${quoted(fill)}, color=${quoted(stroke)}];`);
  }
  out.push(`  anyState [id="state-any", label="any state", style="rounded,dashed", color="#8c959f", fontcolor="#57606a", fontsize=17];`);
  out.push(`  { rank=min; initial; anyState; }`);
  out.push(`  initial -> ${graph.initial};`);
  const pairs = new Map<string, { source: string; target: RelationshipState; events: string[] }>();
  for (const edge of graph.edges) {
    if (edge.target === undefined) continue;
    const source = edge.source === '*' ? 'anyState' : edge.source;
    const key = `${source}->${edge.target}`;
    const pair = pairs.get(key) ?? { source, target: edge.target, events: [] };
    if (!pair.events.includes(edge.event)) pair.events.push(edge.event);
    pairs.set(key, pair);
  }
  for (const { source, target, events } of pairs.values()) {
    const style = source === 'anyState' ? ', style=dashed' : '';
    out.push(`  ${source} -> ${target} [id=${quoted(`edge-${source}-${target}`)}, label=${quoted(events.join('\\n'))}, color=${quoted(STATE_COLOURS[target].stroke)}${style}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/**
 * Renders both drawings for the policy's machine (Graphviz in WebAssembly: a few hundred ms, once).
 * Without Graphviz (an optional peer) the compact chart is drawn without a layout engine and the
 * full one says what to install: the page never shows an error in their place.
 */
export async function drawStatechart(policy: Policy): Promise<StatechartDrawings> {
  const graph = statechartGraph(createCallPermissionMachine(policy));
  try {
    const [compact, full] = await Promise.all([renderSvg(compactDot(graph)), renderSvg(toDot(graph))]);
    return { compact: withoutProlog(compact), full };
  } catch (error) {
    if (!(error instanceof MissingPeerDependencyError)) throw error;
    return { compact: compactSvgWithoutGraphviz(graph), full: missingGraphvizSvg() };
  }
}

/** The XML prolog and doctype, which an SVG inlined into HTML must not carry. */
function withoutProlog(svg: string): string {
  return svg.slice(svg.indexOf('<svg'));
}
