import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildTimeline, type TimelineInput } from '../../src/inspector/index.js';
import { wacp } from './wacp.js';

const EXAMPLE = 'examples/scenarios/first-week.json';

describe('wacp simulate: a scenario file replayed, with each decision and rule', () => {
  it('R1/G2/M1/G1: prints the timeline of the first-week example and exits 0, with nothing on stderr in a pipe', async () => {
    const run = await wacp(['simulate', EXAMPLE]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('sender 441134960000 ↔ user 447700900123 · policy infobip-seed · 27 step(s)');
    expect(run.stdout).toContain('[ 1] 2026-04-06 10:00:00  requestPermission (refused)');
    expect(run.stdout).toContain('refused   R1: 1 permission request(s) were already sent in the last 24 h');
    expect(run.stdout).toContain('refused   G2: 5 connected call(s)');
    expect(run.stdout).toContain('state     granted → prompted   rules M1 M2');
    expect(run.stdout).toContain('taken     granted · CLOCK #0 [grantExpired] → noPermission');
    expect(run.stdout).toContain('Final state noPermission at 2026-04-13T12:00:00.000Z · 27 step(s), 3 refused');
  });

  it('--json gives the timeline buildTimeline builds from the same steps', async () => {
    const run = await wacp(['simulate', EXAMPLE, '--json']);
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout) as { sender: string; policy: string; timeline: unknown[]; final: { state: string } };
    const scenario = JSON.parse(await readFile(new URL(`../../${EXAMPLE}`, import.meta.url), 'utf8')) as { events: TimelineInput[] };
    expect(output.timeline).toEqual(JSON.parse(JSON.stringify(buildTimeline(scenario.events, { policy: 'infobip-seed' }))));
    expect(output.sender).toBe('441134960000');
    expect(output.final.state).toBe('noPermission');
  });

  it('--compact prints one line per step under a header; "-" reads standard input', async () => {
    const text = await readFile(new URL(`../../${EXAMPLE}`, import.meta.url), 'utf8');
    const run = await wacp(['simulate', '-', '--compact'], { input: text });
    expect(run.code).toBe(0);
    const table = run.stdout.split('\n').filter((l) => /^\s*(#|\d+)\s/.test(l));
    expect(table).toHaveLength(28);
  });

  it('replays every example in examples/scenarios without an error', async () => {
    const files = (await readdir(new URL('../../examples/scenarios/', import.meta.url))).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const runs = await Promise.all(files.map((f) => wacp(['simulate', `examples/scenarios/${f}`, '--compact'])));
    runs.forEach((run, i) => expect(run.code, `${files[i]}: ${run.stderr}`).toBe(0));
  });

  describe('bad files get line-exact errors and exit 1', () => {
    const cases = [
      ['bad-reason.json', 'test/cli/fixtures/bad-reason.json:9:80: events[3].reason: must be one of "no_answer", "busy", "rejected", "cancelled", got "hung_up"'],
      ['trailing-comma.json', 'test/cli/fixtures/trailing-comma.json:7:3: JSON syntax: unexpected "]", expected a value (is there a trailing comma?)'],
      ['typo-field.json', 'test/cli/fixtures/typo-field.json:8:7: events[0].permanant: is not a field of PERMISSION_ACCEPTED (its fields: type, at, expiresAt, permanent, source, requestId)'],
      ['missing-field.json', 'test/cli/fixtures/missing-field.json:6:5: events[1].callId: must be 1–128 printable characters without spaces, got nothing'],
      ['too-late.json', "test/cli/fixtures/too-late.json:8:7: events[1].at: is 1209600000 ms before the relationship's clock"],
    ] as const;
    for (const [file, message] of cases) {
      it(file, async () => {
        const run = await wacp(['simulate', `test/cli/fixtures/${file}`]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr.startsWith(message), run.stderr).toBe(true);
      });
    }

    it('a file that does not exist, and a top-level field that is not part of the format', async () => {
      const missing = await wacp(['simulate', 'no/such/file.json']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('wacp simulate: cannot read no/such/file.json: no such file\n');
      const odd = await wacp(['simulate', '-'], { input: '{\n  "sender": "441134960000",\n  "user": "447700900123",\n  "evnets": []\n}\n' });
      expect(odd.code).toBe(1);
      expect(odd.stderr).toMatch(/^<stdin>:4:3: evnets: is not a scenario field/);
    });
  });
});
