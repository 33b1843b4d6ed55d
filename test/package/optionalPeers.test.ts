/**
 * Without an optional peer, each part says what to install instead of failing obscurely: the
 * error names the package and the exact `npm install` line; the service draws its statechart
 * without Graphviz; a taken port names PORT / --port. (The installed package is checked the same
 * way, with the peers really absent, by .ci/pack-and-consume.sh.)
 */
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { callPermissionMachine } from '../../machines/callPermission.machine.js';
import { statechartGraph } from '../../src/diagram/statechartGraph.js';
import { MissingPeerDependencyError } from '../../src/errors.js';
import { importOptionalPeer } from '../../src/optionalPeer.js';
import { RELATIONSHIP_STATES } from '../../src/relationship/context.js';
import { ServiceConfigError } from '../../src/service/errors.js';
import { listenError } from '../../src/service/listenError.js';
import { startService } from '../../src/service/service.js';
import { compactSvgWithoutGraphviz, GRAPHVIZ_INSTALL_HINT, missingGraphvizSvg } from '../../src/diagram/compactSvg.js';

const graphvizAbsent = vi.hoisted(() => ({ value: false }));
vi.mock('../../src/diagram/svg.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/diagram/svg.js')>();
  const { MissingPeerDependencyError: Missing } = await import('../../src/errors.js');
  return {
    renderSvg: async (dot: string) => {
      if (graphvizAbsent.value) throw new Missing('@hpcc-js/wasm-graphviz', 'Drawing the statechart as SVG (Graphviz)');
      return original.renderSvg(dot);
    },
  };
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('optional peers', () => {
  it('a missing one is a MissingPeerDependencyError with the npm install line', async () => {
    const error = await importOptionalPeer('@example/not-installed', 'The example part', () => import('@example/not-installed' as string)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPeerDependencyError);
    expect((error as MissingPeerDependencyError).code).toBe('MISSING_PEER_DEPENDENCY');
    expect((error as MissingPeerDependencyError).install).toBe('npm install @example/not-installed');
    expect((error as Error).message).toBe('The example part needs the optional peer dependency @example/not-installed, which is not installed. Run: npm install @example/not-installed');
  });

  it('an installed one loads, and any other failure is passed on unchanged', async () => {
    const pg = await importOptionalPeer('pg', 'A PostgreSQL server', () => import('pg'));
    expect(typeof pg.default.Pool).toBe('function');
    const broken = new Error('SyntaxError in the peer');
    await expect(importOptionalPeer('pg', 'A PostgreSQL server', () => Promise.reject(broken))).rejects.toBe(broken);
    // A dependency *of* the peer that is missing is not the peer missing.
    const transitive = Object.assign(new Error("Cannot find package 'pg-pool' imported from /x/node_modules/pg/lib/index.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importOptionalPeer('pg', 'A PostgreSQL server', () => Promise.reject(transitive))).rejects.toBe(transitive);
  });
});

describe('the statechart without Graphviz', () => {
  const graph = statechartGraph(callPermissionMachine);

  it('draws every state with the id the page highlights, and every move between states with its events', () => {
    const svg = compactSvgWithoutGraphviz(graph);
    for (const state of RELATIONSHIP_STATES) expect(svg).toContain(`<g class="node" id="state-${state}">`);
    expect(svg).toContain('id="state-any"');
    for (const edge of graph.edges) {
      if (edge.target === undefined) continue;
      // The text after the source's box up to the next box: "→ target: EVENT, EVENT" (wrapped between events).
      const id = edge.source === '*' ? 'state-any' : `state-${edge.source}`;
      const block = svg.slice(svg.indexOf(`id="${id}"`)).split('<g class="node"')[0]!.replace(/<[^>]+>/g, ' ');
      expect(block).toMatch(new RegExp(`→ +${edge.target} *: [A-Z_,\\s]*\\b${edge.event}\\b`));
    }
    expect(svg).toContain(GRAPHVIZ_INSTALL_HINT);
    expect(svg.startsWith('<svg ')).toBe(true); // inlined into the page: no XML prolog
    expect(missingGraphvizSvg()).toContain('npm install @hpcc-js/wasm-graphviz');
  });

  it('is what the service serves when Graphviz is absent: both routes answer 200 with a picture, never an INTERNAL error', { timeout: 120_000 }, async () => {
    graphvizAbsent.value = true;
    const dataDir = await mkdtemp(join(tmpdir(), 'wacp-peers-'));
    dirs.push(dataDir);
    const service = await startService({ port: 0, dataDir, log: () => undefined });
    try {
      const compact = await fetch(`${service.url}/v1/statechart/compact.svg`);
      expect(compact.status).toBe(200);
      const body = await compact.text();
      expect(body).toContain('id="state-granted"');
      expect(body).toContain(GRAPHVIZ_INSTALL_HINT);
      const full = await fetch(`${service.url}/v1/statechart.svg`);
      expect(full.status).toBe(200);
      expect(await full.text()).toContain('npm install @hpcc-js/wasm-graphviz');
    } finally {
      graphvizAbsent.value = false;
      await service.close();
    }
  });
});

describe('a port the service cannot take', () => {
  it('names PORT and --port, for a taken port and a privileged one', () => {
    const taken = listenError(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), 8080, '127.0.0.1');
    expect(taken).toBeInstanceOf(ServiceConfigError);
    expect((taken as ServiceConfigError).path).toBe('PORT');
    expect((taken as Error).message).toMatch(/^PORT: 8080 is already in use on 127\.0\.0\.1 .*set PORT \(or --port\)/);
    expect((listenError(Object.assign(new Error('EACCES'), { code: 'EACCES' }), 80, '127.0.0.1') as Error).message).toMatch(/set PORT \(or --port\) to 1024 or above/);
    const other = new Error('something else');
    expect(listenError(other, 1, 'h')).toBe(other);
  });

  it('is refused at start with that message when another process holds the port', { timeout: 120_000 }, async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = await mkdtemp(join(tmpdir(), 'wacp-port-'));
    dirs.push(dataDir);
    try {
      const error = await startService({ port, dataDir, log: () => undefined }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceConfigError);
      expect((error as Error).message).toContain(`PORT: ${port} is already in use`);
      // Nothing is left holding the data directory: the same process starts on another port.
      const retry = await startService({ port: 0, dataDir, log: () => undefined });
      await retry.close();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
