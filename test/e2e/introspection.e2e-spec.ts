/**
 * RFC 7662 token introspection: opaque tokens are trusted only on `active: true` from the issuer,
 * then checked like a JWT (iss, aud, exp, nbf, token_type, scope). Checked against a real OpenID
 * provider (oidc-provider) and against a scriptable local endpoint for request shape, caching and
 * outages (503 with a bare challenge and Retry-After, never 401, never 500).
 */
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import type { ResourceServerModuleOptions } from 'nestjs-resource-server';
import { startDevIssuer, type DevIssuer } from '../../apps/sample-api/src/dev-issuer/dev-issuer.js';
import { expectChallenge } from '../helpers/challenge.js';
import {
  activeAnswer,
  fakeIntrospection,
  PrincipalController,
  type FakeIntrospection,
  type IntrospectionFault,
} from '../helpers/introspection-app.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { AUDIENCE, Scenarios, bearer, expectUnavailable, sleep, type Scenario } from './support.js';

const CREDENTIALS = { clientId: 'api-client', clientSecret: 'api-secret' };
const OPAQUE = { tokenType: 'opaque', introspection: CREDENTIALS } as const;
const KEY_PREFIX = 'nestjs-resource-server:introspection:';

/** A random opaque token (b64token, no dots: never JWS-shaped). */
const opaqueToken = (): string => randomBytes(24).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** A local issuer with a fake introspection endpoint and an app trusting it. */
interface FakeScenario extends Scenario {
  readonly fake: FakeIntrospection;
}

async function startFake(
  scenarios: Scenarios,
  appOptions: Partial<ResourceServerModuleOptions> = OPAQUE,
): Promise<FakeScenario> {
  let fake: FakeIntrospection | undefined;
  const s = await scenarios.start(appOptions, {}, (issuer) => (fake = fakeIntrospection(issuer, AUDIENCE)));
  return { ...s, fake: fake! };
}

describe('token introspection (RFC 7662)', () => {
  const scenarios = new Scenarios();
  afterAll(async () => {
    await closeAll();
    await scenarios.closeAll();
  });

  describe('with a real OpenID provider issuing opaque tokens (oidc-provider)', () => {
    let dev: DevIssuer;
    let app: RunningApp;

    const clientCredentialsToken = async (scope = 'read:messages'): Promise<string> => {
      const res = await fetch(dev.tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: basic(dev.clientId, dev.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      });
      const json = (await res.json()) as { access_token?: string };
      expect({ status: res.status, token: typeof json.access_token }).toEqual({ status: 200, token: 'string' });
      return json.access_token!;
    };

    const startFor = (introspection: Partial<ResourceServerModuleOptions['introspection']>): Promise<RunningApp> =>
      startApp({
        issuer: dev.issuer,
        audience: AUDIENCE,
        tokenType: 'opaque',
        introspection: { clientId: dev.clientId, clientSecret: dev.clientSecret, ...introspection },
      });

    beforeAll(async () => {
      dev = closeLater(await startDevIssuer({ port: 0, audience: AUDIENCE, accessTokenFormat: 'opaque' }));
      app = await startFor({ cacheTtlMs: 500 });
    });

    it('accepts a client-credentials token and enforces its scopes', async () => {
      const token = await clientCredentialsToken();
      expect(token).not.toContain('.');
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      expectChallenge(await app.http.get('/admin').set(bearer(token)), {
        status: 403,
        error: 'insufficient_scope',
        scope: 'read:messages admin:messages',
      });
      const me = await app.http.get('/me').set(bearer(token));
      expect({ status: me.status, clientId: me.body.clientId, scopes: me.body.scopes }).toEqual({
        status: 200,
        clientId: 'demo-client',
        scopes: ['read:messages'],
      });
    });

    it('refuses a revoked token once the cached answer is older than cacheTtlMs', async () => {
      const token = await clientCredentialsToken();
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      const revoked = await fetch(`${dev.issuer}/token/revocation`, {
        method: 'POST',
        headers: {
          authorization: basic(dev.clientId, dev.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
      expect(revoked.status).toBe(200);
      // Within cacheTtlMs the cached `active: true` answer still stands.
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      await sleep(600);
      expectChallenge(await app.http.get('/read').set(bearer(token)), { status: 401, error: 'invalid_token' });
    });

    it('refuses a token the provider never issued with 401 invalid_token', async () => {
      expectChallenge(await app.http.get('/read').set(bearer(opaqueToken())), { status: 401, error: 'invalid_token' });
    });

    it('authenticates with client_secret_post too', async () => {
      const post = await startFor({ clientAuthMethod: 'client_secret_post' });
      const me = await post.http.get('/me').set(bearer(await clientCredentialsToken()));
      expect({ status: me.status, clientId: me.body.clientId }).toEqual({ status: 200, clientId: 'demo-client' });
    });

    it('answers 503, not 401, when the provider refuses our client credentials', async () => {
      const wrong = await startFor({ clientSecret: 'not-the-secret' });
      expectUnavailable(await wrong.http.get('/read').set(bearer(await clientCredentialsToken())));
    });
  });

  describe("tokenType 'auto' with a real OpenID provider issuing JWTs", () => {
    let dev: DevIssuer;
    let app: RunningApp;

    beforeAll(async () => {
      dev = closeLater(await startDevIssuer({ port: 0, audience: AUDIENCE }));
      app = await startApp({
        issuer: dev.issuer,
        audience: AUDIENCE,
        tokenType: 'auto',
        introspection: { clientId: dev.clientId, clientSecret: dev.clientSecret },
      });
    });

    it('verifies the JWT locally and introspects anything else', async () => {
      const res = await fetch(dev.tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: basic(dev.clientId, dev.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=read%3Amessages',
      });
      const { access_token: jwt } = (await res.json()) as { access_token: string };
      expect(jwt.split('.')).toHaveLength(3);
      const me = await app.http.get('/me').set(bearer(jwt));
      expect({ status: me.status, clientId: me.body.clientId, scopes: me.body.scopes }).toEqual({
        status: 200,
        clientId: 'demo-client',
        scopes: ['read:messages'],
      });
      expectChallenge(await app.http.get('/me').set(bearer(opaqueToken())), { status: 401, error: 'invalid_token' });
    });
  });

  describe('which tokens are introspected', () => {
    it("'auto': a JWS is verified locally with no introspection call, an opaque token is introspected", async () => {
      const s = await startFake(scenarios, { tokenType: 'auto', introspection: CREDENTIALS });
      expect((await s.me(s.mint({ scope: 'read:messages' }))).status).toBe(200);
      expect(s.fake.calls).toHaveLength(0);
      // A JWS that fails verification is refused locally, not handed to the issuer.
      const forged = s.mint().replace(/.{4}$/, 'AAAA');
      expectChallenge(await s.me(forged), { status: 401, error: 'invalid_token' });
      expect(s.fake.calls).toHaveLength(0);
      expect((await s.me(opaqueToken())).status).toBe(200);
      expect(s.fake.calls).toHaveLength(1);
    });

    it("'opaque': every token is introspected, a JWS too", async () => {
      const s = await startFake(scenarios);
      const jwt = s.mint();
      expect((await s.me(jwt)).status).toBe(200);
      expect(s.fake.calls.map((c) => c.token)).toEqual([jwt]);
    });

    it('gives an introspected token the same principal shape as a JWT, with tokenFormat opaque', async () => {
      const s = await startFake(scenarios);
      const app = await startApp(
        { issuer: s.issuer.issuer, audience: AUDIENCE, tokenType: 'auto', introspection: CREDENTIALS },
        { controllers: [PrincipalController] },
      );
      const jwt = await app.http.get('/principal').set(bearer(s.mint({ scope: 'read:messages' })));
      const opaque = await app.http.get('/principal').set(bearer(opaqueToken()));
      expect({ status: jwt.status, tokenFormat: jwt.body.tokenFormat }).toEqual({ status: 200, tokenFormat: 'jwt' });
      expect(opaque.status).toBe(200);
      expect(opaque.body).toMatchObject({
        subject: 'user-1',
        clientId: 'svc-client',
        scopes: ['read:messages'],
        issuer: s.issuer.issuer,
        audience: [AUDIENCE],
        expiresAt: expect.any(Number),
        tokenFormat: 'opaque',
        claims: { active: true, token_type: 'Bearer' },
      });
      expect(opaque.body.fields).toEqual(jwt.body.fields);
    });
  });

  describe('what an introspection answer must say', () => {
    let s: FakeScenario;
    const answers = new Map<string, Record<string, unknown>>();
    beforeAll(async () => {
      s = await startFake(scenarios);
      s.fake.answer = (token) => answers.get(token) ?? { active: false };
    });

    const ask = async (overrides: Record<string, unknown>) => {
      const token = opaqueToken();
      answers.set(token, activeAnswer(s.issuer.issuer, AUDIENCE, overrides));
      return s.me(token);
    };

    it.each<[string, Record<string, unknown>]>([
      ['active: false', { active: false }],
      ['active: false with claims', { active: false, scope: 'read:messages' }],
      ['another issuer', { iss: 'https://evil.example.test' }],
      ['another audience', { aud: 'https://other-api.example.test' }],
      ['an audience list without ours', { aud: ['https://a.example.test', 'https://b.example.test'] }],
      ['an exp in the past', { exp: nowSeconds() - 60 }],
      ['an nbf in the future', { nbf: nowSeconds() + 60 }],
      ['token_type refresh_token', { token_type: 'refresh_token' }],
      ['token_type DPoP', { token_type: 'DPoP' }],
    ])('refuses %s with 401 invalid_token', async (_name, overrides) => {
      expectChallenge(await ask(overrides), { status: 401, error: 'invalid_token' });
    });

    it.each<[string, Record<string, unknown>]>([
      ['no aud', { aud: undefined }],
      ['an audience list containing ours', { aud: ['https://other.example.test', AUDIENCE] }],
      ['no iss', { iss: undefined }],
      ['no exp', { exp: undefined }],
      ['token_type Bearer', { token_type: 'Bearer' }],
      ['token_type access_token', { token_type: 'access_token' }],
      ['no token_type', { token_type: undefined }],
    ])('accepts %s', async (_name, overrides) => {
      const res = await ask(overrides);
      expect({ status: res.status, sub: res.body.sub }).toEqual({ status: 200, sub: 'user-1' });
    });

    it('applies maxTokenAge to introspected tokens as to JWTs', async () => {
      const aged = await startFake(scenarios, { ...OPAQUE, maxTokenAge: 60 });
      const iat = nowSeconds() - 3600;
      // Control: a JWT issued an hour ago is refused under maxTokenAge 60.
      const jwtApp = await startApp({ issuer: aged.issuer.issuer, audience: AUDIENCE, maxTokenAge: 60 });
      expectChallenge(await jwtApp.http.get('/me').set(bearer(aged.mint({ iat }))), {
        status: 401,
        error: 'invalid_token',
      });
      aged.fake.answer = () => activeAnswer(aged.issuer.issuer, AUDIENCE, { iat });
      expectChallenge(await aged.me(opaqueToken()), { status: 401, error: 'invalid_token' });
    });

    it('reads scopes from the space-delimited `scope`', async () => {
      const token = opaqueToken();
      answers.set(token, activeAnswer(s.issuer.issuer, AUDIENCE, { scope: 'read:messages  admin:messages ' }));
      const me = await s.me(token);
      expect({ status: me.status, scopes: me.body.scopes }).toEqual({
        status: 200,
        scopes: ['read:messages', 'admin:messages'],
      });
      expect((await s.app.http.get('/admin').set(bearer(token))).status).toBe(200);

      const readOnly = opaqueToken();
      answers.set(readOnly, activeAnswer(s.issuer.issuer, AUDIENCE, { scope: 'read' }));
      expectChallenge(await s.app.http.get('/read').set(bearer(readOnly)), {
        status: 403,
        error: 'insufficient_scope',
        scope: 'read:messages',
      });
    });
  });

  describe('request to the introspection endpoint', () => {
    const special = { clientId: 'api client', clientSecret: 'p@ss:word' };

    it('POSTs token and token_type_hint as a form, with form-urlencoded Basic credentials (RFC 6749 §2.3.1)', async () => {
      const s = await startFake(scenarios, { tokenType: 'opaque', introspection: special });
      const token = opaqueToken();
      expect((await s.me(token)).status).toBe(200);
      const [call] = s.fake.calls;
      expect({
        method: call!.method,
        contentType: call!.contentType,
        params: Object.fromEntries(call!.form),
        basic: Buffer.from(call!.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8'),
      }).toEqual({
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        params: { token, token_type_hint: 'access_token' },
        basic: 'api+client:p%40ss%3Aword',
      });
      expect(call!.authorization).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    });

    it('sends the credentials in the body with client_secret_post, and no Authorization header', async () => {
      const s = await startFake(scenarios, {
        tokenType: 'opaque',
        introspection: { ...special, clientAuthMethod: 'client_secret_post' },
      });
      const token = opaqueToken();
      expect((await s.me(token)).status).toBe(200);
      const [call] = s.fake.calls;
      expect({ authorization: call!.authorization, params: Object.fromEntries(call!.form) }).toEqual({
        authorization: undefined,
        params: { token, token_type_hint: 'access_token', client_id: 'api client', client_secret: 'p@ss:word' },
      });
    });

    it('uses a configured endpoint instead of the discovery one', async () => {
      const other = await startFake(scenarios);
      const s = await startFake(scenarios, {
        tokenType: 'opaque',
        introspection: { ...CREDENTIALS, endpoint: `${other.issuer.issuer}/introspect` },
      });
      const token = opaqueToken();
      other.fake.answer = () => activeAnswer(s.issuer.issuer, AUDIENCE);
      expect((await s.me(token)).status).toBe(200);
      expect({ configured: other.fake.callsFor(token), discovered: s.fake.callsFor(token) }).toEqual({
        configured: 1,
        discovered: 0,
      });
    });
    // Same contract as a JWKS outage (discovery without jwks_uri): 503, bare challenge, Retry-After.
    it('answers 503 when discovery advertises no introspection_endpoint', async () => {
      const s = await startFake(scenarios);
      s.issuer.setMetadata({ introspection_endpoint: undefined });
      expectUnavailable(await s.me(opaqueToken()));
      expect(s.fake.calls).toHaveLength(0);
    });

    it('answers 503 with Retry-After while discovery is down, then recovers', async () => {
      const s = await startFake(scenarios, { ...OPAQUE, keySet: { retryIntervalMs: 0 } });
      s.issuer.setFault('discovery', 'status500');
      const token = opaqueToken();
      expectUnavailable(await s.me(token));
      s.issuer.setFault('discovery', 'ok');
      expect((await s.me(token)).status).toBe(200);
      expect(s.fake.callsFor(token)).toBe(1);
    });

    // The endpoint was vetted (configuration or discovery); a 307/308 to another origin would resend
    // the token (and, with client_secret_post, our secret) there and let that origin decide validity.
    it.each(['client_secret_basic', 'client_secret_post'] as const)(
      'does not follow a redirect to another origin with the token and credentials (%s)',
      async (clientAuthMethod) => {
        const elsewhere = closeLater(await startLocalIssuer());
        const received: Array<{ authorization: string | undefined; body: string }> = [];
        elsewhere.route('POST', '/collect', (req, res, body) => {
          received.push({ authorization: req.headers.authorization, body });
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: false }));
        });
        const s = await startFake(scenarios, {
          tokenType: 'opaque',
          introspection: { ...CREDENTIALS, clientAuthMethod },
        });
        s.issuer.route('POST', '/introspect', (_req, res) => {
          res.writeHead(307, { location: `${elsewhere.issuer}/collect` }).end();
        });
        const token = opaqueToken();
        const res = await s.me(token);
        const leaked = received.map((r) => ({
          token: r.body.includes(token),
          secret: r.body.includes(CREDENTIALS.clientSecret) || r.authorization !== undefined,
        }));
        expect({ leaked, status: res.status }).toEqual({ leaked: [], status: 503 });
      },
    );
  });

  describe('outages of the introspection endpoint', () => {
    const FAULTS: IntrospectionFault[] = [
      'reset',
      'timeout',
      'status401',
      'status500',
      'garbage',
      'html',
      'activeNotBoolean',
    ];

    it.each(FAULTS)('answers 503 with a bare challenge and Retry-After (%s), then recovers', async (fault) => {
      const s = await startFake(scenarios, { ...OPAQUE, introspection: { ...CREDENTIALS, timeoutMs: 200 } });
      s.fake.fault = fault;
      const token = opaqueToken();
      const started = Date.now();
      expectUnavailable(await s.me(token));
      expect(Date.now() - started).toBeLessThan(2000);
      s.fake.fault = 'ok';
      expect((await s.me(token)).status).toBe(200);
      expect(s.fake.callsFor(token)).toBe(2);
    });

    it('logs an outage once when it starts and once when it ends, without the token', async () => {
      const issuer: LocalIssuer = (await startFake(scenarios)).issuer;
      const fake = fakeIntrospection(issuer, AUDIENCE); // a fresh route, so this case owns the counts
      const lines: string[] = [];
      const capture = (level: string) => (message: unknown) => void lines.push(`${level} ${String(message)}`);
      const logger = {
        log: capture('log'),
        error: capture('error'),
        warn: capture('warn'),
        debug: () => {},
        verbose: () => {},
      };
      const app = await startApp(
        { issuer: issuer.issuer, audience: AUDIENCE, ...OPAQUE },
        { controllers: [PrincipalController], logger },
      );
      const token = opaqueToken();
      fake.fault = 'status500';
      for (let i = 0; i < 3; i++) expectUnavailable(await app.http.get('/read').set(bearer(token)));
      fake.fault = 'ok';
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      const introspectionLines = lines.filter((l) => l.includes('introspection'));
      expect(introspectionLines).toEqual([
        expect.stringMatching(/^error Token introspection at .* unavailable: HTTP 500/),
        expect.stringMatching(/^log Token introspection at .* available again/),
      ]);
      expect(lines.join('\n')).not.toContain(token);
      expect(fake.callsFor(token)).toBe(4);
    });
  });

  describe('cache', () => {
    it('asks once for 5 sequential requests with the same token', async () => {
      const s = await startFake(scenarios);
      const token = opaqueToken();
      for (let i = 0; i < 5; i++) expect((await s.me(token)).status).toBe(200);
      expect(s.fake.callsFor(token)).toBe(1);
    });

    it('keeps an active answer no longer than the token lives, then asks again and refuses it', async () => {
      const s = await startFake(scenarios);
      const token = opaqueToken();
      const exp = Math.ceil(Date.now() / 1000) + 1;
      // Like a real issuer: active until exp, inactive after.
      s.fake.answer = () =>
        Date.now() < exp * 1000 ? activeAnswer(s.issuer.issuer, AUDIENCE, { exp }) : { active: false };
      expect((await s.me(token)).status).toBe(200);
      expect((await s.me(token)).status).toBe(200);
      expect(s.fake.callsFor(token)).toBe(1);
      await sleep(exp * 1000 - Date.now() + 50);
      expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
      expect(s.fake.callsFor(token)).toBe(2);
      // The `active: false` answer is now cached for inactiveCacheTtlMs (default 5 s).
      expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
      expect(s.fake.callsFor(token)).toBe(2);
    });

    it('refuses a token past exp even when the issuer still calls it active, asking each time (clockTolerance 0)', async () => {
      const s = await startFake(scenarios, { ...OPAQUE, clockTolerance: 0 });
      const token = opaqueToken();
      const exp = Math.ceil(Date.now() / 1000) + 1;
      s.fake.answer = () => activeAnswer(s.issuer.issuer, AUDIENCE, { exp });
      expect((await s.me(token)).status).toBe(200);
      await sleep(exp * 1000 - Date.now() + 50);
      expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
      expect(s.fake.callsFor(token)).toBe(2);
      // An answer for an already expired token has no time left to be cached.
      expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
      expect(s.fake.callsFor(token)).toBe(3);
    });

    it('keeps an inactive answer for inactiveCacheTtlMs', async () => {
      const s = await startFake(scenarios, { ...OPAQUE, introspection: { ...CREDENTIALS, inactiveCacheTtlMs: 300 } });
      s.fake.answer = () => ({ active: false });
      const token = opaqueToken();
      expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
      expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
      expect(s.fake.callsFor(token)).toBe(1);
      await sleep(400);
      expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
      expect(s.fake.callsFor(token)).toBe(2);
    });

    it('does not cache failures', async () => {
      const s = await startFake(scenarios);
      const token = opaqueToken();
      s.fake.fault = 'status500';
      expectUnavailable(await s.me(token));
      s.fake.fault = 'ok';
      expect((await s.me(token)).status).toBe(200);
      expect(s.fake.callsFor(token)).toBe(2);
    });

    it('asks once for 20 concurrent first requests with the same token (single flight)', async () => {
      const s = await startFake(scenarios);
      s.fake.delayMs = 150;
      const token = opaqueToken();
      const results = await Promise.all(Array.from({ length: 20 }, async () => (await s.me(token)).status));
      expect(results).toEqual(Array(20).fill(200));
      expect(s.fake.callsFor(token)).toBe(1);
    });

    it('shares one failed call among concurrent requests, and caches nothing of it', async () => {
      const s = await startFake(scenarios);
      s.fake.fault = 'status500';
      s.fake.delayMs = 150;
      const token = opaqueToken();
      const results = await Promise.all(Array.from({ length: 10 }, async () => (await s.me(token)).status));
      expect(results).toEqual(Array(10).fill(503));
      expect(s.fake.callsFor(token)).toBe(1);
      s.fake.fault = 'ok';
      expect((await s.me(token)).status).toBe(200);
      expect(s.fake.callsFor(token)).toBe(2);
    });

    it('asks separately for different tokens', async () => {
      const s = await startFake(scenarios);
      const [a, b] = [opaqueToken(), opaqueToken()];
      await s.me(a);
      await s.me(b);
      await s.me(a);
      expect({ a: s.fake.callsFor(a), b: s.fake.callsFor(b) }).toEqual({ a: 1, b: 1 });
    });
  });

  describe("store 'cache-manager'", () => {
    it('keeps answers in the CACHE_MANAGER under a hash of the token, never the token', async () => {
      const { issuer } = await startFake(scenarios);
      const fake = fakeIntrospection(issuer, AUDIENCE);
      const app = await startApp(
        {
          issuer: issuer.issuer,
          audience: AUDIENCE,
          tokenType: 'opaque',
          introspection: { ...CREDENTIALS, store: 'cache-manager' },
        },
        { controllers: [PrincipalController], imports: [CacheModule.register({ isGlobal: true })] },
      );
      const token = opaqueToken();
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      expect(fake.callsFor(token)).toBe(1);
      const cache = app.app.get<{ get(key: string): Promise<unknown> }>(CACHE_MANAGER);
      const cached = await cache.get(KEY_PREFIX + createHash('sha256').update(token).digest('base64url'));
      expect(cached).toMatchObject({ active: true, claims: { active: true, sub: 'user-1' } });
      expect(JSON.stringify(cached)).not.toContain(token);
    });

    it('passes cacheTtlMs to the CACHE_MANAGER in milliseconds', async () => {
      const { issuer } = await startFake(scenarios);
      const fake = fakeIntrospection(issuer, AUDIENCE);
      const app = await startApp(
        {
          issuer: issuer.issuer,
          audience: AUDIENCE,
          tokenType: 'opaque',
          introspection: { ...CREDENTIALS, store: 'cache-manager', cacheTtlMs: 300 },
        },
        { controllers: [PrincipalController], imports: [CacheModule.register({ isGlobal: true })] },
      );
      const token = opaqueToken();
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      expect(fake.callsFor(token)).toBe(1);
      await sleep(400);
      expect((await app.http.get('/read').set(bearer(token))).status).toBe(200);
      expect(fake.callsFor(token)).toBe(2);
    });

    it('fails at bootstrap without CacheModule, naming it', async () => {
      await expect(
        startApp(
          {
            issuer: 'https://issuer.example.test/',
            audience: AUDIENCE,
            tokenType: 'opaque',
            introspection: { ...CREDENTIALS, store: 'cache-manager' },
          },
          { listen: false },
        ),
      ).rejects.toThrow(/CacheModule/);
    });
  });

  describe('configuration', () => {
    it.each<[string, Partial<ResourceServerModuleOptions>]>([
      ["tokenType 'opaque' without introspection", { tokenType: 'opaque' }],
      ["tokenType 'auto' without introspection", { tokenType: 'auto' }],
      [
        'introspection without clientSecret',
        { tokenType: 'opaque', introspection: { clientId: 'api', clientSecret: '' } },
      ],
    ])('refuses %s at bootstrap, naming `introspection`', async (_name, options) => {
      await expect(
        startApp({ issuer: 'https://issuer.example.test/', audience: AUDIENCE, ...options }, { listen: false }),
      ).rejects.toThrow(/introspection/);
    });
  });
});
