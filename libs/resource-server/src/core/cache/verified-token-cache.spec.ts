import { describe, expect, it } from '@jest/globals';
import type { VerifiedPrincipal } from '../claims/principal.js';
import type { VerificationKey } from '../jose/jwk.js';
import { VerifiedTokenCache, type VerifiedEntry } from './verified-token-cache.js';

const SIGNATURE = 'Q'.repeat(300) + 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const token = (payload: string, signature = SIGNATURE) => `eyJhbGciOiJSUzI1NiJ9.${payload}.${signature}`;
const entry = (t: string): VerifiedEntry => ({
  principal: { token: t } as VerifiedPrincipal,
  key: { kid: 'k' } as VerificationKey,
});

describe('VerifiedTokenCache', () => {
  it('answers only the identical token string, also for one sharing its signature tail', () => {
    const cache = new VerifiedTokenCache(10);
    const real = token('eyJzdWIiOiJhbGljZSJ9');
    cache.set(real, entry(real), 2_000);
    expect(cache.get(real, 1_000)?.principal.token).toBe(real);
    // The same signature tail (hence the same key), another payload: a miss, and the real entry stays.
    const forged = token('eyJzdWIiOiJtYWxsb3J5In0');
    expect(cache.get(forged, 1_000)).toBeUndefined();
    expect(cache.get(`x${real.slice(1)}`, 1_000)).toBeUndefined();
    expect(cache.get(real.slice(0, -1), 1_000)).toBeUndefined();
    expect(cache.get(real, 1_000)?.principal.token).toBe(real);
  });

  it('keeps one of two verified tokens that share a key: the one stored last', () => {
    const cache = new VerifiedTokenCache(10);
    const [first, second] = [token('eyJzdWIiOiJhbGljZSJ9'), token('eyJzdWIiOiJib2IifQ')];
    cache.set(first, entry(first), 2_000);
    cache.set(second, entry(second), 2_000);
    expect([cache.get(first, 1_000), cache.get(second, 1_000)?.principal.token]).toEqual([undefined, second]);
    cache.set(first, entry(first), 2_000);
    expect([cache.has(first), cache.has(second)]).toEqual([true, false]);
  });

  it('tells whether an identical token is cached, expired or not, without counting it as a use', () => {
    const cache = new VerifiedTokenCache(2);
    const [a, b, c] = ['A', 'B', 'C'].map((s) => token('e30', s.repeat(43)));
    cache.set(a, entry(a), 1_000);
    cache.set(b, entry(b), 1_000);
    expect([cache.has(a), cache.has(token('eyJ4IjoxfQ', 'A'.repeat(43))), cache.has(c)]).toEqual([true, false, false]);
    // has() did not make `a` the most recently used: adding `c` evicts it.
    cache.set(c, entry(c), 1_000);
    expect([cache.has(a), cache.has(b), cache.has(c)]).toEqual([false, true, true]);
  });

  it('forgets an entry at its expiry time and on delete, but not on the delete of a look-alike', () => {
    const cache = new VerifiedTokenCache(10);
    const real = token('eyJzdWIiOiJhbGljZSJ9');
    cache.set(real, entry(real), 2_000);
    cache.delete(token('eyJzdWIiOiJtYWxsb3J5In0'));
    expect(cache.get(real, 1_999)).toBeDefined();
    expect(cache.get(real, 2_000)).toBeUndefined();
    cache.set(real, entry(real), 5_000);
    cache.delete(real);
    expect(cache.get(real, 1_000)).toBeUndefined();
  });

  it('holds at most maxEntries tokens, forgetting the least recently used', () => {
    const cache = new VerifiedTokenCache(2);
    const [a, b, c] = ['A', 'B', 'C'].map((s) => token('e30', s.repeat(43)));
    for (const t of [a, b]) cache.set(t, entry(t), 9_000);
    cache.get(a, 1);
    cache.set(c, entry(c), 9_000);
    expect([a, b, c].map((t) => cache.get(t, 1) !== undefined)).toEqual([true, false, true]);
  });
});
