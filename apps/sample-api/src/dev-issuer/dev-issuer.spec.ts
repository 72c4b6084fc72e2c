import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { obtainUserTokenWithPkce } from '../../../../test/helpers/pkce-flow.js';
import { startDevIssuer, type DevIssuer } from './dev-issuer.js';

const AUDIENCE = 'https://api.example.test';

function basic(issuer: DevIssuer, secret: string = issuer.clientSecret): string {
  return `Basic ${Buffer.from(`${issuer.clientId}:${secret}`).toString('base64')}`;
}

async function post(url: string, body: Record<string, string>, authorization?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function decodePart(jwt: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('startDevIssuer', () => {
  let jwtIssuer: DevIssuer;
  let opaqueIssuer: DevIssuer;

  beforeAll(async () => {
    jwtIssuer = await startDevIssuer({ port: 0, audience: AUDIENCE });
    opaqueIssuer = await startDevIssuer({ port: 0, audience: AUDIENCE, accessTokenFormat: 'opaque' });
  });

  afterAll(async () => {
    await Promise.all([jwtIssuer?.close(), opaqueIssuer?.close()]);
  });

  it('names the real bound port in its issuer and serves a discovery document', async () => {
    expect(jwtIssuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(jwtIssuer.issuer).not.toBe(opaqueIssuer.issuer);
    const response = await fetch(`${jwtIssuer.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      issuer: jwtIssuer.issuer,
      jwks_uri: `${jwtIssuer.issuer}/jwks`,
      token_endpoint: jwtIssuer.tokenEndpoint,
      userinfo_endpoint: `${jwtIssuer.issuer}/me`,
      introspection_endpoint: `${jwtIssuer.issuer}/token/introspection`,
    });
  });

  it('issues an RS256 JWT for the audience on client_credentials without a resource parameter', async () => {
    const { status, body } = await post(
      jwtIssuer.tokenEndpoint,
      { grant_type: 'client_credentials', scope: 'read:messages' },
      basic(jwtIssuer),
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:messages' });
    const token = body.access_token as string;
    const header = decodePart(token, 0);
    const payload = decodePart(token, 1);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: expect.any(String) });
    expect(payload).toMatchObject({
      iss: jwtIssuer.issuer,
      aud: AUDIENCE,
      scope: 'read:messages',
      client_id: 'demo-client',
      jti: expect.any(String),
    });
    expect(payload.exp).toBe((payload.iat as number) + 3600);

    const jwks = (await (await fetch(`${jwtIssuer.issuer}/jwks`)).json()) as { keys: JsonWebKey[] };
    const jwk = jwks.keys.find((key) => key.kid === header.kid);
    expect(jwk).toBeDefined();
    expect(jwk).not.toHaveProperty('d');
    const [h, p, signature] = token.split('.') as [string, string, string];
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(verify('sha256', Buffer.from(`${h}.${p}x`), key, Buffer.from(signature, 'base64url'))).toBe(false);
  });

  it('also accepts the client secret in the form body', async () => {
    const { status } = await post(jwtIssuer.tokenEndpoint, {
      grant_type: 'client_credentials',
      scope: 'read:messages',
      client_id: 'demo-client',
      client_secret: 'demo-secret',
    });
    expect(status).toBe(200);
  });

  it('rejects a wrong client secret with 401 invalid_client', async () => {
    const { status, body } = await post(
      jwtIssuer.tokenEndpoint,
      { grant_type: 'client_credentials', scope: 'read:messages' },
      basic(jwtIssuer, 'wrong-secret'),
    );
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('rejects a scope the API does not define, and a resource other than the audience', async () => {
    const scope = await post(
      jwtIssuer.tokenEndpoint,
      { grant_type: 'client_credentials', scope: 'delete:everything' },
      basic(jwtIssuer),
    );
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');

    const target = await post(
      jwtIssuer.tokenEndpoint,
      { grant_type: 'client_credentials', scope: 'read:messages', resource: 'https://other.example.test' },
      basic(jwtIssuer),
    );
    expect(target.status).toBe(400);
    expect(target.body.error).toBe('invalid_target');
  });

  it('runs the authorization code flow with PKCE and returns a user JWT for the API', async () => {
    const tokens = await obtainUserTokenWithPkce(jwtIssuer, { scope: 'openid profile email read:messages' });
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:messages' });
    expect(tokens.id_token).toEqual(expect.any(String));
    expect(decodePart(tokens.access_token, 1)).toMatchObject({
      sub: 'demo-user',
      aud: AUDIENCE,
      iss: jwtIssuer.issuer,
      scope: 'read:messages',
      client_id: 'demo-client',
    });
    expect(decodePart(tokens.id_token as string, 1)).toMatchObject({ sub: 'demo-user', aud: 'demo-client' });
  });

  it('requires PKCE from the confidential client', async () => {
    const authorize = new URL(`${jwtIssuer.issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: 'demo-client',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:8765/callback',
      scope: 'openid read:messages',
      state: 'xyz',
    }).toString();
    const response = await fetch(authorize, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('http://127.0.0.1:8765/callback');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  describe('userinfo', () => {
    const userinfo = () => `${jwtIssuer.issuer}/me`;
    const demoClaims = {
      sub: 'demo-user',
      name: 'Demo User',
      preferred_username: 'demo',
      email: 'demo@example.test',
      email_verified: true,
    };

    it('rejects the JWT access token issued for the API', async () => {
      const tokens = await obtainUserTokenWithPkce(jwtIssuer, { scope: 'openid profile read:messages' });
      expect(decodePart(tokens.access_token, 1).aud).toBe(AUDIENCE);
      const response = await fetch(userinfo(), { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });

    it('serves the demo claims to the opaque token of a login with OpenID scopes only', async () => {
      const tokens = await obtainUserTokenWithPkce(jwtIssuer, { scope: 'openid profile email' });
      expect(tokens.access_token.split('.')).toHaveLength(1);
      const response = await fetch(userinfo(), { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(demoClaims);
    });

    it('gives both tokens: the API JWT from the code, a userinfo token from the refresh token', async () => {
      const tokens = await obtainUserTokenWithPkce(jwtIssuer, {
        scope: 'openid profile email offline_access read:messages',
        resource: AUDIENCE,
      });
      expect(decodePart(tokens.access_token, 1)).toMatchObject({ aud: AUDIENCE, scope: 'read:messages' });
      expect(tokens.refresh_token).toEqual(expect.any(String));

      const refreshed = await post(
        jwtIssuer.tokenEndpoint,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '', scope: 'openid profile email' },
        basic(jwtIssuer),
      );
      expect(refreshed.status).toBe(200);
      const response = await fetch(userinfo(), { headers: { authorization: `Bearer ${refreshed.body.access_token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(demoClaims);
    });
  });

  it('in opaque mode issues opaque tokens that introspection reports active for the audience', async () => {
    const { status, body } = await post(
      opaqueIssuer.tokenEndpoint,
      { grant_type: 'client_credentials', scope: 'read:messages write:messages' },
      basic(opaqueIssuer),
    );
    expect(status).toBe(200);
    const token = body.access_token as string;
    expect(token.split('.')).toHaveLength(1);

    const introspection = await post(`${opaqueIssuer.issuer}/token/introspection`, { token }, basic(opaqueIssuer));
    expect(introspection.status).toBe(200);
    expect(introspection.body).toMatchObject({
      active: true,
      scope: 'read:messages write:messages',
      client_id: 'demo-client',
      aud: AUDIENCE,
      iss: opaqueIssuer.issuer,
      token_type: 'Bearer',
    });

    const unknown = await post(`${opaqueIssuer.issuer}/token/introspection`, { token: 'nope' }, basic(opaqueIssuer));
    expect(unknown.body).toEqual({ active: false });
  });
});

describe('startDevIssuer for Swagger UI', () => {
  let issuer: DevIssuer;
  const origin = 'http://localhost:3000';

  beforeAll(async () => {
    issuer = await startDevIssuer({
      port: 0,
      audience: AUDIENCE,
      corsOrigins: [origin],
      redirectUris: [`${origin}/docs/oauth2-redirect.html`],
    });
  });
  afterAll(async () => {
    await issuer?.close();
  });

  it('lets the API origin call the token endpoint from a browser (CORS), and no other origin', async () => {
    const tokenRequest = (from: string) =>
      fetch(issuer.tokenEndpoint, {
        method: 'POST',
        headers: { origin: from, authorization: basic(issuer), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:messages' }),
      });
    const allowed = await tokenRequest(origin);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
    const other = await tokenRequest('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("accepts Swagger UI's redirect page as a redirect URI of demo-client", async () => {
    const authorize = new URL(`${issuer.issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: 'demo-client',
      response_type: 'code',
      redirect_uri: `${origin}/docs/oauth2-redirect.html`,
      scope: 'read:messages',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(authorize, { redirect: 'manual' });
    // Straight to the login interaction, not an invalid_redirect_uri error page.
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/interaction\//);
  });
});
