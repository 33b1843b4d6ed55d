import { ROOT_COLOURS, STATE_COLOURS } from './palette.js';
import type { StatechartGraph } from './statechartGraph.js';

/** What the drawings say when Graphviz (an optional peer) is not installed. */
export const GRAPHVIZ_INSTALL_HINT = 'Drawn without Graphviz. For the full diagram: npm install @hpcc-js/wasm-graphviz';

const FONT = 'Helvetica, Arial, sans-serif';
const BOX = { x: 16, width: 190, height: 40 };
const ROW_GAP = 18;
const LINE = 18;
const LIST_X = BOX.x + BOX.width + 24;
const WIDTH = 640;
/** Characters of 13 px text that fit between the list's start and the right edge. */
const MAX_CHARS = 54;

/** The events after `lead`, as lines that fit beside the boxes (a break only between events). */
function wrapped(lead: string, events: readonly string[]): string[] {
  const lines: string[] = [];
  let line = '';
  let room = MAX_CHARS - lead.length;
  for (const event of events) {
    const next = line ? `${line}, ${event}` : event;
    if (line && next.length > room) {
      lines.push(`${line},`);
      line = event;
      room = MAX_CHARS - 2;
    } else line = next;
  }
  lines.push(line);
  return lines;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The inspector's compact statechart without a layout engine: one box per state (the ids
 * `state-<name>` the page highlights, as in the Graphviz drawing), each followed by the states it
 * leads to and the events that take it there; the root's handlers under an "any state" box.
 */
export function compactSvgWithoutGraphviz(graph: StatechartGraph): string {
  const sources = ['*', ...graph.states] as const;
  const targets = new Map<string, Map<string, string[]>>();
  for (const edge of graph.edges) {
    if (edge.target === undefined) continue;
    const byTarget = targets.get(edge.source) ?? new Map<string, string[]>();
    const events = byTarget.get(edge.target) ?? [];
    if (!events.includes(edge.event)) events.push(edge.event);
    byTarget.set(edge.target, events);
    targets.set(edge.source, byTarget);
  }
  const out: string[] = [];
  let y = 16;
  for (const source of sources) {
    const lines = [...(targets.get(source) ?? new Map<string, string[]>()).entries()];
    const isRoot = source === '*';
    const colours = isRoot ? ROOT_COLOURS : STATE_COLOURS[source];
    const id = isRoot ? 'state-any' : `state-${source}`;
    const label = isRoot ? 'any state' : source;
    const initial = source === graph.initial ? ' (initial)' : '';
    out.push(
      `<g class="node" id="${id}"><title>${escapeXml(label)}</title>` +
        `<polygon points="${BOX.x},${y} ${BOX.x + BOX.width},${y} ${BOX.x + BOX.width},${y + BOX.height} ${BOX.x},${y + BOX.height}" fill="${colours.fill}" stroke="${colours.stroke}" stroke-width="2"${isRoot ? ' stroke-dasharray="6 4"' : ''}/>` +
        `<text x="${BOX.x + BOX.width / 2}" y="${y + BOX.height / 2 + 6}" text-anchor="middle" font-size="17" fill="#1f2328">${escapeXml(label + initial)}</text></g>`,
    );
    let lineY = y + 14;
    let count = 0;
    for (const [target, events] of lines) {
      const stroke = STATE_COLOURS[target as keyof typeof STATE_COLOURS]?.stroke ?? '#57606a';
      const [first, ...rest] = wrapped(`${target}: `, events);
      out.push(`<text x="${LIST_X}" y="${lineY}" font-size="13" fill="#57606a">→ <tspan fill="${stroke}" font-weight="700">${escapeXml(target)}</tspan>: ${escapeXml(first!)}</text>`);
      for (const more of rest) out.push(`<text x="${LIST_X + 14}" y="${(lineY += LINE)}" font-size="13" fill="#57606a">${escapeXml(more)}</text>`);
      lineY += LINE;
      count += 1 + rest.length;
    }
    y += Math.max(BOX.height, count * LINE + 4) + ROW_GAP;
  }
  out.push(`<text x="${BOX.x}" y="${y + 4}" font-size="13" fill="#57606a">${escapeXml(GRAPHVIZ_INSTALL_HINT)}</text>`);
  const height = y + 16;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" role="img" aria-label="The statechart of ${escapeXml(graph.id)}, drawn without Graphviz">\n` +
    `${out.join('\n')}\n</svg>\n`
  );
}

/** A picture that says the full diagram needs Graphviz, and how to install it. */
export function missingGraphvizSvg(): string {
  const lines = ['The full statechart is drawn with Graphviz, which is not installed.', 'Run: npm install @hpcc-js/wasm-graphviz', '(The compact chart and `wacp diagram --format mermaid` need nothing more.)'];
  const height = 24 + lines.length * 24;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" role="img" aria-label="${escapeXml(lines[0]!)}">\n` +
    lines.map((line, i) => `<text x="16" y="${30 + i * 24}" font-size="${i === 1 ? 16 : 14}"${i === 1 ? ' font-weight="700"' : ''} fill="#1f2328">${escapeXml(line)}</text>`).join('\n') +
    '\n</svg>\n'
  );
}
