// The sample API's Passport routes (contract): GET /passport/me and GET /passport/messages behind
// AuthGuard('jwt') with the library's strategy answer exactly like the native guard's /me and
// /messages: same status, same WWW-Authenticate challenge, same body. Real HTTP, real keys.
import { createPlatformApp, initForRequests } from './helpers/start-app.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../apps/sample-api/src/app.module.js';
import { expectChallenge, type ExpectedChallenge } from './helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from './helpers/issuer-server.js';
import { generateTestKey } from './helpers/keys.js';
import { mintAccessToken, nowSeconds } from './helpers/tokens.js';

const AUDIENCE = 'http://localhost:3000';

describe('sample API: the Passport routes answer like the native guard', () => {
  const key = generateTestKey('RS256');
  const stranger = generateTestKey('RS256');
  let issuer: LocalIssuer;
  let app: INestApplication;
  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    process.env.OIDC_ISSUER = issuer.issuer;
    process.env.OIDC_AUDIENCE = AUDIENCE;
    for (const name of ['OIDC_TOKEN_TYPE', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_PROVIDER'])
      delete process.env[name];
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = await createPlatformApp(moduleRef, { logger: false });
    await initForRequests(app);
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  const token = (claims: Record<string, unknown> = {}) =>
    mintAccessToken(key, { iss: issuer.issuer, aud: AUDIENCE, sub: 'alice', scope: 'read:messages', ...claims });

  /** Asks the native route and its Passport twin the same thing; both must answer the same. */
  async function both(native: string, viaPassport: string, authorization: string | undefined) {
    const ask = (path: string) => {
      const req = api().get(path);
      return authorization === undefined ? req : req.set('Authorization', authorization);
    };
    const [a, b] = [await ask(native), await ask(viaPassport)];
    expect({ status: b.status, challenge: b.headers['www-authenticate'], body: b.body }).toEqual({
      status: a.status,
      challenge: a.headers['www-authenticate'],
      body: a.body,
    });
    return b;
  }

  it('GET /passport/me returns sub and scopes of the verified principal (req.user)', async () => {
    const res = await api()
      .get('/passport/me')
      .set('Authorization', `Bearer ${token({ scope: 'read:messages write:messages' })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'alice', scopes: ['read:messages', 'write:messages'] });
  });

  it('GET /passport/messages with read:messages returns what GET /messages returns', async () => {
    const res = await both('/messages', '/passport/messages', `Bearer ${token()}`);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
  });

  const failures: [string, () => string | undefined, ExpectedChallenge][] = [
    ['no token: 401 with a bare challenge', () => undefined, { status: 401 }],
    ['a token that is not a JWT', () => 'Bearer not-a-jwt', { status: 401, error: 'invalid_token' }],
    [
      'an expired token',
      () => `Bearer ${token({ exp: nowSeconds() - 600, iat: nowSeconds() - 900 })}`,
      { status: 401, error: 'invalid_token' },
    ],
    [
      'a token for another audience',
      () => `Bearer ${token({ aud: 'https://other.example' })}`,
      { status: 401, error: 'invalid_token' },
    ],
    [
      'a token signed by an unknown key',
      () => `Bearer ${mintAccessToken(stranger, { iss: issuer.issuer, aud: AUDIENCE })}`,
      { status: 401, error: 'invalid_token' },
    ],
    ['a token without exp', () => `Bearer ${token({ exp: undefined })}`, { status: 401, error: 'invalid_token' }],
    ['a malformed Authorization header: 400', () => 'Bearer two tokens', { status: 400, error: 'invalid_request' }],
  ];

  it.each(failures)('GET /passport/me, %s, like GET /me', async (_name, authorization, expected) => {
    expectChallenge(await both('/me', '/passport/me', authorization()), expected);
  });

  it.each(failures)('GET /passport/messages, %s, like GET /messages', async (_name, authorization, expected) => {
    expectChallenge(await both('/messages', '/passport/messages', authorization()), expected);
  });

  it('GET /passport/messages without read:messages: 403 insufficient_scope, like GET /messages', async () => {
    const res = await both('/messages', '/passport/messages', `Bearer ${token({ scope: 'write:messages' })}`);
    expectChallenge(res, { status: 403, error: 'insufficient_scope', scope: 'read:messages' });
  });

  it('a token of a new key while the JWKS endpoint fails: the same answer on both (401 within the refetch cooldown, else 503)', async () => {
    const rotated = generateTestKey('RS256');
    issuer.setFault('jwks', 'status500');
    try {
      const fresh = mintAccessToken(rotated, { iss: issuer.issuer, aud: AUDIENCE, scope: 'read:messages' });
      const res = await both('/messages', '/passport/messages', `Bearer ${fresh}`);
      expect([401, 503]).toContain(res.status);
      expect(res.headers['retry-after'] !== undefined).toBe(res.status === 503);
    } finally {
      issuer.setFault('jwks', 'ok');
    }
  });
});
