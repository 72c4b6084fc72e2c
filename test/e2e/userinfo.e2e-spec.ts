/**
 * OpenID Connect Core 1.0 §5.3: the caller's userinfo, fetched with the caller's own access token.
 * §5.3.2 JSON or a JWT signed by the issuer; §5.3.4 a response naming another `sub` is discarded.
 * Answers are cached per token (never past its `exp`), one outbound call serves concurrent requests,
 * failures are never cached, and upstream trouble maps to 502/503/504, a userinfo 401 to invalid_token.
 * Every case gets its own issuer and app, so no cache is shared between cases.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { createHash } from 'node:crypto';
import type { ResourceServerModuleOptions, UserInfoOptions } from 'nestjs-resource-server';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey, type TestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp, type RunningApp, type StartAppOptions } from '../helpers/start-app.js';
import { nowSeconds, signJwt, unsignedToken } from '../helpers/tokens.js';
import {
  json,
  serveUserInfo,
  UserInfoProbeController,
  type FakeUserInfo,
  type UserInfoAnswer,
} from '../helpers/userinfo-app.js';
import { AUDIENCE, minter, sleep, type Claims } from './support.js';

const SUB = 'test-user'; // what mintAccessToken puts in `sub`
const CLIENT_ID = 'test-client'; // and in `client_id`
const PROFILE = { sub: SUB, name: 'Ada Lovelace', email: 'ada@example.test', email_verified: true };
const CACHE_PREFIX = 'nestjs-resource-server:userinfo:';

interface Case {
  readonly issuer: LocalIssuer;
  readonly key: TestKey;
  readonly userinfo: FakeUserInfo;
  readonly app: RunningApp;
  readonly mint: (claims?: Claims) => string;
  /** GET `path` with `token` (default: a freshly minted one). */
  get(path: '/profile' | '/email' | '/service', token?: string): ReturnType<RunningApp['get']>;
}

interface CaseOptions {
  /** A function when the option needs the issuer's URL, known only once it listens. */
  userInfo?: UserInfoOptions | ((issuer: LocalIssuer) => UserInfoOptions);
  app?: Partial<ResourceServerModuleOptions> | ((issuer: LocalIssuer) => Partial<ResourceServerModuleOptions>);
  /** The first answer of the userinfo endpoint (default: PROFILE as JSON). */
  answer?: UserInfoAnswer | ((index: number) => UserInfoAnswer);
  /** Runs once the issuer listens and before the app boots (e.g. to patch the discovery document). */
  beforeApp?: (issuer: LocalIssuer) => void;
  imports?: StartAppOptions['imports'];
}

afterAll(closeAll);

async function start(options: CaseOptions = {}): Promise<Case> {
  const key = generateTestKey('ES256');
  const issuer = await startLocalIssuer({ keys: [key] });
  const userinfo = serveUserInfo(issuer);
  userinfo.answer(options.answer ?? json(PROFILE));
  closeLater({
    close: async () => {
      userinfo.cancelPending();
      await issuer.close();
    },
  });
  options.beforeApp?.(issuer);
  const appOptions = typeof options.app === 'function' ? options.app(issuer) : options.app;
  const userInfo = typeof options.userInfo === 'function' ? options.userInfo(issuer) : options.userInfo;
  const app = await startApp(
    { issuer: issuer.issuer, audience: AUDIENCE, httpTimeoutMs: 2000, ...appOptions, userInfo },
    { controllers: [UserInfoProbeController], imports: options.imports },
  );
  const mint = minter(key, issuer.issuer);
  return { issuer, key, userinfo, app, mint, get: (path, token = mint()) => app.get(path, token) };
}

/** Status and body side by side, so a failing assertion shows what the server said. */
const answerOf = (res: { status: number; body: unknown }) => ({ status: res.status, body: res.body });

describe('userinfo', () => {
  describe('reading it', () => {
    it('@UserInfo() hands the handler the resolved claims, provider extras included', async () => {
      const extras = { phone: '+44 20 7946 0000', phone_verified: true, kyc_status: 'approved' };
      const c = await start({ answer: json({ ...PROFILE, ...extras }) });
      expect(answerOf(await c.get('/profile'))).toEqual({ status: 200, body: { info: { ...PROFILE, ...extras } } });
      expect(c.userinfo.calls).toHaveLength(1);
    });

    it("@UserInfo('email') hands over just that claim", async () => {
      const c = await start();
      expect(answerOf(await c.get('/email'))).toEqual({ status: 200, body: { email: PROFILE.email } });
    });

    it('UserInfoService.get(principal) returns the same claims', async () => {
      const c = await start({ answer: json({ ...PROFILE, kyc_status: 'pending' }) });
      expect(answerOf(await c.get('/service'))).toEqual({
        status: 200,
        body: { info: { ...PROFILE, kyc_status: 'pending' } },
      });
    });

    it("calls the discovered userinfo_endpoint with the caller's own token as a Bearer credential", async () => {
      const c = await start();
      const token = c.mint({ jti: 'call-check' });
      expect((await c.get('/profile', token)).status).toBe(200);
      expect(c.userinfo.calls).toEqual([{ method: 'GET', path: '/userinfo', authorization: `Bearer ${token}` }]);
    });

    it('calls userInfo.endpoint instead when it is set', async () => {
      let configured: FakeUserInfo | undefined;
      const c = await start({
        answer: json({ sub: SUB, name: 'from the discovered endpoint' }),
        beforeApp: (issuer) => {
          configured = serveUserInfo(issuer, '/elsewhere/userinfo');
          configured.answer(json({ sub: SUB, name: 'from the configured endpoint' }));
        },
        userInfo: (issuer) => ({ endpoint: `${issuer.issuer}/elsewhere/userinfo` }),
      });
      const token = c.mint();
      expect(answerOf(await c.get('/profile', token))).toEqual({
        status: 200,
        body: { info: { sub: SUB, name: 'from the configured endpoint' } },
      });
      expect(configured!.calls).toEqual([
        { method: 'GET', path: '/elsewhere/userinfo', authorization: `Bearer ${token}` },
      ]);
      expect(c.userinfo.calls).toHaveLength(0);
    });
  });

  describe('OIDC Core §5.3.4: sub must match the token', () => {
    it("answers 502 and serves none of the other user's claims, then does not cache them", async () => {
      const c = await start({ answer: json({ sub: 'someone-else', name: 'Mallory', email: 'mallory@example.test' }) });
      const token = c.mint();
      for (const path of ['/profile', '/service'] as const) {
        const res = await c.get(path, token);
        expectChallenge(res, { status: 502 });
        expect(res.text).not.toMatch(/mallory|someone-else/i);
      }
      expect(c.userinfo.calls).toHaveLength(2);
    });

    it('answers 502 for a response without sub', async () => {
      const c = await start({ answer: json({ name: 'Nobody' }) });
      expectChallenge(await c.get('/profile'), { status: 502 });
    });
  });

  describe('upstream failures', () => {
    it.each<[string, CaseOptions]>([
      ['userInfo.timeoutMs', { userInfo: { timeoutMs: 200 } }],
      ['httpTimeoutMs (the default of userInfo.timeoutMs)', { app: { httpTimeoutMs: 200 } }],
    ])('answers 504 when the endpoint takes longer than %s', async (_name, options) => {
      const c = await start({ ...options, answer: json(PROFILE, { delayMs: 3000 }) });
      const started = Date.now();
      const res = await c.get('/profile');
      expectChallenge(res, { status: 504 });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(c.userinfo.calls).toHaveLength(1);
    });

    it.each<[string, UserInfoAnswer]>([
      ['500', { status: 500, contentType: 'application/json', body: '{"error":"server_error"}' }],
      ['503', { status: 503, contentType: 'text/plain', body: 'maintenance' }],
      [
        '200 text/html (a login page)',
        { status: 200, contentType: 'text/html; charset=utf-8', body: '<html><body>Sign in</body></html>' },
      ],
      ['200 application/json that is not JSON', { status: 200, contentType: 'application/json', body: 'not json{' }],
      ['200 a JSON array', json([PROFILE])],
      ['200 JSON null', json(null)],
      ['200 application/jwt that is no JWT', { status: 200, contentType: 'application/jwt', body: 'garbage' }],
      ['200 JSON larger than 256 KiB', json({ ...PROFILE, padding: 'x'.repeat(300 * 1024) })],
    ])('answers 502 when the endpoint answers %s', async (_name, answer) => {
      const c = await start({ answer });
      expectChallenge(await c.get('/profile'), { status: 502 });
      expect(c.userinfo.calls).toHaveLength(1);
    });

    it('answers 401 invalid_token when the endpoint rejects the token', async () => {
      const c = await start({
        answer: { status: 401, contentType: 'application/json', body: '{"error":"invalid_token"}' },
      });
      expectChallenge(await c.get('/profile'), { status: 401, error: 'invalid_token' });
      expectChallenge(await c.get('/service'), { status: 401, error: 'invalid_token' });
    });

    it('answers 503 when the discovery document is unreachable (keys configured directly)', async () => {
      const c = await start({
        beforeApp: (issuer) => issuer.setFault('discovery', 'status500'),
        app: (issuer) => ({ jwksUri: issuer.jwksUri, keySet: { retryIntervalMs: 0 } }),
      });
      expectChallenge(await c.get('/profile'), { status: 503 });
      expect(c.userinfo.calls).toHaveLength(0);
    });

    it('does not cache a failure: a 500 then a 200 make two calls and a 200', async () => {
      const c = await start({ answer: (i) => (i === 0 ? { status: 500, body: '{}' } : json(PROFILE)) });
      const token = c.mint();
      expectChallenge(await c.get('/profile', token), { status: 502 });
      expect(answerOf(await c.get('/profile', token))).toEqual({ status: 200, body: { info: PROFILE } });
      expect(c.userinfo.calls).toHaveLength(2);
    });

    it('never hands the token to another origin the endpoint redirects to', async () => {
      const elsewhere = closeLater(await startLocalIssuer());
      const stolen = serveUserInfo(elsewhere, '/collect');
      stolen.answer(json(PROFILE));
      const c = await start({
        // Replaces the fake endpoint's GET route: the discovered endpoint now only redirects.
        beforeApp: (issuer) =>
          issuer.route('GET', '/userinfo', (_req, res) =>
            res.writeHead(302, { location: `${elsewhere.issuer}/collect` }).end(),
          ),
      });
      const token = c.mint();
      const res = await c.get('/profile', token);
      // Redirects are never followed: nothing reaches the other origin, and the answer is a 502.
      expect(stolen.calls).toEqual([]);
      expectChallenge(res, { status: 502 });
    });
  });

  describe('cache', () => {
    it('makes one call for 5 sequential requests with one token, another for another token', async () => {
      const c = await start();
      const first = c.mint();
      for (let i = 0; i < 5; i++) {
        expect(answerOf(await c.get(i % 2 ? '/service' : '/profile', first))).toEqual({
          status: 200,
          body: { info: PROFILE },
        });
      }
      expect(c.userinfo.calls).toHaveLength(1);

      const second = c.mint(); // same user, new jti: another token
      expect((await c.get('/profile', second)).status).toBe(200);
      expect(c.userinfo.calls.map((call) => call.authorization)).toEqual([`Bearer ${first}`, `Bearer ${second}`]);
      expect((await c.get('/email', first)).status).toBe(200);
      expect(c.userinfo.calls).toHaveLength(2);
    });

    it('calls again once cacheTtlMs has passed', async () => {
      const c = await start({ userInfo: { cacheTtlMs: 300 } });
      const token = c.mint();
      expect((await c.get('/profile', token)).status).toBe(200);
      expect((await c.get('/profile', token)).status).toBe(200);
      expect(c.userinfo.calls).toHaveLength(1);
      await sleep(450);
      expect((await c.get('/profile', token)).status).toBe(200);
      expect(c.userinfo.calls).toHaveLength(2);
    });

    it('stops at the token expiry: the guard then refuses it and nothing is fetched', async () => {
      const c = await start({ app: { clockTolerance: 0 } });
      // The cache keeps an answer until a second before exp, and exp is whole seconds: +4 leaves the
      // two requests below at least 2 s of cache life, even on a loaded machine (+2 left 0-1 s).
      const exp = nowSeconds() + 4;
      const token = c.mint({ exp });
      expect((await c.get('/profile', token)).status).toBe(200);
      expect((await c.get('/profile', token)).status).toBe(200);
      expect(c.userinfo.calls).toHaveLength(1);
      await sleep(exp * 1000 - Date.now() + 100);
      expectChallenge(await c.get('/profile', token), { status: 401, error: 'invalid_token' });
      expect(c.userinfo.calls).toHaveLength(1);
    });

    it('does not serve a cached answer past the token expiry, even inside the clock tolerance', async () => {
      const c = await start({ app: { clockTolerance: 10 } });
      const exp = nowSeconds() + 2;
      const token = c.mint({ exp });
      expect((await c.get('/profile', token)).status).toBe(200);
      expect(c.userinfo.calls).toHaveLength(1);
      await sleep(exp * 1000 - Date.now() + 100);
      // Still accepted (tolerance), but the cached userinfo expired with the token.
      expect((await c.get('/profile', token)).status).toBe(200);
      expect(c.userinfo.calls).toHaveLength(2);
    });

    it('single flight: 20 concurrent first requests with one token make one call and get one answer', async () => {
      const c = await start({ answer: json({ ...PROFILE, kyc_status: 'approved' }, { delayMs: 150 }) });
      const token = c.mint();
      const responses = await Promise.all(Array.from({ length: 20 }, () => c.get('/profile', token)));
      expect(responses.map(answerOf)).toEqual(
        Array.from({ length: 20 }, () => ({ status: 200, body: { info: { ...PROFILE, kyc_status: 'approved' } } })),
      );
      expect(c.userinfo.calls).toHaveLength(1);
    });

    it('single flight shares a failure too, and does not keep it: 20 concurrent get 502 from one call', async () => {
      const c = await start({ answer: (i) => (i === 0 ? { status: 500, body: '{}', delayMs: 150 } : json(PROFILE)) });
      const token = c.mint();
      const responses = await Promise.all(Array.from({ length: 20 }, () => c.get('/profile', token)));
      for (const res of responses) expectChallenge(res, { status: 502 });
      expect(c.userinfo.calls).toHaveLength(1);
      expect((await c.get('/profile', token)).status).toBe(200);
      expect(c.userinfo.calls).toHaveLength(2);
    });

    it('single flight is per token: concurrent requests with two tokens make two calls', async () => {
      const c = await start({ answer: json(PROFILE, { delayMs: 150 }) });
      const [a, b] = [c.mint(), c.mint()];
      const responses = await Promise.all([a, b, a, b, a, b].map((token) => c.get('/profile', token)));
      expect(responses.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(c.userinfo.calls.map((call) => call.authorization).sort()).toEqual([`Bearer ${a}`, `Bearer ${b}`].sort());
    });

    it('holds at most cacheMaxEntries answers, evicting the least recently used', async () => {
      const c = await start({ userInfo: { cacheMaxEntries: 2 } });
      const [a, b, d] = [c.mint(), c.mint(), c.mint()];
      for (const token of [a, b, d]) expect((await c.get('/profile', token)).status).toBe(200);
      expect(c.userinfo.calls).toHaveLength(3);
      expect((await c.get('/profile', d)).status).toBe(200); // still cached
      expect(c.userinfo.calls).toHaveLength(3);
      expect((await c.get('/profile', a)).status).toBe(200); // evicted by d
      expect(c.userinfo.calls).toHaveLength(4);
    });
  });

  describe('signed userinfo (application/jwt)', () => {
    const jwt = (body: string): UserInfoAnswer => ({ status: 200, contentType: 'application/jwt', body });

    it("returns the claims of a JWT signed with the issuer's key", async () => {
      const c = await start();
      c.userinfo.answer(
        jwt(signJwt(c.key, { ...PROFILE, iss: c.issuer.issuer, aud: CLIENT_ID, phone: '+1 555 0100' })),
      );
      const res = await c.get('/profile');
      expect(answerOf(res)).toMatchObject({ status: 200, body: { info: { ...PROFILE, phone: '+1 555 0100' } } });
    });

    it('accepts an aud array that includes the client_id, and a JWT without iss/aud', async () => {
      const c = await start();
      c.userinfo.answer((i) =>
        jwt(signJwt(c.key, i === 0 ? { ...PROFILE, iss: c.issuer.issuer, aud: ['other-client', CLIENT_ID] } : PROFILE)),
      );
      expect((await c.get('/profile')).status).toBe(200);
      expect(answerOf(await c.get('/profile'))).toEqual({ status: 200, body: { info: PROFILE } });
    });

    it.each<[string, (c: Case) => string]>([
      [
        'signed with a key the issuer does not publish',
        (c) => signJwt(generateTestKey('ES256'), { ...PROFILE, iss: c.issuer.issuer, aud: CLIENT_ID }),
      ],
      [
        "signed with another key under the issuer key's kid",
        (c) =>
          signJwt(generateTestKey('ES256'), { ...PROFILE, iss: c.issuer.issuer, aud: CLIENT_ID }, { kid: c.key.kid }),
      ],
      [
        'naming another issuer',
        (c) => signJwt(c.key, { ...PROFILE, iss: 'https://evil.example.test', aud: CLIENT_ID }),
      ],
      ['for another client', (c) => signJwt(c.key, { ...PROFILE, iss: c.issuer.issuer, aud: ['other-client'] })],
      [
        'naming another sub',
        (c) => signJwt(c.key, { ...PROFILE, sub: 'someone-else', iss: c.issuer.issuer, aud: CLIENT_ID }),
      ],
      ['with alg none', (c) => unsignedToken({ ...PROFILE, iss: c.issuer.issuer, aud: CLIENT_ID })],
    ])('answers 502 for a JWT %s', async (_name, body) => {
      const c = await start();
      c.userinfo.answer(jwt(body(c)));
      expectChallenge(await c.get('/profile'), { status: 502 });
      expect(c.userinfo.calls).toHaveLength(1);
    });
  });

  describe('tokenClaims', () => {
    const noEndpoint = (issuer: LocalIssuer) => issuer.setMetadata({ userinfo_endpoint: undefined });
    const TOKEN_USER = { name: 'Token Name', email: 'token@example.test', locale: 'en-GB' };
    const TOKEN_ONLY = [
      'iss',
      'aud',
      'exp',
      'iat',
      'nbf',
      'jti',
      'scope',
      'scp',
      'client_id',
      'azp',
      'sid',
      'auth_time',
      'acr',
      'amr',
    ];
    /** A token carrying every token-only claim above besides the user's own claims. */
    const richToken = (c: Case) =>
      c.mint({
        ...TOKEN_USER,
        nbf: nowSeconds() - 10,
        scp: ['read'],
        azp: CLIENT_ID,
        sid: 's-1',
        auth_time: nowSeconds() - 60,
        acr: '1',
        amr: ['pwd'],
      });

    it("'fallback' without a published endpoint: the token's user claims, none of its token claims", async () => {
      const c = await start({ userInfo: { tokenClaims: 'fallback' }, beforeApp: noEndpoint });
      const res = await c.get('/profile', richToken(c));
      expect(answerOf(res)).toEqual({ status: 200, body: { info: { sub: SUB, ...TOKEN_USER } } });
      expect(Object.keys(res.body.info)).toEqual(expect.not.arrayContaining(TOKEN_ONLY));
      expect(answerOf(await c.get('/email', c.mint(TOKEN_USER)))).toEqual({
        status: 200,
        body: { email: TOKEN_USER.email },
      });
      expect(c.userinfo.calls).toHaveLength(0);
    });

    it("'fallback' with a published endpoint: the userinfo alone", async () => {
      const c = await start({ userInfo: { tokenClaims: 'fallback' } });
      expect(answerOf(await c.get('/profile', c.mint(TOKEN_USER)))).toEqual({ status: 200, body: { info: PROFILE } });
      expect(c.userinfo.calls).toHaveLength(1);
    });

    it.each<[string, Record<string, unknown>]>([
      ['no userinfo_endpoint', { userinfo_endpoint: undefined }],
      ['a file: userinfo_endpoint', { userinfo_endpoint: 'file:///etc/passwd' }],
      ['a userinfo_endpoint that is no URL', { userinfo_endpoint: 'not a url' }],
    ])("'ignore' (the default) with %s published: 502 and no call", async (_name, patch) => {
      const c = await start({ beforeApp: (issuer) => issuer.setMetadata(patch) });
      expectChallenge(await c.get('/profile', c.mint(TOKEN_USER)), { status: 502 });
      expect(c.userinfo.calls).toHaveLength(0);
    });

    it("'merge' without a published endpoint: the token's user claims alone", async () => {
      const c = await start({ userInfo: { tokenClaims: 'merge' }, beforeApp: noEndpoint });
      expect(answerOf(await c.get('/profile', richToken(c)))).toEqual({
        status: 200,
        body: { info: { sub: SUB, ...TOKEN_USER } },
      });
    });

    it("'merge': the token's user claims overlaid by the userinfo claims", async () => {
      const c = await start({
        userInfo: { tokenClaims: 'merge' },
        answer: json({ sub: SUB, name: 'Userinfo Name', phone: '+1 555 0100' }),
      });
      const res = await c.get('/profile', c.mint(TOKEN_USER));
      expect(answerOf(res)).toEqual({
        status: 200,
        body: {
          info: {
            sub: SUB,
            name: 'Userinfo Name',
            email: TOKEN_USER.email,
            locale: TOKEN_USER.locale,
            phone: '+1 555 0100',
          },
        },
      });
      expect(c.userinfo.calls).toHaveLength(1);
    });
  });

  describe("store: 'cache-manager'", () => {
    it('keeps the answer in CACHE_MANAGER under a hash of the token, never the token', async () => {
      const c = await start({
        userInfo: { store: 'cache-manager' },
        imports: [CacheModule.register({ isGlobal: true })],
      });
      const exp = nowSeconds() + 60;
      const token = c.mint({ exp });
      expect(answerOf(await c.get('/profile', token))).toEqual({ status: 200, body: { info: PROFILE } });
      expect(answerOf(await c.get('/service', token))).toEqual({ status: 200, body: { info: PROFILE } });
      expect(c.userinfo.calls).toHaveLength(1);

      const cache = c.app.app.get<Cache>(CACHE_MANAGER);
      const keys: string[] = [];
      for (const store of cache.stores) {
        for await (const [key] of store.iterator!(undefined)) keys.push(String(key));
      }
      const expected = CACHE_PREFIX + createHash('sha256').update(token).digest('base64url');
      expect(keys).toEqual([expected]);
      expect(keys[0]).not.toContain(token);
      expect(await cache.get(expected)).toEqual(PROFILE);
      // TTL never past the token's exp (default cacheTtlMs is 5 min, the token lives 60 s).
      expect(await cache.ttl(expected)).toBeLessThanOrEqual(exp * 1000);
    });

    it('refuses to bootstrap without a registered CACHE_MANAGER, naming CacheModule', async () => {
      await expect(
        startApp(
          { issuer: 'https://id.example.test', audience: AUDIENCE, userInfo: { store: 'cache-manager' } },
          { controllers: [UserInfoProbeController], listen: false },
        ),
      ).rejects.toThrow(/CacheModule/);
    });
  });
});
