/**
 * Two sample API processes (the built app, as deployed) sharing one Redis, in front of the development
 * issuer (oidc-provider) whose demo-client registers instance A's back-channel logout endpoint. The
 * demo user logs in (authorization code + PKCE); logging out at the issuer revokes their tokens on
 * both instances, and so does POST /admin/revocations on A; a Redis outage keeps what was revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startDevIssuer, type DevIssuer } from '../../apps/sample-api/src/dev-issuer/dev-issuer.js';
import { CookieJar, logOutAtIssuer, obtainUserTokenWithPkce } from '../helpers/pkce-flow.js';
import { closeAll, closeLater } from '../helpers/start-app.js';
import { decodeJwt } from '../helpers/tokens.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { freePort, startSampleApi, type SampleApiProcess } from './sample-api-process.js';
import { poll, PROPAGATION_MS } from './support.js';

const AUDIENCE = 'http://localhost:3000';

async function clientCredentials(issuer: DevIssuer, scope: string): Promise<string> {
  const response = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('two sample API processes, one Redis, the development issuer', () => {
  let redis: RedisServer;
  let issuer: DevIssuer;
  let a: SampleApiProcess;
  let b: SampleApiProcess;
  const jar = new CookieJar();
  const statuses = async (token: string, path = '/messages') => [(await a.call(path, token)).status, (await b.call(path, token)).status];
  const status = async (instance: SampleApiProcess, token: string) => (await instance.call('/messages', token)).status;
  const revokeThroughA = async (body: Record<string, string>) =>
    a.call('/admin/revocations', await clientCredentials(issuer, 'admin:messages'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const userToken = async () => (await obtainUserTokenWithPkce(issuer, { scope: 'openid read:messages', jar })).access_token;

  beforeAll(async () => {
    redis = closeLater(await startRedis());
    const [portA, portB] = [await freePort(), await freePort()];
    issuer = closeLater(await startDevIssuer({ port: 0, audience: AUDIENCE, backchannelLogoutUri: `http://127.0.0.1:${portA}/oidc/backchannel-logout` }));
    const env = { OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: AUDIENCE, OIDC_BACKCHANNEL_CLIENT_ID: 'demo-client', REDIS_URL: redis.url };
    [a, b] = await Promise.all([startSampleApi(portA, env), startSampleApi(portB, env)]);
    closeLater(a);
    closeLater(b);
  }, 120_000);

  afterAll(closeAll);

  it('a token revoked by jti through POST /admin/revocations on A is refused by B', async () => {
    const token = await userToken();
    const other = await userToken();
    expect(await statuses(token)).toEqual([200, 200]);
    expect((await revokeThroughA({ jti: String(decodeJwt(token).payload.jti) })).status).toBe(204);
    expect(await poll(() => status(b, token), 401, PROPAGATION_MS)).toBe(401);
    expect(await status(a, token)).toBe(401);
    expect(await statuses(other)).toEqual([200, 200]);
  });

  it('POST /admin/revocations needs admin:messages', async () => {
    const reader = await clientCredentials(issuer, 'read:messages');
    const res = await a.call('/admin/revocations', reader, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"x"}' });
    expect(res.status).toBe(403);
  });

  it('logging the demo user out at the issuer makes both instances answer 401 within a second', async () => {
    const token = await userToken();
    expect(await statuses(token)).toEqual([200, 200]);
    await logOutAtIssuer(issuer, jar);
    expect([await poll(() => status(a, token), 401, PROPAGATION_MS), await poll(() => status(b, token), 401, PROPAGATION_MS)]).toEqual([401, 401]);
    expect(a.output()).toContain('Revoked by back-channel logout: sub');
  });

  describe('Redis killed mid-test', () => {
    let revoked: string;

    beforeAll(async () => {
      revoked = await clientCredentials(issuer, 'read:messages');
      expect((await revokeThroughA({ jti: String(decodeJwt(revoked).payload.jti) })).status).toBe(204);
      expect(await poll(() => status(b, revoked), 401, PROPAGATION_MS)).toBe(401);
      await redis.kill();
    });

    it('keeps accepting valid tokens and refusing revoked ones, and logs the outage once', async () => {
      const valid = await clientCredentials(issuer, 'read:messages');
      expect(await statuses(valid)).toEqual([200, 200]);
      expect(await statuses(revoked)).toEqual([401, 401]);
      expect(await statuses(valid)).toEqual([200, 200]);
      const outageLines = () => b.output().split('shared revocations, keeping the last known list meanwhile) unavailable').length - 1;
      expect(await poll(outageLines, 1, 5000)).toBe(1);
      expect(await statuses(valid)).toEqual([200, 200]);
      expect(outageLines()).toBe(1);
    });

    it('holds a revocation made on A during the outage, and B refuses it once Redis is back (empty)', async () => {
      const token = await clientCredentials(issuer, 'read:messages');
      expect((await revokeThroughA({ jti: String(decodeJwt(token).payload.jti) })).status).toBe(204);
      expect(await statuses(token)).toEqual([401, 200]);
      await redis.start();
      expect(await poll(() => status(b, token), 401, 10_000)).toBe(401);
      expect(await statuses(revoked)).toEqual([401, 401]);
      expect(await poll(() => a.output().includes('shared revocations, keeping the last known list meanwhile) available again'), true, 5000)).toBe(true);
    });
  });
});
