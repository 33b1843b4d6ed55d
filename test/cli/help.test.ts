import { describe, expect, it } from 'vitest';
import { wacp } from './wacp.js';

describe('wacp: help and the command line', () => {
  it('lists its commands with --help and exits 0', async () => {
    const run = await wacp(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['simulate', 'inspect', 'diagram', 'serve']) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(run.stderr).toBe('');
  });

  it('prints the usage and exits 2 without a command, and names an unknown one', async () => {
    const bare = await wacp([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain('Usage: wacp <command>');
    const unknown = await wacp(['simulat']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('wacp: unknown command "simulat" (commands: simulate, inspect, diagram, serve');
  });

  it('has --help on every command, each saying how to use it', async () => {
    const runs = await Promise.all(['simulate', 'inspect', 'diagram', 'serve'].map((c) => wacp([c, '--help'])));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(runs[0]!.stdout).toContain('Usage: wacp simulate <scenario.json>');
    expect(runs[1]!.stdout).toContain('Usage: wacp inspect <sender> <user>');
    expect(runs[2]!.stdout).toContain('Usage: wacp diagram');
    expect(runs[3]!.stdout).toMatch(/Usage: wacp serve/);
  });

  it('refuses an unknown flag or a missing argument with exit 2 and a pointer to --help', async () => {
    const [flag, missing, extra] = await Promise.all([wacp(['simulate', 'x.json', '--jsn']), wacp(['inspect', '441134960000']), wacp(['diagram', 'extra'])]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("wacp simulate: Unknown option '--jsn'");
    expect(flag.stderr).toContain('(wacp simulate --help shows how to use it)');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('wacp inspect: missing <user>');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('wacp diagram: unexpected argument "extra"');
  });
});
