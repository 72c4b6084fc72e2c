import { describe, expect, it } from '@jest/globals';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { attachCaller, callerOf, markEnforced, wasEnforced } from './caller.js';

const userInfo = { get: async () => ({ sub: 'alice' }) };
const alice = { subject: 'alice' } as VerifiedPrincipal;
const bob = { subject: 'bob' } as VerifiedPrincipal;
const handlers = [function list() {}, function create() {}, function remove() {}] as const;

describe('the caller of a carrier', () => {
  it('is kept beside the carrier, which is left untouched', () => {
    const request = { headers: {} };
    attachCaller(request, alice, userInfo);
    expect(callerOf(request)?.principal).toBe(alice);
    expect(callerOf(request)?.userInfo).toBe(userInfo);
    expect(Reflect.ownKeys(request)).toEqual(['headers']);
    expect(callerOf({ headers: {} })).toBeUndefined();
    expect(callerOf(undefined)).toBeUndefined();
  });

  it('is found by a second copy of the library (the other build) through the global registry', () => {
    const request = {};
    attachCaller(request, alice, userInfo);
    const shared = (globalThis as Record<symbol, unknown>)[Symbol.for('nestjs-resource-server.callers')];
    expect(shared).toBeInstanceOf(WeakMap);
    expect((shared as WeakMap<object, { principal: unknown }>).get(request)?.principal).toBe(alice);
  });

  it('remembers every handler checked against the same caller (one GraphQL context, several resolvers)', () => {
    const context = {};
    const [list, create, remove] = handlers;
    attachCaller(context, alice, userInfo, list);
    expect(wasEnforced(context, list)).toBe(true);
    expect(wasEnforced(context, create)).toBe(false);
    attachCaller(context, alice, userInfo, create);
    attachCaller(context, alice, userInfo, create);
    markEnforced(context, remove);
    expect(handlers.map((h) => wasEnforced(context, h))).toEqual([true, true, true]);
    attachCaller(context, alice, userInfo);
    expect(handlers.map((h) => wasEnforced(context, h))).toEqual([true, true, true]);
  });

  it('forgets the checked handlers when another caller takes the carrier (a WebSocket client re-authenticating)', () => {
    const client = {};
    const [list] = handlers;
    attachCaller(client, alice, userInfo, list);
    attachCaller(client, bob, userInfo);
    expect(callerOf(client)?.principal).toBe(bob);
    expect(wasEnforced(client, list)).toBe(false);
  });

  it('marks nothing on a carrier without a caller', () => {
    const request = {};
    markEnforced(request, handlers[0]);
    expect(wasEnforced(request, handlers[0])).toBe(false);
    expect(callerOf(request)).toBeUndefined();
  });
});
