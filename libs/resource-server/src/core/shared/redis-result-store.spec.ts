import { describe, expect, it } from '@jest/globals';
import { FakeRedisServer } from '../../../../../test/helpers/fake-redis.js';
import { testRuntime } from '../../../../../test/helpers/test-runtime.js';
import { MemoryResultStore } from '../cache/result-store.js';
import { RedisResultStore } from './redis-result-store.js';
import { redisReady } from './redis-like.js';

function stores() {
  const runtime = testRuntime();
  const server = new FakeRedisServer(runtime.now);
  const make = () => {
    const client = server.client();
    return {
      client,
      store: new RedisResultStore<{ n: number }>(
        client,
        'p:userinfo:',
        new MemoryResultStore(10, runtime.now),
        runtime,
      ),
    };
  };
  return { runtime, server, a: make(), b: make() };
}

describe('RedisResultStore', () => {
  it('shares results between instances under <prefix><token hash>, with the TTL given', async () => {
    const { server, a, b } = stores();
    await a.store.set('nestjs-resource-server:userinfo:HASH', { n: 1 }, 5000);
    expect(await b.store.get('nestjs-resource-server:userinfo:HASH')).toEqual({ n: 1 });
    expect([...server.strings.keys()]).toEqual(['p:userinfo:HASH']);
    expect(await b.store.get('nestjs-resource-server:userinfo:OTHER')).toBeUndefined();
  });

  it('falls back to the local store while Redis is down, logging the outage once and the recovery once', async () => {
    const { runtime, server, a, b } = stores();
    await a.store.set('k:one', { n: 1 }, 5000);
    server.kill();
    expect(redisReady(a.client)).toBe(false);
    await a.store.set('k:two', { n: 2 }, 5000);
    expect([await a.store.get('k:two'), await b.store.get('k:two')]).toEqual([{ n: 2 }, undefined]);
    server.restart();
    a.client.failCommands = true;
    expect(await a.store.get('k:two')).toEqual({ n: 2 });
    await a.store.set('k:three', { n: 3 }, 5000);
    a.client.failCommands = false;
    expect(await a.store.get('k:two')).toEqual({ n: 2 }); // Redis lost it in the restart: the local copy answers
    expect(runtime.lines.map((l) => l.level)).toEqual(['error', 'log']);
  });
});
