import { createCallPermissionMachine, type CallPermissionMachine } from './callPermission.machine.js';
import type { Policy } from '../src/policy/policy.js';
import { relationshipGuards, type RelationshipGuards } from '../src/relationship/guards.js';
import { relationshipUpdates, type RelationshipUpdates } from '../src/relationship/updates.js';

/** The statechart and its named implementations, built once per policy object. */
export interface RelationshipLogic {
  readonly policy: Policy;
  readonly machine: CallPermissionMachine;
  readonly guards: RelationshipGuards;
  readonly updates: RelationshipUpdates;
}

const cache = new WeakMap<Policy, RelationshipLogic>();

export function relationshipLogic(policy: Policy): RelationshipLogic {
  let logic = cache.get(policy);
  if (!logic) {
    logic = { policy, machine: createCallPermissionMachine(policy), guards: relationshipGuards(policy), updates: relationshipUpdates(policy) };
    cache.set(policy, logic);
  }
  return logic;
}
