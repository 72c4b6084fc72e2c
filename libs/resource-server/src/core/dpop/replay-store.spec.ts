// RFC 9449 §11.1: the default replay store is bounded and never lets a forgotten jti through.
import { describe, expect, it } from '@jest/globals';
import { MemoryReplayStore } from './replay-store.js';

describe('MemoryReplayStore', () => {
  it('records a key once until it expires', async () => {
    let now = 1000;
    const store = new MemoryReplayStore(10, () => now);
    await expect(store.setIfAbsent('a', 2000)).resolves.toBe(true);
    await expect(store.setIfAbsent('a', 2000)).resolves.toBe(false);
    now = 2000;
    await expect(store.setIfAbsent('a', 3000)).resolves.toBe(true);
  });

  it('when full of live keys, drops the oldest and refuses every key expiring no later than it', () => {
    const now = 0;
    const store = new MemoryReplayStore(3, () => now);
    expect(store.record('a', 100)).toBe(true);
    expect(store.record('b', 200)).toBe(true);
    expect(store.record('c', 300)).toBe(true);
    expect(store.record('d', 400)).toBe(true); // 'a' is dropped: its expiry becomes the floor
    expect(store.size).toBeLessThanOrEqual(3);
    expect(store.record('a', 100)).toBe(false); // a replay of the forgotten key is still refused
    expect(store.record('e', 50)).toBe(false);
    expect(store.record('f', 500)).toBe(true);
  });

  it('sweeps expired keys before dropping live ones', () => {
    let now = 0;
    const store = new MemoryReplayStore(2, () => now);
    store.record('a', 10);
    store.record('b', 1000);
    now = 20;
    expect(store.record('c', 1000)).toBe(true);
    expect(store.record('b', 1000)).toBe(false);
    expect(store.record('x', 11)).toBe(true); // no live key was dropped, so no floor was set
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new MemoryReplayStore(0)).toThrow(RangeError);
    expect(() => new MemoryReplayStore(1.5)).toThrow(RangeError);
  });
});
