import { assign, setup } from 'xstate';
import type { RelationshipEvent } from '../src/events/types.js';
import { DEFAULT_POLICY, type Policy } from '../src/policy/policy.js';
import { initialContext, type RelationshipContext } from '../src/relationship/context.js';
import { relationshipGuards, type Guard, type RelationshipGuards } from '../src/relationship/guards.js';
import { relationshipUpdates, type RelationshipUpdates, type Update } from '../src/relationship/updates.js';
import type { RuleId } from '../src/rules.js';

/** What a transition carries besides its guard and actions: the rules of docs/rules.md it decides or carries out. */
export interface TransitionMeta {
  readonly rules: readonly RuleId[];
}

/** A transition's `meta`: the rule ids it cites (none for time alone and bookkeeping). The diagram and the inspector read them from here. */
const cites = (...rules: RuleId[]): TransitionMeta => ({ rules });

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
 * The statechart of one sender↔user relationship ([docs/rules.md](../docs/rules.md)). Every guard and action is named,
 * and every transition cites its rules as data (`meta.rules`); the implementations live in `src/relationship/`, bound to `policy`.
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
      CLOCK: { actions: 'advanceClock', meta: cites() },
      USER_MESSAGE: { actions: 'openSessionWindow', meta: cites('W1') },
      USER_CALL_RECEIVED: [
        { guard: 'userCallGrantsPermission', target: '.granted', actions: ['openSessionWindow', 'grantFromUserCall'], meta: cites('G5', 'W1') },
        { actions: 'openSessionWindow', meta: cites('W1') },
      ],
      USER_CALL_CONNECTED: { actions: 'recordUserCallConnected', meta: cites('G3', 'M3', 'W1') },
      PERMISSION_ACCEPTED: [
        { guard: 'acceptSuperseded', actions: 'advanceClock', meta: cites('G1', 'U1') }, // delivered late, after a later decision
        { guard: 'laterMissesRevokeGrant', target: '.revoked', actions: ['grantPermission', 'endGrantByLaterMisses'], meta: cites('G1', 'G5', 'M2', 'U1') }, // delivered late, before enough misses
        { guard: 'laterMissesPromptGrant', target: '.prompted', actions: 'grantPermission', meta: cites('G1', 'G5', 'M1', 'U1') }, // delivered late, before misses
        { target: '.granted', actions: 'grantPermission', meta: cites('G1', 'G5', 'U1') },
      ],
      PERMISSION_REJECTED: { actions: 'recordAnswer', meta: cites('R4', 'M2') }, // M2: an automatic reject after the revoke counts nothing
      PERMISSION_REVOKED: [
        { guard: 'noSuperseded', actions: 'advanceClock', meta: cites('U1') }, // delivered late, before a later grant
        { target: '.revoked', actions: 'revokePermission', meta: cites('U1') },
      ],
      // Reconciliation: the platform's view wins. A grant it reports is adopted; "no permission" is
      // news only where there is a grant (handled in granted and prompted).
      PERMISSION_SYNCED: [
        { guard: 'syncSuperseded', actions: 'advanceClock', meta: cites('G1', 'U1') }, // the platform's view as of a time before a later decision
        { guard: 'syncedGrant', target: '.granted', actions: 'grantPermission', meta: cites('G1', 'G5', 'U1') },
        { actions: 'recordPlatformView', meta: cites('G1') },
      ],
      REQUEST_FAILED: { actions: 'releaseRequest', meta: cites('R1', 'R2') },
      CALL_ID_ASSIGNED: { actions: 'assignCallId', meta: cites() },
      CALL_CONNECTED: { actions: 'recordCallConnected', meta: cites('G2', 'G3', 'M3', 'W1') },
      CALL_UNANSWERED: { actions: 'releaseMissedCall', meta: cites('G2', 'M1', 'M2') }, // outside a grant a miss counts against nothing (yet: an accept delivered late may)
      CALL_FAILED: { actions: 'releaseCall', meta: cites('G2', 'M4') },
    },
    states: {
      noPermission: {
        on: {
          REQUEST_SENT: { guard: 'requestAllowed', target: 'requested', actions: 'recordRequest', meta: cites('R1', 'R2', 'U2') },
        },
      },
      requested: {
        on: {
          CLOCK: [
            { guard: 'requestLapsedAfterRevoke', target: 'revoked', actions: 'advanceClock', meta: cites('R4') },
            { guard: 'requestLapsed', target: 'noPermission', actions: 'advanceClock', meta: cites('R4') },
          ],
          REQUEST_SENT: { guard: 'requestAllowed', actions: 'recordRequest', meta: cites('R1', 'R2', 'U2') },
          REQUEST_FAILED: [
            { guard: 'onlyOpenRequestFailedAfterRevoke', target: 'revoked', actions: 'releaseRequest', meta: cites('R1', 'R2', 'R4') },
            { guard: 'onlyOpenRequestFailed', target: 'noPermission', actions: 'releaseRequest', meta: cites('R1', 'R2', 'R4') },
          ],
          PERMISSION_REJECTED: { target: 'noPermission', actions: 'declineRequest', meta: cites('R4') },
        },
      },
      granted: {
        on: {
          CLOCK: { guard: 'grantExpired', target: 'noPermission', actions: 'expireGrant', meta: cites('G1') },
          REQUEST_SENT: { guard: 'requestAllowedWhileGranted', actions: 'recordRequest', meta: cites('R1', 'R2', 'R5') },
          CALL_STARTED: { guard: 'callAllowed', actions: 'reserveCall', meta: cites('G1', 'G2', 'G4') },
          USER_CALL_RECEIVED: { actions: 'openSessionWindow', meta: cites('W1') }, // G5's callback grant never replaces a live one
          // The revoke threshold lies beyond the prompt (definePolicy enforces it), so from
          // `granted` a miss can only prompt; the revoke happens from `prompted`.
          CALL_UNANSWERED: [
            { guard: 'missBeforeResetRevokes', target: 'revoked', actions: 'revokeByMissBeforeReset', meta: cites('G2', 'M2', 'M3') }, // delivered late, the revoke came before a connect
            { guard: 'missBeforeCountRestart', actions: 'countMissBeforeReset', meta: cites('G2', 'M1', 'M2', 'M3') }, // delivered late, before the count started again
            { guard: 'missReachesPrompt', target: 'prompted', actions: 'countMiss', meta: cites('M1', 'M2') },
            { actions: 'countMiss', meta: cites('M1', 'M2') },
          ],
          PERMISSION_REJECTED: [
            { guard: 'noSuperseded', actions: 'recordAnswer', meta: cites('R4', 'M2', 'U1') }, // U1: delivered late, before a later grant
            { target: 'revoked', actions: 'revokePermission', meta: cites('U1') },
          ],
          PERMISSION_SYNCED: [
            { guard: 'syncSupersededInGrant', actions: 'advanceClock', meta: cites('G1', 'U1') }, // the platform's view as of a time before a later decision
            { guard: 'syncedGrant', actions: 'adoptGrantExpiry', meta: cites('G1') },
            { target: 'noPermission', actions: 'expireGrant', meta: cites('G1') },
          ],
        },
      },
      prompted: {
        on: {
          CLOCK: { guard: 'grantExpired', target: 'noPermission', actions: 'expireGrant', meta: cites('G1') },
          REQUEST_SENT: { guard: 'requestAllowedWhileGranted', actions: 'recordRequest', meta: cites('R1', 'R2', 'R5') },
          CALL_STARTED: { guard: 'callAllowed', actions: 'reserveCall', meta: cites('G1', 'G2', 'G4') },
          USER_CALL_RECEIVED: { actions: 'openSessionWindow', meta: cites('W1') }, // G5's callback grant never replaces a live one
          CALL_UNANSWERED: [
            { guard: 'missBeforeResetRevokes', target: 'revoked', actions: 'revokeByMissBeforeReset', meta: cites('G2', 'M2', 'M3') }, // delivered late, the revoke came before a connect
            { guard: 'missBeforeCountRestart', actions: 'countMissBeforeReset', meta: cites('G2', 'M1', 'M2', 'M3') }, // delivered late, before the count started again
            { guard: 'missReachesRevoke', target: 'revoked', actions: 'revokeAfterMisses', meta: cites('M2') },
            { actions: 'countMiss', meta: cites('M1', 'M2') },
          ],
          // M3; delivered late, misses may have come after it: it stays prompted (the side that never lets out more)
          CALL_CONNECTED: [{ guard: 'factInOrder', target: 'granted', actions: 'recordCallConnected', meta: cites('G2', 'G3', 'M3', 'W1') }, { actions: 'recordCallConnected', meta: cites('G2', 'G3', 'M3', 'W1') }],
          USER_CALL_CONNECTED: [{ guard: 'factInOrder', target: 'granted', actions: 'recordUserCallConnected', meta: cites('G3', 'M3', 'W1') }, { actions: 'recordUserCallConnected', meta: cites('G3', 'M3', 'W1') }],
          PERMISSION_REJECTED: [
            { guard: 'noSuperseded', actions: 'recordAnswer', meta: cites('R4', 'M2', 'U1') }, // U1: delivered late, before a later grant
            { target: 'revoked', actions: 'revokePermission', meta: cites('U1') },
          ],
          PERMISSION_SYNCED: [
            { guard: 'syncSupersededInGrant', actions: 'advanceClock', meta: cites('G1', 'U1') }, // the platform's view as of a time before a later decision
            { guard: 'syncedGrant', actions: 'adoptGrantExpiry', meta: cites('G1') },
            { target: 'noPermission', actions: 'expireGrant', meta: cites('G1') },
          ],
        },
      },
      revoked: {
        on: {
          REQUEST_SENT: { guard: 'requestAllowed', target: 'requested', actions: 'recordRequest', meta: cites('R1', 'R2', 'U2') },
        },
      },
    },
  });
}

/** The machine under the default (`infobip`) policy: import it to draw, inspect or generate tests. */
export const callPermissionMachine = createCallPermissionMachine();

export type CallPermissionMachine = ReturnType<typeof createCallPermissionMachine>;
