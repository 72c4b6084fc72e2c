/**
 * Two sample API processes (the built app, as deployed) sharing one Redis, in front of the development
 * issuer (oidc-provider) whose demo-client registers instance A's back-channel logout endpoint. The
 * demo user logs in (authorization code + PKCE); logging out at the issuer revokes their tokens on
 * both instances, and so does POST /admin/revocations on A; a Redis outage keeps what was revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair, generateProof, type KeyPair } from 'dpop';
import { request as httpRequest } from 'node:http';
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

/** A DPoP-bound access token for demo-client (client credentials with a proof for the token endpoint). */
async function dpopClientToken(issuer: DevIssuer, pair: KeyPair): Promise<string> {
  const response = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      dpop: await generateProof(pair, issuer.tokenEndpoint, 'POST'),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:messages' }).toString(),
  });
  const body = (await response.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe('DPoP');
  return body.access_token;
}

/**
 * GET /messages on one instance with a DPoP proof, sent with the Host both instances are reached by
 * (as behind a load balancer), so a proof made for that URL is valid on either. `fetch` cannot set Host.
 */
function getWithProof(
  instanceUrl: string,
  host: string,
  token: string,
  proof: string,
): Promise<{ status: number; challenge: string }> {
  const url = new URL('/messages', instanceUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host, authorization: `DPoP ${token}`, dpop: proof } }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, challenge: String(res.headers['www-authenticate'] ?? '') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('two sample API processes, one Redis, the development issuer', () => {
  let redis: RedisServer;
  let issuer: DevIssuer;
  let a: SampleApiProcess;
  let b: SampleApiProcess;
  const jar = new CookieJar();
  const statuses = async (token: string, path = '/messages') => [
    (await a.call(path, token)).status,
    (await b.call(path, token)).status,
  ];
  const status = async (instance: SampleApiProcess, token: string) => (await instance.call('/messages', token)).status;
  const revokeThroughA = async (body: Record<string, string>) =>
    a.call('/admin/revocations', await clientCredentials(issuer, 'admin:messages'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const userToken = async () =>
    (await obtainUserTokenWithPkce(issuer, { scope: 'openid read:messages', jar })).access_token;

  beforeAll(async () => {
    redis = closeLater(await startRedis());
    const [portA, portB] = [await freePort(), await freePort()];
    issuer = closeLater(
      await startDevIssuer({
        port: 0,
        audience: AUDIENCE,
        backchannelLogoutUri: `http://127.0.0.1:${portA}/oidc/backchannel-logout`,
      }),
    );
    const env = {
      OIDC_ISSUER: issuer.issuer,
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_BACKCHANNEL_CLIENT_ID: 'demo-client',
      REDIS_URL: redis.url,
    };
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
    const res = await a.call('/admin/revocations', reader, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sub":"x"}',
    });
    expect(res.status).toBe(403);
  });

  it('logging the demo user out at the issuer makes both instances answer 401 within a second', async () => {
    const token = await userToken();
    expect(await statuses(token)).toEqual([200, 200]);
    await logOutAtIssuer(issuer, jar);
    expect([
      await poll(() => status(a, token), 401, PROPAGATION_MS),
      await poll(() => status(b, token), 401, PROPAGATION_MS),
    ]).toEqual([401, 401]);
    expect(a.output()).toContain('Revoked by back-channel logout: sub');
  });

  it('one DPoP proof replayed against the other instance is refused: the replay store is shared', async () => {
    const pair = await generateKeyPair('ES256');
    const token = await dpopClientToken(issuer, pair);
    const host = new URL(a.url).host; // the one public origin both instances serve
    const proof = await generateProof(pair, `http://${host}/messages`, 'GET', undefined, token);
    const first = await getWithProof(a.url, host, token, proof);
    const replayed = await getWithProof(b.url, host, token, proof);
    expect({ first: first.status, replayed: replayed.status }).toEqual({ first: 200, replayed: 401 });
    expect(replayed.challenge).toMatch(/DPoP [^,]*.*error="invalid_dpop_proof"/);
    // A fresh proof for the same token is fine on B: only the proof was single-use.
    const fresh = await generateProof(pair, `http://${host}/messages`, 'GET', undefined, token);
    expect((await getWithProof(b.url, host, token, fresh)).status).toBe(200);
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
      const outageLines = () =>
        b.output().split('shared revocations, keeping the last known list meanwhile) unavailable').length - 1;
      expect(await poll(outageLines, 1, 5000)).toBe(1);
      expect(await statuses(valid)).toEqual([200, 200]);
      expect(outageLines()).toBe(1);
    });

    it('refuses DPoP proofs with 503 while the shared replay store cannot be asked (fail closed)', async () => {
      const pair = await generateKeyPair('ES256');
      const token = await dpopClientToken(issuer, pair);
      const host = new URL(a.url).host;
      const res = await getWithProof(
        a.url,
        host,
        token,
        await generateProof(pair, `http://${host}/messages`, 'GET', undefined, token),
      );
      expect(res.status).toBe(503);
    });

    it('holds a revocation made on A during the outage, and B refuses it once Redis is back (empty)', async () => {
      const token = await clientCredentials(issuer, 'read:messages');
      expect((await revokeThroughA({ jti: String(decodeJwt(token).payload.jti) })).status).toBe(204);
      expect(await statuses(token)).toEqual([401, 200]);
      await redis.start();
      expect(await poll(() => status(b, token), 401, 10_000)).toBe(401);
      expect(await statuses(revoked)).toEqual([401, 401]);
      expect(
        await poll(
          () => a.output().includes('shared revocations, keeping the last known list meanwhile) available again'),
          true,
          5000,
        ),
      ).toBe(true);
    });
  });
});
