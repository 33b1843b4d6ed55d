/** The README shows what the commands it names really print. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('quotes `npm run demo` as it prints (every line of the excerpt but the "…" elisions)', () => {
    const block = /`npm run demo` prints[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'the demo excerpt').toBeDefined();
    const printed = execFileSync(join(root, 'node_modules/.bin/unrun'), ['scripts/demo.ts'], { cwd: root, encoding: 'utf8' }).split('\n');
    const quoted = block!.split('\n').filter((line) => line.trim() !== '' && line.trim() !== '…');
    expect(quoted.length).toBeGreaterThan(5);
    for (const line of quoted) expect(printed, line).toContain(line);
  });
});
