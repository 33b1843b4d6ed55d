import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
}

describe('progress on stderr for long runs', () => {
  it('draws on a terminal once the run is not short, redrawing in place at most every interval, and erases itself', () => {
    const { stream, written } = fakeStream(true);
    let now = 0;
    const progress = createProgress({ stream, label: 'simulating', total: 1000, now: () => now, intervalMs: 100, delayMs: 300 });
    progress.update(10); // 0 ms: too early
    now = 350;
    progress.update(400);
    now = 400;
    progress.update(500); // within the interval: skipped
    now = 460;
    progress.update(900);
    progress.finish();
    expect(written).toEqual(['\rsimulating 400/1000 (40%)\x1b[K', '\rsimulating 900/1000 (90%)\x1b[K', '\r\x1b[K']);
  });

  it('stays silent in a pipe or a log file, unless forced', () => {
    const piped = fakeStream(false);
    let now = 0;
    const silent = createProgress({ stream: piped.stream, label: 'x', total: 10, now: () => now });
    now = 10_000;
    silent.update(5);
    silent.finish();
    expect(piped.written).toEqual([]);
    const forced = createProgress({ stream: piped.stream, label: 'x', total: 10, now: () => now, force: true, delayMs: 0 });
    now = 20_000;
    forced.update(5);
    expect(piped.written).toEqual(['\rx 5/10 (50%)\x1b[K']);
  });

  it('writes nothing at the end of a run too short to have drawn', () => {
    const { stream, written } = fakeStream(true);
    createProgress({ stream, label: 'x', total: 3, now: () => 0 }).finish();
    expect(written).toEqual([]);
  });
});
