/// <reference types="node" />
import { fileURLToPath } from 'node:url';
import { importOptionalPeer } from '../optionalPeer.js';

/**
 * The inspector page's TypeScript (`inspector.ts` and the modules it imports) as one ES module for
 * the browser, made with rolldown, the bundler tsdown builds with. `npm run build` writes it to
 * dist/service/page/inspector.js (tsdown.config.ts); a service running from its sources makes it on
 * demand (./page.ts). rolldown is a development dependency: loaded here, only when called, and
 * never by the built service, which serves the bundle the build wrote.
 */
export async function bundleInspector(sourceDirectory: URL): Promise<string> {
  const { build } = await importOptionalPeer('rolldown', 'Serving the inspector page from its TypeScript sources (without `npm run build`)', () => import('rolldown'));
  const { output } = await build({
    input: fileURLToPath(new URL('inspector.ts', sourceDirectory)),
    platform: 'browser',
    write: false,
    output: { format: 'esm' },
  });
  const [script, ...more] = output;
  if (script?.type !== 'chunk' || more.length > 0) throw new Error(`bundling the inspector page gave ${output.map((file) => file.fileName).join(', ')}, not one script`);
  return script.code;
}
