/**
 * Instances that start while Redis is not there yet: they start anyway (never a failed bootstrap),
 * accept valid tokens, say they are out of sync, and share revocations once Redis comes up.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RevocationService } from 'nestjs-resource-server';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { AUDIENCE, minter } from '../e2e/support.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { poll, PROPAGATION_MS } from './support.js';

describe('instances started before Redis', () => {
  const key = generateTestKey('ES256');
  let redis: RedisServer;
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;
  let d: RunningApp;
  let e: RunningApp;
  const inSync = (app: RunningApp) => app.app.get(RevocationService).inSync;

  beforeAll(async () => {
    redis = closeLater(await startRedis({ running: false }));
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    mint = minter(key, issuer.issuer);
    const options = { issuer: issuer.issuer, audience: AUDIENCE, redis: { url: redis.url } };
    [d, e] = [await startApp(options), await startApp(options)];
  });
  afterAll(closeAll);

  it('start, accept valid tokens and report that they are out of sync', async () => {
    expect([(await d.get('/me', mint())).status, (await e.get('/me', mint())).status]).toEqual([200, 200]);
    expect([inSync(d), inSync(e)]).toEqual([false, false]);
  });

  it('share revocations once Redis is up', async () => {
    await redis.start();
    expect([await poll(() => inSync(d), true, 10_000), await poll(() => inSync(e), true, 10_000)]).toEqual([
      true,
      true,
    ]);
    const token = mint({ jti: 'late' });
    expect((await e.get('/me', token)).status).toBe(200);
    await d.app.get(RevocationService).revoke({ jti: 'late' });
    expect(await poll(async () => (await e.get('/me', token)).status, 401, PROPAGATION_MS)).toBe(401);
  });
});
