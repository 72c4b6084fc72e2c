import { describe, expect, it } from '@jest/globals';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { inspect } from 'node:util';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { attachCaller, callerOf, markEnforced, wasEnforced } from './caller.js';

const userInfo = { get: async () => ({ sub: 'alice' }) };
const alice = { subject: 'alice' } as VerifiedPrincipal;
const bob = { subject: 'bob' } as VerifiedPrincipal;
const handlers = [function list() {}, function create() {}, function remove() {}] as const;

describe('the caller of a carrier', () => {
  it('is kept under a registered symbol on a carrier, hidden from logs and not carried over by a copy', () => {
    const context = { headers: {} };
    attachCaller(context, alice, userInfo);
    expect(callerOf(context)?.principal).toBe(alice);
    expect(callerOf(context)?.userInfo).toBe(userInfo);
    expect(Object.keys(context)).toEqual(['headers']);
    expect(JSON.stringify(context)).toBe('{"headers":{}}');
    // Node 20 writes the key as [Symbol(...)], Node 24 without the brackets; the claims never show.
    const logged = inspect(context, { breakLength: Infinity, depth: 10 });
    expect(logged).toMatch(/Symbol\(nestjs-resource-server\.caller\)\]?: \[verified caller\] \}$/);
    expect(logged).not.toContain('alice');
    // Another build of the library reads the same property.
    const slot = (context as Record<symbol, { principal?: unknown }>)[Symbol.for('nestjs-resource-server.caller')];
    expect(slot?.principal).toBe(alice);
    // A copy, or an object that inherits from the carrier, has no caller.
    expect(callerOf({ ...context })).toBeUndefined();
    expect(callerOf(Object.create(context) as object)).toBeUndefined();
    expect(callerOf({ headers: {} })).toBeUndefined();
    expect(callerOf(undefined)).toBeUndefined();
  });

  it('is kept beside a Node request (Express) and a frozen carrier, which are left untouched', () => {
    const request = new IncomingMessage(new Socket());
    const frozen = Object.freeze({ metadata: {} });
    const keysBefore = Reflect.ownKeys(request);
    attachCaller(request, alice, userInfo);
    attachCaller(frozen, bob, userInfo, handlers[0]);
    expect([callerOf(request)?.principal, callerOf(frozen)?.principal]).toEqual([alice, bob]);
    expect(wasEnforced(frozen, handlers[0])).toBe(true);
    expect(Reflect.ownKeys(request)).toEqual(keysBefore);
    // In the process-wide map, which another build of the library shares.
    const shared = (globalThis as Record<symbol, unknown>)[Symbol.for('nestjs-resource-server.callers')];
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
