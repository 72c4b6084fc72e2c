// The one token hash and the one result-store factory shared by introspection and userinfo.
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  CacheManagerResultStore,
  MemoryResultStore,
  createResultStore,
  type CacheManagerLike,
} from './result-store.js';
import { hashToken } from './token-hash.js';

describe('hashToken', () => {
  it('is SHA-256 in base64url (the FIPS 180-2 "abc" vector), never the token itself', () => {
    expect(hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(hashToken('abc')).toBe(createHash('sha256').update('abc').digest('base64url'));
    expect(hashToken('a.b.c')).not.toContain('a.b.c');
  });
});

describe('createResultStore', () => {
  const fakeCache = (): CacheManagerLike & { data: Map<string, [unknown, number | undefined]> } => {
    const data = new Map<string, [unknown, number | undefined]>();
    return {
      data,
      get: async <T>(key: string) => data.get(key)?.[0] as T | undefined,
      set: async (key: string, value: unknown, ttl?: number) => void data.set(key, [value, ttl]),
    };
  };

  it("'memory': a bounded LRU that measures expiry on the injected clock, not Date.now", async () => {
    let now = 1_000; // far in the past for Date.now: an entry would be expired at once on the wall clock
    const store = createResultStore<string>({ store: 'memory', cacheMaxEntries: 2 }, () => now, undefined, 'x.store');
    expect(store).toBeInstanceOf(MemoryResultStore);
    await store.set('k', 'v', 500);
    now = 1_499;
    expect(await store.get('k')).toBe('v');
    now = 1_500;
    expect(await store.get('k')).toBeUndefined();
    await store.set('a', '1', 10_000);
    await store.set('b', '2', 10_000);
    await store.set('c', '3', 10_000);
    expect([await store.get('a'), await store.get('b'), await store.get('c')]).toEqual([undefined, '2', '3']);
  });

  it("'cache-manager': delegates to the application's CACHE_MANAGER with the ttl in ms", async () => {
    const cache = fakeCache();
    const store = createResultStore<string>({ store: 'cache-manager', cacheMaxEntries: 1 }, () => 0, cache, 'x.store');
    expect(store).toBeInstanceOf(CacheManagerResultStore);
    await store.set('k', 'v', 1234);
    expect(cache.data.get('k')).toEqual(['v', 1234]);
    expect(await store.get('k')).toBe('v');
    expect(await store.get('missing')).toBeUndefined();
  });

  it("'cache-manager' without a CACHE_MANAGER: throws naming the option and what to import", () => {
    expect(() =>
      createResultStore({ store: 'cache-manager', cacheMaxEntries: 1 }, () => 0, undefined, 'userInfo.store'),
    ).toThrow(
      "userInfo.store is 'cache-manager' but no CACHE_MANAGER is registered: import CacheModule.register({ isGlobal: true }) from @nestjs/cache-manager",
    );
  });
});
