import { describe, expect, it } from '@jest/globals';
import { FakeRedisServer } from '../../../../../test/helpers/fake-redis.js';
import { UpstreamError } from '../../errors/resource-server.error.js';
import { MemoryReplayStore, RedisReplayStore } from './replay-store.js';

describe('MemoryReplayStore', () => {
  it('accepts an id once until it expires', async () => {
    let now = 1_000;
    const store = new MemoryReplayStore(10, () => now);
    expect([
      await store.setIfAbsent('a', 2_000),
      await store.setIfAbsent('a', 2_000),
      await store.setIfAbsent('b', 2_000),
    ]).toEqual([true, false, true]);
    now = 2_001;
    expect(await store.setIfAbsent('a', 3_000)).toBe(true);
  });
});

describe('RedisReplayStore', () => {
  it('catches a replay through another instance, and keeps the id only until it expires', async () => {
    let now = 1_000;
    const server = new FakeRedisServer(() => now);
    const [a, b] = [
      new RedisReplayStore(server.client(), 'p:replay:', () => now),
      new RedisReplayStore(server.client(), 'p:replay:', () => now),
    ];
    expect([await a.setIfAbsent('jti-1', 61_000), await b.setIfAbsent('jti-1', 61_000)]).toEqual([true, false]);
    expect(server.strings.get('p:replay:jti-1')).toEqual({ value: '1', expiresAt: 61_000 });
    now = 61_000;
    expect(await b.setIfAbsent('jti-1', 121_000)).toBe(true);
  });

  it('fails closed with a 503 while Redis is unreachable or a command fails', async () => {
    const server = new FakeRedisServer();
    const client = server.client();
    const store = new RedisReplayStore(client, 'p:', Date.now);
    server.kill();
    await expect(store.setIfAbsent('x', Date.now() + 1000)).rejects.toMatchObject({
      status: 503,
      code: 'replay_store_unavailable',
      retryAfterSeconds: 5,
    });
    server.restart();
    client.failCommands = true;
    await expect(store.setIfAbsent('x', Date.now() + 1000)).rejects.toBeInstanceOf(UpstreamError);
  });
});
