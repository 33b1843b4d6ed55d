/** Where progress is drawn: a stream that may be a terminal. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  /** `done` of the total are finished; redraws at most every `intervalMs`. */
  update(done: number): void;
  /** Erases the line. */
  finish(): void;
}

const SILENT: Progress = { update: () => undefined, finish: () => undefined };

/**
 * A one-line progress counter (`simulating 1200/50000 steps (2%)`) redrawn in place with `\r`.
 * Only on a terminal (or when forced): in a pipe or a log file it would be noise. Nothing is drawn
 * before `delayMs`, so short runs stay silent.
 */
export function createProgress(options: {
  stream: ProgressStream;
  label: string;
  total: number;
  force?: boolean;
  now?: () => number;
  intervalMs?: number;
  delayMs?: number;
}): Progress {
  const { stream, label, total } = options;
  if (!(options.force || stream.isTTY)) return SILENT;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  const started = now();
  const delay = options.delayMs ?? 300;
  let lastDrawn = -Infinity;
  let drawn = false;
  return {
    update(done) {
      const t = now();
      if (t - started < delay || t - lastDrawn < interval) return;
      lastDrawn = t;
      drawn = true;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      stream.write(`\r${label} ${done}/${total} (${percent}%)\x1b[K`);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
