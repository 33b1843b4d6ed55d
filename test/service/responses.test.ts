import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceResponse } from '../../src/service/index.js';
import { startTestService, type TestService } from './harness.js';

/**
 * The exported response types say what the routes answer: each route's JSON has exactly the keys
 * its type declares (a key list the compiler holds to the type, in both directions).
 */
type Keys<T> = { readonly [K in keyof Required<T>]: true };
const keysOf = <T>(keys: Keys<T>) => Object.keys(keys).sort();

describe('the service answers the shapes its exported types declare', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.dispose();
  });

  it('health, clock, relationships, commands, refusals and test events', async () => {
    const health = await service.call('GET', '/health');
    expect(Object.keys(health.body).sort()).toEqual(keysOf<ServiceResponse.Health>({ status: true, effects: true, store: true, where: true, clock: true, policy: true, error: true }).filter((k) => k !== 'error'));
    expect(Object.keys(health.body.clock).sort()).toEqual(keysOf<ServiceResponse.Clock>({ mode: true, now: true }));
    expect(Object.keys((await service.call('GET', '/v1/clock')).body).sort()).toEqual(keysOf<ServiceResponse.Clock>({ mode: true, now: true }));
    const moved = await service.call('POST', '/v1/clock', { advance: 'PT1H' });
    expect(Object.keys(moved.body).sort()).toEqual(keysOf<ServiceResponse.ClockMoved>({ mode: true, now: true, relationshipsMoved: true }));

    const sent = await service.call('POST', service.relationship('permission-requests'));
    expect(sent.status).toBe(201);
    expect(Object.keys(sent.body).sort()).toEqual(keysOf<ServiceResponse.PermissionRequestSent>({ outcome: true, requestId: true, via: true, at: true, receipt: true }));
    const refused = await service.call('POST', service.relationship('permission-requests'));
    expect(refused.status).toBe(409);
    expect(Object.keys(refused.body).sort()).toEqual(keysOf<ServiceResponse.CommandRefused>({ outcome: true, refusal: true, error: true }));
    expect(Object.keys(refused.body.error).sort()).toEqual(['code', 'message', 'path']);

    const accepted = await service.call('POST', service.relationship('events'), { type: 'PERMISSION_ACCEPTED', permanent: true });
    expect(Object.keys(accepted.body).sort()).toEqual(keysOf<ServiceResponse.EventRecorded>({ state: true, previousState: true, changed: true }));
    const started = await service.call('POST', service.relationship('calls'));
    expect(started.status).toBe(201);
    expect(Object.keys(started.body).sort()).toEqual(keysOf<ServiceResponse.CallStarted>({ outcome: true, callId: true, at: true, receipt: true }));

    const list = await service.call('GET', '/v1/relationships');
    expect(Object.keys(list.body).sort()).toEqual(keysOf<ServiceResponse.RelationshipList>({ relationships: true }));
    expect(Object.keys(list.body.relationships[0]).sort()).toEqual(['clock', 'sender', 'state', 'updatedAt', 'user']);

    // What the inspector page asks before anything else (whether it must ask for the API token).
    const session = await service.call('GET', '/v1/session');
    expect(Object.keys(session.body).sort()).toEqual(keysOf<ServiceResponse.Session>({ required: true, authenticated: true }));
    expect(session.body).toEqual({ required: false, authenticated: true });
  });
});
