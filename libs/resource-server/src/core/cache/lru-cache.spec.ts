import { describe, expect, it } from '@jest/globals';
import { LruCache } from './lru-cache.js';

const NEVER = Number.POSITIVE_INFINITY;

describe('LruCache', () => {
  it('returns what was stored and undefined for unknown keys', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1, NEVER);
    expect(cache.get('a', 0)).toBe(1);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('evicts the least recently inserted entry when full', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1, NEVER);
    cache.set('b', 2, NEVER);
    cache.set('c', 3, NEVER);
    cache.set('d', 4, NEVER);
    expect(cache.size).toBe(3);
    expect(cache.get('a', 0)).toBeUndefined();
    expect([cache.get('b', 0), cache.get('c', 0), cache.get('d', 0)]).toEqual([2, 3, 4]);
  });

  it('a get makes an entry the most recent, so the next eviction spares it', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1, NEVER);
    cache.set('b', 2, NEVER);
    cache.set('c', 3, NEVER);
    expect(cache.get('a', 0)).toBe(1);
    cache.set('d', 4, NEVER); // evicts b, the least recently used now
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe(1);
    cache.set('e', 5, NEVER); // evicts c
    expect(cache.get('c', 0)).toBeUndefined();
    expect([cache.get('a', 0), cache.get('d', 0), cache.get('e', 0)]).toEqual([1, 4, 5]);
  });

  it('re-setting a key replaces it without evicting anything and makes it the most recent', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1, NEVER);
    cache.set('b', 2, NEVER);
    cache.set('a', 10, NEVER);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 0)).toBe(2);
    expect(cache.get('a', 0)).toBe(10);
    cache.set('c', 3, NEVER); // b was read after a's reset, a was read last: b goes
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe(10);
  });

  it('expires an entry at exactly its expiry time and forgets it', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1, 1000);
    expect(cache.get('a', 999)).toBe(1);
    expect(cache.get('a', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
    // Forgotten for good: an earlier clock does not bring it back.
    expect(cache.get('a', 0)).toBeUndefined();
  });

  it('gives every entry its own expiry', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('short', 1, 100);
    cache.set('long', 2, 10_000);
    expect(cache.get('short', 500)).toBeUndefined();
    expect(cache.get('long', 500)).toBe(2);
  });

  it('never holds more than maxEntries, whatever is inserted', () => {
    const cache = new LruCache<number, number>(50);
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, i, NEVER);
      expect(cache.size).toBeLessThanOrEqual(50);
    }
    expect(cache.size).toBe(50);
    expect(cache.get(9_949, 0)).toBeUndefined();
    expect(cache.get(9_950, 0)).toBe(9_950);
    expect(cache.get(9_999, 0)).toBe(9_999);
  });

  it('deletes and clears', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1, NEVER);
    cache.set('b', 2, NEVER);
    cache.delete('a');
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.delete('missing');
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('b', 0)).toBeUndefined();
  });

  it('a cache of one holds only the latest entry', () => {
    const cache = new LruCache<string, number>(1);
    cache.set('a', 1, NEVER);
    cache.set('b', 2, NEVER);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('b', 0)).toBe(2);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses maxEntries %p', (max) => {
    expect(() => new LruCache(max)).toThrow(RangeError);
  });
});
