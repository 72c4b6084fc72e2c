/**
 * The `redis` option wired through the module, without a Redis (npm test needs nothing but Node):
 * an application's own client (`redis: { client }`, here an in-memory stand-in) carries revocations
 * between two apps; options that cannot work are refused at bootstrap; an unreachable `redis.url`
 * never fails startup. Against a real Redis: test/redis (npm run test:redis).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { RevocationService } from 'nestjs-resource-server';
import { FakeRedisServer } from '../helpers/fake-redis.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp } from '../helpers/start-app.js';
import { AUDIENCE, minter, sleep } from './support.js';

describe('redis option', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    mint = minter(key, issuer.issuer);
  });
  afterAll(closeAll);

  it("shares revocations through the application's own client, which it never closes", async () => {
    const server = new FakeRedisServer();
    const client = server.client();
    const options = { issuer: issuer.issuer, audience: AUDIENCE, redis: { client, keyPrefix: '{shop}' } };
    const [a, b] = [await startApp(options), await startApp(options)];
    const token = mint({ sub: 'zoe', iat: Math.floor(Date.now() / 1000) - 5 });
    expect((await b.get('/me', token)).status).toBe(200);
    await a.app.get(RevocationService).revoke({ sub: 'zoe' });
    await sleep(20);
    expect((await b.get('/me', token)).status).toBe(401);
    expect([...server.hashes.keys()]).toEqual(['{shop}:revocations']);
    expect(b.app.get(RevocationService)).toMatchObject({ inSync: true, size: 1 });
    await a.close();
    expect(client.status).toBe('ready');
  });

  it.each([
    [{ url: 'redis://127.0.0.1:1', client: {} }, /exactly one of `url`/],
    [{}, /exactly one of `url`/],
    [{ url: 'http://127.0.0.1:6379' }, /redis:\/\/ or rediss:\/\//],
    [{ url: 'redis://127.0.0.1:6379', keyPrefix: 'with space' }, /keyPrefix/],
  ])('refuses redis options that cannot work: %j', async (redis, message) => {
    await expect(startApp({ issuer: issuer.issuer, audience: AUDIENCE, redis }, { listen: false })).rejects.toThrow(
      message,
    );
  });

  it.each([
    [{ backChannelLogout: { clientId: '' } }, /backChannelLogout.clientId/],
    [{ securityEvents: { audience: '', transmitters: [] } }, /securityEvents.audience[\s\S]*transmitters` must list/],
    [
      { securityEvents: { audience: 'api', transmitters: [{ issuer: '', jwksUri: 'ftp://x' }] } },
      /transmitters\[0\]\.issuer[\s\S]*transmitters\[0\]\.jwksUri/,
    ],
  ])('refuses revocation options that cannot work: %j', async (revocation, message) => {
    await expect(
      startApp({ issuer: issuer.issuer, audience: AUDIENCE, revocation: revocation as never }, { listen: false }),
    ).rejects.toThrow(message);
  });

  it('starts with an unreachable redis.url, accepts valid tokens and reports being out of sync', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const app = await startApp({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      redis: { url: `redis://127.0.0.1:${port}` },
    });
    expect((await app.get('/me', mint())).status).toBe(200);
    expect(app.app.get(RevocationService).inSync).toBe(false);
  });
});
