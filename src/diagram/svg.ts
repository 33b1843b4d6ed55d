import { importOptionalPeer } from '../optionalPeer.js';

/**
 * DOT → a standalone SVG with Graphviz compiled to WebAssembly (`@hpcc-js/wasm-graphviz`): no
 * browser, no network, the same bytes on every machine for the same input and Graphviz version.
 * Without that optional peer it throws a `MissingPeerDependencyError` naming the `npm install` line.
 */
export async function renderSvg(dot: string): Promise<string> {
  const { Graphviz } = await importOptionalPeer('@hpcc-js/wasm-graphviz', 'Drawing the statechart as SVG (Graphviz)', () => import('@hpcc-js/wasm-graphviz'));
  const graphviz = await Graphviz.load();
  return graphviz.dot(dot, 'svg');
}
