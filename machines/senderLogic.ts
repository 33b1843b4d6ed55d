import { createSenderMachine, type SenderMachine } from './sender.machine.js';
import { senderGuards, type SenderGuards } from '../src/sender/guards.js';
import type { SenderLimits } from '../src/sender/limits.js';
import { senderUpdates, type SenderUpdates } from '../src/sender/updates.js';

/** The sender statechart and its named implementations, built once per limits object. */
export interface SenderLogic {
  readonly limits: SenderLimits;
  readonly machine: SenderMachine;
  readonly guards: SenderGuards;
  readonly updates: SenderUpdates;
}

const cache = new WeakMap<SenderLimits, SenderLogic>();

export function senderLogic(limits: SenderLimits): SenderLogic {
  let logic = cache.get(limits);
  if (!logic) {
    logic = { limits, machine: createSenderMachine(limits), guards: senderGuards(limits), updates: senderUpdates(limits) };
    cache.set(limits, logic);
  }
  return logic;
}
