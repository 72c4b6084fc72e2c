/**
 * Shared state between instances of one API through a real Redis (Debian's redis-server): apps A and
 * B (and later C) are in-process Nest apps with `redis: { url }`, trusting one local issuer that also
 * serves userinfo and introspection. Revocations reach every instance within a second, cached tokens
 * included; introspection and userinfo answers are fetched once for all; a Redis outage and a Redis
 * restarted empty behave as docs/shared-state.md says.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { RevocationService, type ResourceServerModuleOptions } from 'nestjs-resource-server';
import { REPLAY_STORE } from '../../libs/resource-server/src/resource-server.tokens.js';
import type { ReplayStore } from '../../libs/resource-server/src/core/shared/replay-store.js';
import { fakeIntrospection, type FakeIntrospection } from '../helpers/introspection-app.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { ProbeController } from '../helpers/probe.controller.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { nowSeconds } from '../helpers/tokens.js';
import { json, serveUserInfo, UserInfoProbeController, type FakeUserInfo } from '../helpers/userinfo-app.js';
import { AUDIENCE, minter } from '../e2e/support.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { inspector, poll, PROPAGATION_MS } from './support.js';

const KEY_PREFIX = 'shared-state-test';
const opaqueToken = (): string => randomBytes(24).toString('base64url');

describe('instances sharing one Redis', () => {
  const key = generateTestKey('ES256');
  let redis: RedisServer;
  let issuer: LocalIssuer;
  let introspection: FakeIntrospection;
  let userinfo: FakeUserInfo;
  let mint: ReturnType<typeof minter>;
  let a: RunningApp;
  let b: RunningApp;

  const options = (): ResourceServerModuleOptions => ({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    tokenType: 'auto',
    introspection: { clientId: 'api-client', clientSecret: 'api-secret' },
    redis: { url: redis.url, keyPrefix: KEY_PREFIX },
    revocation: { maxTokenLifetimeSeconds: 3600 },
  });
  const start = () => startApp(options(), { controllers: [ProbeController, UserInfoProbeController] });
  const revoke = (app: RunningApp, request: Parameters<RevocationService['revoke']>[0]) =>
    app.app.get(RevocationService).revoke(request);
  const inSync = (app: RunningApp) => app.app.get(RevocationService).inSync;
  const status = async (app: RunningApp, token: string, path = '/me') => (await app.get(path, token)).status;

  beforeAll(async () => {
    redis = closeLater(await startRedis());
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    introspection = fakeIntrospection(issuer, AUDIENCE);
    userinfo = serveUserInfo(issuer);
    userinfo.answer(json({ sub: 'user-1', name: 'User One' }));
    closeLater({ close: () => userinfo.cancelPending() });
    mint = minter(key, issuer.issuer);
    a = await start();
    b = await start();
  });

  afterAll(closeAll);

  describe('while Redis is up', () => {
    it("a token revoked by jti through A is refused by B within a second, though it sits in B's verified-token cache", async () => {
      const jti = randomUUID();
      const token = mint({ jti });
      expect([await status(a, token), await status(b, token)]).toEqual([200, 200]); // B caches it
      await revoke(a, { jti });
      expect(await status(a, token)).toBe(401);
      expect(await poll(() => status(b, token), 401, PROPAGATION_MS)).toBe(401);
      expect((await b.get('/me', token)).headers['www-authenticate']).toContain('revoked');
    });

    it('a subject revoked through B is refused by A, and its tokens issued later are not', async () => {
      const sub = `user-${randomUUID()}`;
      const before = mint({ sub, iat: nowSeconds() - 10 });
      expect(await status(a, before)).toBe(200);
      await revoke(b, { sub });
      expect(await poll(() => status(a, before), 401, PROPAGATION_MS)).toBe(401);
      expect(await status(a, mint({ sub, iat: nowSeconds() + 2 }))).toBe(200);
    });

    it('introspects an opaque token once for both instances', async () => {
      const token = opaqueToken();
      expect([await status(a, token), await status(b, token), await status(a, token)]).toEqual([200, 200, 200]);
      expect(introspection.callsFor(token)).toBe(1);
    });

    it('fetches userinfo once for both instances', async () => {
      const token = mint({ sub: 'user-1' });
      const calls = () => userinfo.calls.filter((c) => c.authorization === `Bearer ${token}`).length;
      expect([await status(a, token, '/profile'), await status(b, token, '/profile')]).toEqual([200, 200]);
      expect((await b.get('/profile', token)).body).toEqual({ info: { sub: 'user-1', name: 'User One' } });
      expect(calls()).toBe(1);
    });

    it('shares the replay store: an id claimed through A is a replay through B', async () => {
      const id = randomUUID();
      const expiresAt = Date.now() + 60_000;
      expect(await a.app.get<symbol, ReplayStore>(REPLAY_STORE).setIfAbsent(id, expiresAt)).toBe(true);
      expect(await b.app.get<symbol, ReplayStore>(REPLAY_STORE).setIfAbsent(id, expiresAt)).toBe(false);
    });

    it('keeps revocations in one hash that expires after the longest token lifetime', async () => {
      const client = inspector(redis.url);
      expect(await client.hlen(`${KEY_PREFIX}:revocations`)).toBeGreaterThanOrEqual(2);
      const ttl = await client.pttl(`${KEY_PREFIX}:revocations`);
      expect(ttl).toBeGreaterThan(3_600_000);
      expect(ttl).toBeLessThanOrEqual(3_660_000);
    });
  });

  describe('Redis killed, then restarted empty', () => {
    const revokedBefore = randomUUID();
    const revokedDuring = `user-${randomUUID()}`;
    let duringToken: string;

    beforeAll(async () => {
      await revoke(a, { jti: revokedBefore });
      expect(await poll(() => status(b, mint({ jti: revokedBefore })), 401, PROPAGATION_MS)).toBe(401);
      await redis.kill();
    });

    it('tells it is out of sync', async () => {
      expect([await poll(() => inSync(a), false, 5000), await poll(() => inSync(b), false, 5000)]).toEqual([
        false,
        false,
      ]);
    });

    it('keeps accepting valid tokens and refusing the ones revoked before', async () => {
      expect([await status(a, mint()), await status(b, mint())]).toEqual([200, 200]);
      expect([await status(a, mint({ jti: revokedBefore })), await status(b, mint({ jti: revokedBefore }))]).toEqual([
        401, 401,
      ]);
    });

    it("falls back to each instance's local caches", async () => {
      const token = opaqueToken();
      expect([await status(a, token), await status(a, token), await status(b, token)]).toEqual([200, 200, 200]);
      expect(introspection.callsFor(token)).toBe(2);
      const user = mint({ sub: 'user-1' });
      expect([
        await status(a, user, '/profile'),
        await status(a, user, '/profile'),
        await status(b, user, '/profile'),
      ]).toEqual([200, 200, 200]);
      expect(userinfo.calls.filter((c) => c.authorization === `Bearer ${user}`).length).toBe(2);
    });

    it('fails the replay store closed with a 503', async () => {
      await expect(
        a.app.get<symbol, ReplayStore>(REPLAY_STORE).setIfAbsent(randomUUID(), Date.now() + 60_000),
      ).rejects.toMatchObject({
        status: 503,
        code: 'replay_store_unavailable',
      });
    });

    it('holds a revocation made during the outage on its instance only', async () => {
      duringToken = mint({ sub: revokedDuring, iat: nowSeconds() - 5 });
      await revoke(a, { sub: revokedDuring });
      expect([await status(a, duringToken), await status(b, duringToken)]).toEqual([401, 200]);
    });

    it('after the restart, re-seeds Redis and the revocation made during the outage reaches B', async () => {
      await redis.start();
      expect(await poll(() => status(b, duringToken), 401, 10_000)).toBe(401);
      expect([await poll(() => inSync(a), true, 5000), await poll(() => inSync(b), true, 5000)]).toEqual([true, true]);
    });

    it('un-revokes nothing: a fresh instance C refuses what was revoked before and during the outage', async () => {
      const c = await start();
      expect(await status(c, mint({ jti: revokedBefore }))).toBe(401);
      expect(await status(c, duringToken)).toBe(401);
      expect(await status(c, mint())).toBe(200);
    });

    it('shares the replay store again', async () => {
      const id = randomUUID();
      expect(await a.app.get<symbol, ReplayStore>(REPLAY_STORE).setIfAbsent(id, Date.now() + 60_000)).toBe(true);
      expect(await b.app.get<symbol, ReplayStore>(REPLAY_STORE).setIfAbsent(id, Date.now() + 60_000)).toBe(false);
    });
  });
});
