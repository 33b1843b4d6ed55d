import { describe, expect, it } from 'vitest';
import { buildTimeline, formatInspection, formatTimeline, inspectRelationship } from '../../src/inspector/index.js';
import { applyEvent, createRelationship } from '../../src/index.js';
import { DAY, HOUR, T0 } from '../support/timeline.js';

const entries = buildTimeline([
  { command: 'requestPermission', at: T0 },
  { command: 'requestPermission', at: T0 + HOUR },
  { type: 'PERMISSION_ACCEPTED', at: T0 + 2 * HOUR, permanent: false },
  ...Array.from({ length: 10 }, (_, i) => ({ type: 'USER_MESSAGE' as const, at: T0 + 3 * HOUR + i })),
]);

describe('formatTimeline: the timeline as text for a terminal', () => {
  it('R1: one block per step, with its refusal and both decisions in words', () => {
    const text = formatTimeline(entries);
    expect(text).toContain('[ 1] 2026-04-01 11:00:00  requestPermission (refused)');
    expect(text).toContain('refused   R1: 1 permission request(s) were already sent in the last 24 h');
    expect(text).toContain('may request: no, R1 until 2026-04-02 10:00:00');
    expect(text).toContain('state     requested → granted   rules G1 G5 U1');
    expect(text).toContain('taken     requested · PERMISSION_ACCEPTED #3 → granted');
  });

  it('aligns every label of every block in one column', () => {
    const labelled = formatTimeline(entries)
      .split('\n')
      .filter((line) => /^\s+(state|taken|refused|counters|view)\s/.test(line));
    expect(labelled.length).toBeGreaterThan(entries.length * 3);
    const columns = new Set(labelled.map((line) => line.search(/\S/)));
    const valueColumns = new Set(labelled.map((line) => line.replace(/^(\s+\S+\s+)\S.*$/, '$1').length));
    expect(columns.size).toBe(1);
    expect(valueColumns.size).toBe(1);
  });

  it('compact: one line per step under a header, each column starting at the same place on every line', () => {
    const lines = formatTimeline(entries, { compact: true }).trimEnd().split('\n');
    expect(lines).toHaveLength(entries.length + 1);
    const header = lines[0]!;
    const starts = ['at (UTC)', 'step', 'state', 'rules', 'request', 'call', 'req 24h/7d', 'calls', 'missed'].map((h) => header.indexOf(h));
    for (const line of lines.slice(1)) for (const start of starts) expect(line.slice(start - 2, start + 1), line).toMatch(/^ {2}\S$/);
  });

  it('says so when there is nothing to show', () => {
    expect(formatTimeline([])).toBe('(no events)\n');
  });
});

describe('formatInspection: one relationship at one moment', () => {
  it('G1: names the state the clock has reached when an expiry is due but not yet recorded', () => {
    const granted = applyEvent(createRelationship({ at: T0 }), { type: 'PERMISSION_ACCEPTED', at: T0, permanent: false });
    const text = formatInspection(inspectRelationship(granted, T0 + 8 * DAY));
    expect(text).toContain('state     granted (stored) → noPermission by the clock');
    expect(text).toContain('call      no, G4');
    expect(text).toMatch(/view\s+NO_PERMISSION/);
  });
});
