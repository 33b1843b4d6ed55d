import type { CallPermissionEffects } from '../engine/effects.js';

/** A sender↔user relationship as the engine's commands take it. */
export type Pair = readonly [sender: string, user: string];

/** Three relationships: two users of one business and one of another. */
export const pairs: readonly Pair[] = [
  ['4930901820', '4915112345678'],
  ['4930901820', '4917698765432'],
  ['4989123456', '4915112345678'],
];

/**
 * The platform as the engine's effects see it (for the store contract's engine cases), shared by every engine instance in a test: it logs
 * every call placed and every request sent, per relationship. Each effect pauses a random moment
 * so that concurrent commands interleave differently from run to run. With `hang`, an effect never
 * returns: the process "crashed" after its reservation was stored.
 */
export function fakePlatform(options: { hang?: boolean } = {}) {
  const calls = new Map<string, string[]>();
  const requests = new Map<string, string[]>();
  const waiting: (() => void)[] = [];
  let arrivals = 0;

  const log = (into: Map<string, string[]>, sender: string, user: string, id: string) => {
    const key = `${sender}:${user}`;
    into.set(key, [...(into.get(key) ?? []), id]);
    arrivals++;
    waiting.shift()?.();
  };
  const settle = () => (options.hang ? new Promise<never>(() => {}) : new Promise<void>((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3))));

  const effects: CallPermissionEffects = {
    async sendPermissionRequest({ sender, user, requestId }) {
      log(requests, sender, user, requestId);
      await settle();
    },
    async startCall({ sender, user, callId }) {
      log(calls, sender, user, callId);
      await settle();
    },
  };

  let consumed = 0;
  return {
    effects,
    /** Ids of the calls placed to this relationship. */
    callsTo: ([sender, user]: Pair) => [...(calls.get(`${sender}:${user}`) ?? [])],
    /** Ids of the permission requests sent to this relationship. */
    requestsTo: ([sender, user]: Pair) => [...(requests.get(`${sender}:${user}`) ?? [])],
    /** Starts a new round of counting. */
    forget() {
      calls.clear();
      requests.clear();
    },
    /** Resolves once one more effect has been reached (a reservation is then stored). */
    reached(): Promise<void> {
      const turn = ++consumed;
      return turn <= arrivals ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve));
    },
  };
}
