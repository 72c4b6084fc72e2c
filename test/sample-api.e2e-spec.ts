// The sample API as a user runs it: its AppModule configured through the environment, against the
// embedded development issuer (oidc-provider, software we did not write) and against tokens minted
// with our own keys on a local JWKS endpoint.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../apps/sample-api/src/app.module.js';
import { startDevIssuer, type DevIssuer } from '../apps/sample-api/src/dev-issuer/dev-issuer.js';
import { expectChallenge } from './helpers/challenge.js';
import { obtainUserTokenWithPkce } from './helpers/pkce-flow.js';
import { startLocalIssuer, type LocalIssuer } from './helpers/issuer-server.js';
import { createPlatformApp, initForRequests } from './helpers/start-app.js';
import { generateTestKey } from './helpers/keys.js';
import { mintAccessToken, nowSeconds } from './helpers/tokens.js';

const AUDIENCE = 'http://localhost:3000';

async function bootSampleApi(issuer: string, env: Record<string, string> = {}): Promise<INestApplication> {
  process.env.OIDC_ISSUER = issuer;
  process.env.OIDC_AUDIENCE = AUDIENCE;
  for (const name of ['OIDC_TOKEN_TYPE', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']) delete process.env[name];
  Object.assign(process.env, env);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = await createPlatformApp(moduleRef, { logger: false });
  await initForRequests(app);
  return app;
}

async function clientCredentialsToken(issuer: DevIssuer, scope: string): Promise<string> {
  const response = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

describe('sample API with the embedded development issuer (oidc-provider)', () => {
  let issuer: DevIssuer;
  let app: INestApplication;
  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    issuer = await startDevIssuer({ port: 0, audience: AUDIENCE });
    // As npm start configures it: JWTs verified locally, the issuer's opaque tokens introspected.
    app = await bootSampleApi(issuer.issuer, {
      OIDC_TOKEN_TYPE: 'auto',
      OIDC_CLIENT_ID: 'demo-client',
      OIDC_CLIENT_SECRET: 'demo-secret',
    });
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('GET /health is public', async () => {
    await api().get('/health').expect(200, { status: 'ok' });
  });

  it('a plain client-credentials token for read:messages reads messages', async () => {
    const token = await clientCredentialsToken(issuer, 'read:messages');
    const res = await api().get('/messages').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
  });

  it('GET /me returns sub and scopes of the caller', async () => {
    const token = await clientCredentialsToken(issuer, 'read:messages write:messages');
    const res = await api().get('/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'demo-client', clientId: 'demo-client', issuer: issuer.issuer });
    expect(res.body.scopes).toEqual(['read:messages', 'write:messages']);
  });

  it('POST /messages needs write:messages and answers 201', async () => {
    const reader = await clientCredentialsToken(issuer, 'read:messages');
    expectChallenge(await api().post('/messages').set('Authorization', `Bearer ${reader}`).send({ text: 'hi' }), {
      status: 403,
      error: 'insufficient_scope',
      scope: 'write:messages',
    });
    const writer = await clientCredentialsToken(issuer, 'write:messages');
    const res = await api().post('/messages').set('Authorization', `Bearer ${writer}`).send({ text: 'hello' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ text: 'hello', author: 'demo-client' });
  });

  it('GET /messages/admin needs read:messages and admin:messages', async () => {
    const admin = await clientCredentialsToken(issuer, 'admin:messages');
    expectChallenge(await api().get('/messages/admin').set('Authorization', `Bearer ${admin}`), {
      status: 403,
      error: 'insufficient_scope',
      scope: 'read:messages admin:messages',
    });
    const both = await clientCredentialsToken(issuer, 'read:messages admin:messages');
    const res = await api().get('/messages/admin').set('Authorization', `Bearer ${both}`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBeGreaterThanOrEqual(1);
  });

  it('no token: 401 with a bare challenge', async () => {
    expectChallenge(await api().get('/messages'), { status: 401 });
  });

  it('a user logged in with authorization code + PKCE reads the API with a JWT access token', async () => {
    const tokens = await obtainUserTokenWithPkce(issuer, { scope: 'openid read:messages' });
    expect(tokens.access_token.split('.')).toHaveLength(3);
    const res = await api().get('/me').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'demo-user', clientId: 'demo-client' });
    expect(res.body.scopes).toContain('read:messages');
    await api().get('/messages').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);
  });

  it("GET /profile returns the PKCE user's OpenID userinfo from oidc-provider (opaque token, introspected)", async () => {
    const tokens = await obtainUserTokenWithPkce(issuer, { scope: 'openid profile email' });
    expect(tokens.access_token.split('.')).not.toHaveLength(3); // oidc-provider's userinfo tokens are opaque
    const me = await api().get('/me').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ sub: 'demo-user', scopes: ['openid', 'profile', 'email'] });
    const profile = await api().get('/profile').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({
      sub: 'demo-user',
      name: 'Demo User',
      preferred_username: 'demo',
      email: 'demo@example.test',
      email_verified: true,
    });
  });

  it('GET /messages/audit needs the role auditor: the demo user has it, a client does not', async () => {
    const user = await obtainUserTokenWithPkce(issuer, { scope: 'openid read:messages' });
    const audit = await api().get('/messages/audit').set('Authorization', `Bearer ${user.access_token}`);
    expect(audit.status).toBe(200);
    expect(audit.body.total).toBeGreaterThanOrEqual(1);
    const me = await api().get('/me').set('Authorization', `Bearer ${user.access_token}`);
    expect(me.body).toMatchObject({ roles: ['auditor'], kind: 'user' });
    const client = await clientCredentialsToken(issuer, 'read:messages');
    const denied = await api().get('/messages/audit').set('Authorization', `Bearer ${client}`);
    expectChallenge(denied, { status: 403 });
    expect(denied.body.error).toBe('forbidden');
  });

  it('an opaque token without the API scope is refused by scope, not by format', async () => {
    const tokens = await obtainUserTokenWithPkce(issuer, { scope: 'openid profile' });
    expectChallenge(await api().get('/messages').set('Authorization', `Bearer ${tokens.access_token}`), {
      status: 403,
      error: 'insufficient_scope',
      scope: 'read:messages',
    });
  });

  it('a made-up opaque token: 401 invalid_token (introspection says inactive)', async () => {
    expectChallenge(await api().get('/me').set('Authorization', 'Bearer not-a-real-token-0123456789'), {
      status: 401,
      error: 'invalid_token',
    });
  });

  it('a tampered oidc-provider token: 401 invalid_token', async () => {
    const token = await clientCredentialsToken(issuer, 'read:messages');
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.scope = 'read:messages admin:messages';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expectChallenge(await api().get('/messages/admin').set('Authorization', `Bearer ${forged}`), {
      status: 401,
      error: 'invalid_token',
    });
  });
});

describe('sample API with several issuers in OIDC_ISSUER and a provider preset in OIDC_PROVIDER', () => {
  const keyA = generateTestKey('RS256');
  const keyB = generateTestKey('ES256');
  let a: LocalIssuer;
  let b: LocalIssuer;
  let app: INestApplication;
  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    a = await startLocalIssuer({ keys: [keyA], path: '/realms/staff' });
    b = await startLocalIssuer({ keys: [keyB], path: '/realms/partners' });
    app = await bootSampleApi(`${a.issuer}, ${b.issuer}`, { OIDC_PROVIDER: 'keycloak' });
  });
  afterAll(async () => {
    await app?.close();
    await a?.close();
    await b?.close();
  });

  const keycloakToken = (key: typeof keyA, iss: string, claims: Record<string, unknown> = {}) =>
    mintAccessToken(key, {
      iss,
      aud: AUDIENCE,
      typ: 'Bearer',
      azp: 'web',
      scope: 'read:messages',
      realm_access: { roles: ['auditor'] },
      ...claims,
    });

  it('accepts tokens from each listed issuer, with Keycloak roles', async () => {
    for (const [key, iss] of [
      [keyA, a.issuer],
      [keyB, b.issuer],
    ] as const) {
      const res = await api()
        .get('/messages/audit')
        .set('Authorization', `Bearer ${keycloakToken(key, iss)}`);
      expect(res.status).toBe(200);
    }
  });

  it("never lets one issuer's key vouch for the other issuer", async () => {
    const forged = keycloakToken(keyB, a.issuer);
    expectChallenge(await api().get('/me').set('Authorization', `Bearer ${forged}`), {
      status: 401,
      error: 'invalid_token',
    });
  });

  it('refuses a Keycloak ID token (payload typ ID) at the API', async () => {
    const idToken = keycloakToken(keyA, a.issuer, { typ: 'ID' });
    expectChallenge(await api().get('/me').set('Authorization', `Bearer ${idToken}`), {
      status: 401,
      error: 'invalid_token',
    });
  });
});

describe('sample API with tokens minted on a local JWKS endpoint', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let app: INestApplication;
  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    issuer.route('GET', '/userinfo', (req, res) => {
      const ok = req.headers.authorization?.startsWith('Bearer ');
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sub: 'alice', name: 'Alice', email: 'alice@example.test' }));
    });
    app = await bootSampleApi(issuer.issuer);
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  const token = (claims: Record<string, unknown> = {}) =>
    mintAccessToken(key, { iss: issuer.issuer, aud: AUDIENCE, sub: 'alice', scope: 'read:messages', ...claims });

  it('GET /profile returns the userinfo of the caller', async () => {
    const res = await api().get('/profile').set('Authorization', `Bearer ${token()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'alice', name: 'Alice', email: 'alice@example.test' });
  });

  it('GET /profile refuses a userinfo answer about someone else (OIDC Core 5.3.4)', async () => {
    const res = await api()
      .get('/profile')
      .set('Authorization', `Bearer ${token({ sub: 'mallory' })}`);
    expect(res.status).toBe(502);
    expect(res.text).not.toContain('alice');
  });

  it('an expired token: 401 invalid_token', async () => {
    const expired = token({ exp: nowSeconds() - 60, iat: nowSeconds() - 120 });
    expectChallenge(await api().get('/me').set('Authorization', `Bearer ${expired}`), {
      status: 401,
      error: 'invalid_token',
    });
  });

  it('a token for another audience: 401 invalid_token', async () => {
    expectChallenge(
      await api()
        .get('/me')
        .set('Authorization', `Bearer ${token({ aud: 'https://other.example' })}`),
      {
        status: 401,
        error: 'invalid_token',
      },
    );
  });
});
