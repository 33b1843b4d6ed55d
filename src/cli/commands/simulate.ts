/// <reference types="node" />
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inspectRelationship } from '../../inspector/counters.js';
import { formatTimeline } from '../../inspector/format.js';
import { createTimelineRecorder, type TimelineEntry, type TimelineRecorder } from '../../inspector/timeline.js';
import { parseCommandLine, positionals } from '../args.js';
import type { CliCommand } from '../command.js';
import { CliError, EXIT_OK } from '../errors.js';
import { createProgress } from '../progress.js';
import { parseScenario, placeError, type Scenario } from '../scenario.js';

const USAGE = `Usage: wacp simulate <scenario.json> [--json] [--compact] [--progress]

Replays a scenario (one relationship's story) through the statechart and prints its timeline:
each step with the state before and after, the transitions taken and their rules, why a command
was refused, the counters, the permissions view and both decisions after it. Nothing is stored.
"-" reads the scenario from standard input.

Options:
  --json        the timeline as JSON: { sender, user, policy, timeline: [entry…], final }
  --compact     one aligned line per step instead of a block
  --progress    show progress on stderr even when it is not a terminal
  -h, --help    this text

A scenario file:
  { "description": "…", "policy": "infobip", "sender": "+44 113 496 0000", "user": "+44 7700 900123",
    "events": [ { "command": "requestPermission", "at": "2026-04-06T09:00:00Z" },
                { "type": "PERMISSION_ACCEPTED", "at": "2026-04-06T09:05:00Z", "permanent": false },
                { "command": "startCall", "at": "2026-04-06T10:00:00Z", "id": "c1" },
                { "type": "CALL_CONNECTED", "at": "2026-04-06T10:00:20Z", "callId": "c1" } ] }
  Steps are facts (any event engine.record takes) or commands (requestPermission, startCall).
  Examples and the full format: examples/scenarios/.

Exit codes: 0 replayed; 1 the file is unreadable or wrong (reported as file:line:column: path: what);
2 the command line is wrong.
`;

async function readScenario(file: string, cwd: string, readStdin: () => Promise<string>): Promise<{ name: string; text: string }> {
  if (file === '-') return { name: '<stdin>', text: await readStdin() };
  try {
    return { name: file, text: await readFile(resolve(cwd, file), 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`wacp simulate: cannot read ${file}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a directory' : `: ${(error as Error).message}`}`);
  }
}

/** Replays every step; an invalid one stops the run with its line in the file. */
function replay(name: string, scenario: Scenario, onStep: (done: number) => void): { entries: TimelineEntry[]; recorder: TimelineRecorder } {
  const recorder = createTimelineRecorder({ policy: scenario.policy });
  const entries: TimelineEntry[] = [];
  scenario.steps.forEach((step, i) => {
    try {
      entries.push(recorder.record(step, `events[${i}]`));
    } catch (error) {
      throw placeError(name, scenario.source, error);
    }
    onStep(i + 1);
  });
  return { entries, recorder };
}

function header(scenario: Scenario): string {
  const lines = [];
  if (scenario.description) lines.push(scenario.description);
  lines.push(`sender ${scenario.sender} ↔ user ${scenario.user} · policy ${scenario.policy.name} · ${scenario.steps.length} step(s) · times in UTC`);
  return `${lines.join('\n')}\n\n`;
}

function footer(entries: readonly TimelineEntry[]): string {
  const last = entries[entries.length - 1];
  if (!last) return '';
  const refused = entries.filter((e) => e.refusal).length;
  const unchanged = entries.filter((e) => !e.changed).length;
  return `\nFinal state ${last.stateAfter} at ${last.at} · ${entries.length} step(s), ${refused} refused, ${unchanged} changed nothing\n`;
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'replay a scenario file and print its timeline with each decision and rule',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals: given } = parseCommandLine('simulate', args, {
      json: { type: 'boolean' },
      compact: { type: 'boolean' },
      progress: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return EXIT_OK;
    }
    const [file] = positionals('simulate', given, ['scenario.json']);
    const { name, text } = await readScenario(file!, io.cwd, io.readStdin);
    const scenario = parseScenario(name, text);
    const progress = createProgress({ stream: io.stderr, label: 'simulating', total: scenario.steps.length, force: values.progress === true });
    let replayed: ReturnType<typeof replay>;
    try {
      replayed = replay(name, scenario, (done) => progress.update(done));
    } finally {
      progress.finish();
    }
    const { entries, recorder } = replayed;
    if (values.json) {
      // The relationship after the last step, at its own clock: the last entry's view plus what is due next.
      const final = recorder.snapshot ? inspectRelationship(recorder.snapshot) : null;
      io.stdout.write(
        `${JSON.stringify({ description: scenario.description ?? null, sender: scenario.sender, user: scenario.user, policy: scenario.policy.name, timeline: entries, final }, null, 2)}\n`,
      );
      return EXIT_OK;
    }
    io.stdout.write(header(scenario) + formatTimeline(entries, { compact: values.compact === true }) + footer(entries));
    return EXIT_OK;
  },
};
