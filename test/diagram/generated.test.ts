import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderDiagramDocuments } from '../../src/diagram/index.js';
import { DIAGRAM_FILES } from '../../src/diagram/documents.js';

/*
 * docs/statechart.md, .svg and .json are generated from the machine. They are regenerated here, in
 * memory, and compared byte for byte: a change to the machine that is not followed by
 * `npx unrun src/cli/main.ts diagram --write` fails this test.
 */
describe('the generated statechart documents', () => {
  it('are deterministic: two renders give the same bytes', async () => {
    const [first, second] = [await renderDiagramDocuments(), await renderDiagramDocuments()];
    for (const file of DIAGRAM_FILES) expect(second[file], file).toBe(first[file]);
  });

  for (const file of DIAGRAM_FILES) {
    it(`docs/${file} is what the machine generates today (else: npx unrun src/cli/main.ts diagram --write)`, async () => {
      const expected = (await renderDiagramDocuments())[file];
      const onDisk = await readFile(new URL(`../../docs/${file}`, import.meta.url), 'utf8');
      expect(onDisk === expected, `docs/${file} is stale: regenerate it with npx unrun src/cli/main.ts diagram --write`).toBe(true);
    });
  }

  it('the SVG is standalone: an XML document with no external references', async () => {
    const svg = (await renderDiagramDocuments())['statechart.svg'];
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('<svg');
    expect(svg).not.toMatch(/(href|src)="(https?:|file:|\/\/)/);
    // Graphviz writes "-" as &#45; inside attributes; a browser reads the id as state-granted.
    for (const state of ['noPermission', 'requested', 'granted', 'prompted', 'revoked']) expect(svg).toContain(`id="state&#45;${state}"`);
  });
});
