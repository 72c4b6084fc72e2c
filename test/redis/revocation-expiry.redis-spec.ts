/**
 * Memory stays bounded: two local views sharing a real Redis forget an entry, locally and in Redis,
 * once every token it covers has expired. Core level, with a hand-moved clock.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisRevocationBackend } from '../../libs/resource-server/src/core/revocation/redis-revocation-backend.js';
import { Revocations } from '../../libs/resource-server/src/core/revocation/revocations.js';
import { closeAll, closeLater } from '../helpers/start-app.js';
import { testRuntime } from '../helpers/test-runtime.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { inspector, poll, PROPAGATION_MS } from './support.js';

const KEY = 'expiry-test:revocations';
const SETTINGS = { maxTokenLifetime: 3600, maxEntries: 1000, pruneIntervalMs: 20, retryIntervalMs: 50 };

describe('revocation entries expire', () => {
  let redis: RedisServer;
  const runtime = testRuntime();
  runtime.clock = Date.now();

  const view = (): Revocations => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    const revocations = new Revocations(
      SETTINGS,
      runtime,
      new RedisRevocationBackend(client, KEY, (SETTINGS.maxTokenLifetime + 60) * 1000),
    );
    closeLater({ close: async () => (await revocations.stop(), await client.quit()) });
    return revocations;
  };

  beforeAll(async () => {
    redis = closeLater(await startRedis());
  });
  afterAll(closeAll);

  it('drops an entry everywhere once the token it names has expired', async () => {
    const [x, y] = [view(), view()];
    await Promise.all([x.start(), y.start()]);
    const now = Math.floor(runtime.clock / 1000);
    await x.revoke({ jti: 'short-lived', expiresAt: now + 30 });
    await x.revoke({ sub: 'someone' });
    expect(await poll(() => y.size, 2, PROPAGATION_MS)).toBe(2);
    const client = inspector(redis.url);
    expect(await client.hlen(KEY)).toBe(2);

    runtime.clock += 31_000; // the jti entry's token has expired; the subject's tokens may not have
    expect([await poll(() => x.size, 1, 2000), await poll(() => y.size, 1, 2000)]).toEqual([1, 1]);
    expect(await poll(() => client.hlen(KEY), 1, 2000)).toBe(1);
    expect(y.revokedBy({ jti: 'short-lived' })).toBeUndefined();
    expect(y.revokedBy({ sub: 'someone', iat: now - 1 })).toBe('sub');

    runtime.clock += 3_600_000;
    expect([await poll(() => x.size, 0, 2000), await poll(() => y.size, 0, 2000)]).toEqual([0, 0]);
    expect(await poll(() => client.hlen(KEY), 0, 2000)).toBe(0);
  });
});
