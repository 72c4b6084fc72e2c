import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeRedisServer, type FakeRedis } from '../../../../../test/helpers/fake-redis.js';
import { testRuntime } from '../../../../../test/helpers/test-runtime.js';
import { RedisRevocationBackend } from './redis-revocation-backend.js';
import { Revocations } from './revocations.js';

const KEY = 'p:revocations';
const SETTINGS = { maxTokenLifetime: 3600, maxEntries: 100, pruneIntervalMs: 60_000, retryIntervalMs: 10 };
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
const started: Revocations[] = [];

function setup() {
  const runtime = testRuntime();
  runtime.clock = 1_000_000_000;
  const server = new FakeRedisServer(runtime.now);
  const view = async (client: FakeRedis = server.client()) => {
    const revocations = new Revocations(SETTINGS, runtime, new RedisRevocationBackend(client, KEY, 3_660_000));
    started.push(revocations);
    await revocations.start();
    return revocations;
  };
  return { runtime, server, view };
}

afterEach(async () => {
  for (const r of started.splice(0)) await r.stop();
});

describe('Revocations shared through RedisRevocationBackend', () => {
  it('stores each revocation in one hash field, expires the hash, and tells the other instances', async () => {
    const { server, view } = setup();
    const [a, b] = [await view(), await view()];
    await a.revoke({ jti: 'tok' });
    await settle();
    expect(b.revokedBy({ jti: 'tok' })).toBe('jti');
    expect(Object.fromEntries(server.hashes.get(KEY)!)).toEqual({
      'jti:tok': JSON.stringify({ kind: 'jti', value: 'tok', until: 1_003_601 }),
    });
    expect(server.ttls.get(KEY)).toBe(3_660_000);
    expect([a.inSync, b.inSync]).toEqual([true, true]);
  });

  it('loads the shared list on start and ignores malformed entries and messages', async () => {
    const { server, view } = setup();
    server.hashes.set(
      KEY,
      new Map([
        ['sub:x', JSON.stringify({ kind: 'sub', value: 'x', before: 5, until: 2_000_000 })],
        ['bad', '{nope'],
        ['odd', '{"kind":"all"}'],
      ]),
    );
    const a = await view();
    expect([a.size, a.revokedBy({ sub: 'x', iat: 4 })]).toEqual([1, 'sub']);
    await server.client().publish(KEY, 'not json');
    await server.client().publish('other-channel', JSON.stringify({ kind: 'jti', value: 'y', until: 2_000_000 }));
    await settle();
    expect(a.size).toBe(1);
  });

  it('goes out of sync when the subscription drops, and re-seeds a Redis restarted empty', async () => {
    const { runtime, server, view } = setup();
    const [a, b] = [await view(), await view()];
    await a.revoke({ sub: 'alice' });
    server.kill();
    expect([a.inSync, b.inSync]).toEqual([false, false]);
    await b.revoke({ jti: 'during' }); // held locally, shared later
    expect([a.revokedBy({ jti: 'during' }), b.revokedBy({ jti: 'during' })]).toEqual([undefined, 'jti']);
    server.restart();
    await settle();
    expect([a.inSync, b.inSync]).toEqual([true, true]);
    expect(a.revokedBy({ jti: 'during' })).toBe('jti');
    expect([...server.hashes.get(KEY)!.keys()].sort()).toEqual(['jti:during', 'sub:alice']);
    expect(runtime.lines.filter((l) => l.level === 'error')).toHaveLength(2); // one per instance and episode
    const c = await view();
    expect(c.revokedBy({ sub: 'alice', iat: 1 })).toBe('sub');
  });

  it('publishes a long list (a re-seed) in chunks of 1000 entries', async () => {
    const { server } = setup();
    const entries = Array.from({ length: 2500 }, (_, i) => ({
      kind: 'jti' as const,
      value: `t${i}`,
      until: 2_000_000,
    }));
    const listener = server.client();
    await listener.subscribe(KEY);
    const messages: number[] = [];
    listener.on('message', (_channel: string, message: string) =>
      messages.push((JSON.parse(message) as unknown[]).length),
    );
    await new RedisRevocationBackend(server.client(), KEY, 1000).publish(entries);
    await settle();
    expect([messages, server.hashes.get(KEY)!.size]).toEqual([[1000, 1000, 500], 2500]);
  });

  it('retries a failed sync until the store answers', async () => {
    const { server, view } = setup();
    const client = server.client();
    client.failCommands = true;
    const a = await view(client);
    expect(a.inSync).toBe(false);
    client.failCommands = false;
    await settle();
    expect(a.inSync).toBe(true);
  });

  it('removes pruned entries from Redis and does not report its own shutdown as an outage', async () => {
    const { runtime, server } = setup();
    const revocations = new Revocations(
      { ...SETTINGS, pruneIntervalMs: 10 },
      runtime,
      new RedisRevocationBackend(server.client(), KEY, 1000),
    );
    await revocations.start();
    await revocations.revoke({ jti: 'short', expiresAt: 1_000_010 });
    runtime.clock += 20_000;
    await settle();
    expect([revocations.size, server.hashes.get(KEY)!.size]).toEqual([0, 0]);
    await revocations.stop();
    expect(runtime.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
