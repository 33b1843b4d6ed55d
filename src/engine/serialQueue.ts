/**
 * Runs work for one key after every earlier piece of work for that key, in order. Commands on one
 * relationship queue up in-process instead of racing each other to compare-and-set (which stays the
 * guarantee across processes); different keys run freely. A key's queue is dropped when it empties.
 */
export function createSerialQueue(): SerialQueue {
  const tails = new Map<string, Promise<unknown>>();
  const serially = async function serially<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = tails.get(key);
    const run = (before ? before.then(work, work) : work()) as Promise<T>;
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  } as SerialQueue;
  serially.idle = async () => {
    while (tails.size > 0) await Promise.all([...tails.values()]);
  };
  return serially;
}

export interface SerialQueue {
  <T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Resolves once no work is queued or running (for a clean shutdown). */
  idle(): Promise<void>;
}
