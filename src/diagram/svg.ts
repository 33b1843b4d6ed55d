/**
 * DOT → a standalone SVG with Graphviz compiled to WebAssembly (`@hpcc-js/wasm-graphviz`): no
 * browser, no network, the same bytes on every machine for the same input and Graphviz version.
 */
export async function renderSvg(dot: string): Promise<string> {
  let Graphviz: typeof import('@hpcc-js/wasm-graphviz').Graphviz;
  try {
    ({ Graphviz } = await import('@hpcc-js/wasm-graphviz'));
  } catch (cause) {
    throw new Error('rendering SVG needs the package @hpcc-js/wasm-graphviz (npm install @hpcc-js/wasm-graphviz)', { cause });
  }
  const graphviz = await Graphviz.load();
  return graphviz.dot(dot, 'svg');
}
