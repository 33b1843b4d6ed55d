import { assign, setup } from 'xstate';
import type { RelationshipEvent } from '../src/events/types.js';
import { DEFAULT_POLICY, type Policy } from '../src/policy/policy.js';
import { initialContext, type RelationshipContext } from '../src/relationship/context.js';
import { relationshipGuards, type Guard, type RelationshipGuards } from '../src/relationship/guards.js';
import { relationshipUpdates, type RelationshipUpdates, type Update } from '../src/relationship/updates.js';

type XGuards<G> = { [K in keyof G]: (args: { context: RelationshipContext; event: RelationshipEvent }) => boolean };

function asXStateGuards<G extends Record<string, Guard>>(guards: G): XGuards<G> {
  const out: Record<string, (args: { context: RelationshipContext; event: RelationshipEvent }) => boolean> = {};
  for (const [name, guard] of Object.entries(guards)) out[name] = ({ context, event }) => guard(context, event);
  return out as XGuards<G>;
}

function asXStateActions<U extends Record<string, Update>>(updates: U) {
  const out: Record<string, ReturnType<typeof assign<RelationshipContext, RelationshipEvent, undefined, RelationshipEvent, never>>> = {};
  for (const [name, update] of Object.entries(updates)) out[name] = assign(({ context, event }) => update(context, event));
  return out as { [K in keyof U]: (typeof out)[string] };
}

/**
 * The statechart of one sender↔user relationship ([docs/rules.md](../docs/rules.md)). Every guard and action is named and
 * cites its rule; their implementations live in `src/relationship/` and are bound to `policy`.
 * There are no timers: time arrives as `at` on every event, and `CLOCK` lets a host move it on.
 *
 * Handlers on the root apply in every state unless the state handles the event itself.
 */
export function createCallPermissionMachine(policy: Policy = DEFAULT_POLICY) {
  return setup({
    types: {} as {
      context: RelationshipContext;
      events: RelationshipEvent;
      input: { at: number };
    },
    guards: asXStateGuards<RelationshipGuards>(relationshipGuards(policy)),
    actions: asXStateActions<RelationshipUpdates>(relationshipUpdates(policy)),
  }).createMachine({
    id: 'callPermission',
    initial: 'noPermission',
    // XState's pure transition() builds a scratch actor without input: tolerate it, it is never used.
    context: ({ input }) => initialContext(input?.at ?? 0),
    on: {
      CLOCK: { actions: 'advanceClock' },
      USER_MESSAGE: { actions: 'openSessionWindow' }, // W1
      USER_CALL_RECEIVED: [
        { guard: 'userCallGrantsPermission', target: '.granted', actions: ['openSessionWindow', 'grantFromUserCall'] }, // G5, W1
        { actions: 'openSessionWindow' }, // W1
      ],
      USER_CALL_CONNECTED: { actions: 'recordUserCallConnected' }, // G3, W1
      PERMISSION_ACCEPTED: [
        { guard: 'acceptSuperseded', actions: 'advanceClock' }, // G1, U1: delivered late, after a later decision
        { target: '.granted', actions: 'grantPermission' }, // G1, G5, U1
      ],
      PERMISSION_REJECTED: { actions: 'recordAnswer' }, // R4; M2: an automatic reject after the revoke counts nothing
      PERMISSION_REVOKED: [
        { guard: 'noSuperseded', actions: 'advanceClock' }, // U1: delivered late, before a later grant
        { target: '.revoked', actions: 'revokePermission' }, // U1
      ],
      // Reconciliation: the platform's view wins. A grant it reports is adopted; "no permission" is
      // news only where there is a grant (handled in granted and prompted).
      PERMISSION_SYNCED: [
        { guard: 'syncSuperseded', actions: 'advanceClock' }, // G1, U1: the platform's view as of a time before a later decision
        { guard: 'syncedGrant', target: '.granted', actions: 'grantPermission' }, // G1
        { actions: 'recordPlatformView' },
      ],
      REQUEST_FAILED: { actions: 'releaseRequest' },
      CALL_ID_ASSIGNED: { actions: 'assignCallId' },
      CALL_CONNECTED: { actions: 'recordCallConnected' }, // G2, G3, M3, W1
      CALL_UNANSWERED: { actions: 'releaseCall' }, // outside a grant a miss has nothing to count against
      CALL_FAILED: { actions: 'releaseCall' }, // M4
    },
    states: {
      noPermission: {
        on: {
          REQUEST_SENT: { guard: 'requestAllowed', target: 'requested', actions: 'recordRequest' }, // R1, R2, U2
        },
      },
      requested: {
        on: {
          CLOCK: [
            { guard: 'requestLapsedAfterRevoke', target: 'revoked', actions: 'advanceClock' }, // R4
            { guard: 'requestLapsed', target: 'noPermission', actions: 'advanceClock' }, // R4
          ],
          REQUEST_SENT: { guard: 'requestAllowed', actions: 'recordRequest' }, // R1, R2
          REQUEST_FAILED: [
            { guard: 'onlyOpenRequestFailedAfterRevoke', target: 'revoked', actions: 'releaseRequest' },
            { guard: 'onlyOpenRequestFailed', target: 'noPermission', actions: 'releaseRequest' },
          ],
          PERMISSION_REJECTED: { target: 'noPermission', actions: 'declineRequest' }, // R4
        },
      },
      granted: {
        on: {
          CLOCK: { guard: 'grantExpired', target: 'noPermission', actions: 'expireGrant' }, // G1
          REQUEST_SENT: { guard: 'requestAllowedWhileGranted', actions: 'recordRequest' }, // R1, R2, R5
          CALL_STARTED: { guard: 'callAllowed', actions: 'reserveCall' }, // G2, G4
          USER_CALL_RECEIVED: { actions: 'openSessionWindow' }, // W1; G5's callback grant never replaces a live one
          // The revoke threshold lies beyond the prompt (definePolicy enforces it), so from
          // `granted` a miss can only prompt; the revoke happens from `prompted`.
          CALL_UNANSWERED: [
            { guard: 'missBeforeCountRestart', actions: 'releaseCall' }, // M1, M2, M3: delivered late, before the count started again
            { guard: 'missReachesPrompt', target: 'prompted', actions: 'countMiss' }, // M1
            { actions: 'countMiss' },
          ],
          PERMISSION_REJECTED: [
            { guard: 'noSuperseded', actions: 'recordAnswer' }, // R4; U1: delivered late, before a later grant
            { target: 'revoked', actions: 'revokePermission' }, // U1
          ],
          PERMISSION_SYNCED: [
            { guard: 'syncSupersededInGrant', actions: 'advanceClock' }, // G1, U1: the platform's view as of a time before a later decision
            { guard: 'syncedGrant', actions: 'adoptGrantExpiry' }, // G1
            { target: 'noPermission', actions: 'expireGrant' }, // G1
          ],
        },
      },
      prompted: {
        on: {
          CLOCK: { guard: 'grantExpired', target: 'noPermission', actions: 'expireGrant' }, // G1
          REQUEST_SENT: { guard: 'requestAllowedWhileGranted', actions: 'recordRequest' }, // R1, R2, R5
          CALL_STARTED: { guard: 'callAllowed', actions: 'reserveCall' }, // G2, G4
          USER_CALL_RECEIVED: { actions: 'openSessionWindow' }, // W1; G5's callback grant never replaces a live one
          CALL_UNANSWERED: [
            { guard: 'missBeforeCountRestart', actions: 'releaseCall' }, // M1, M2, M3: delivered late, before the count started again
            { guard: 'missReachesRevoke', target: 'revoked', actions: 'revokeAfterMisses' }, // M2
            { actions: 'countMiss' },
          ],
          // M3; delivered late, misses may have come after it: it stays prompted (the side that never lets out more)
          CALL_CONNECTED: [{ guard: 'factInOrder', target: 'granted', actions: 'recordCallConnected' }, { actions: 'recordCallConnected' }],
          USER_CALL_CONNECTED: [{ guard: 'factInOrder', target: 'granted', actions: 'recordUserCallConnected' }, { actions: 'recordUserCallConnected' }], // G3, M3
          PERMISSION_REJECTED: [
            { guard: 'noSuperseded', actions: 'recordAnswer' }, // R4; U1: delivered late, before a later grant
            { target: 'revoked', actions: 'revokePermission' }, // U1
          ],
          PERMISSION_SYNCED: [
            { guard: 'syncSupersededInGrant', actions: 'advanceClock' }, // G1, U1: the platform's view as of a time before a later decision
            { guard: 'syncedGrant', actions: 'adoptGrantExpiry' }, // G1
            { target: 'noPermission', actions: 'expireGrant' }, // G1
          ],
        },
      },
      revoked: {
        on: {
          REQUEST_SENT: { guard: 'requestAllowed', target: 'requested', actions: 'recordRequest' }, // U2
        },
      },
    },
  });
}

/** The machine under the default (`infobip`) policy: import it to draw, inspect or generate tests. */
export const callPermissionMachine = createCallPermissionMachine();

export type CallPermissionMachine = ReturnType<typeof createCallPermissionMachine>;
