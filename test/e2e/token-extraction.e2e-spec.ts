/**
 * RFC 6750 §2: where the bearer token travels (Authorization header always; form body §2.2 and
 * query §2.3 only when configured), the one-token rule, and §3.1's answers: bare 401 for no token,
 * 400 invalid_request for a malformed request, 401 invalid_token for an oversized token.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { AUDIENCE, bearer, minter } from './support.js';

const FORM = 'application/x-www-form-urlencoded';

describe('token extraction', () => {
  let issuer: LocalIssuer;
  let headerOnly: RunningApp; // defaults: Authorization header only
  let everywhere: RunningApp; // tokenLocations: ['body', 'query']
  let orders: RunningApp; // realm 'orders'
  let mint: ReturnType<typeof minter>;

  beforeAll(async () => {
    const key = generateTestKey('RS256');
    issuer = await startLocalIssuer({ keys: [key] });
    mint = minter(key, issuer.issuer);
    headerOnly = await startApp({ issuer: issuer.issuer, audience: AUDIENCE });
    everywhere = await startApp({ issuer: issuer.issuer, audience: AUDIENCE, tokenLocations: ['body', 'query'] });
    orders = await startApp({ issuer: issuer.issuer, audience: AUDIENCE, realm: 'orders' });
  });

  afterAll(async () => {
    await Promise.all([headerOnly?.close(), everywhere?.close(), orders?.close()]);
    await issuer?.close();
  });

  describe('Authorization header', () => {
    it('answers a request without a token with a bare 401 challenge', async () => {
      expectChallenge(await headerOnly.http.get('/me'), { status: 401, realm: 'api' });
    });

    it('names the configured realm in the challenge', async () => {
      expectChallenge(await orders.http.get('/me'), { status: 401, realm: 'orders' });
    });

    it('lets public routes through without a token', async () => {
      const res = await headerOnly.http.get('/open');
      expect([res.status, res.body]).toEqual([200, { open: true }]);
    });

    it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])(
      'accepts the scheme spelled %s (case-insensitive)',
      async (scheme) => {
        const res = await headerOnly.http.get('/me').set('Authorization', `${scheme} ${mint()}`);
        expect([res.status, res.body.sub]).toEqual([200, 'test-user']);
      },
    );

    it('accepts several spaces between scheme and token', async () => {
      expect((await headerOnly.http.get('/me').set('Authorization', `Bearer   ${mint()}`)).status).toBe(200);
    });

    it.each([
      ['Basic', 'Basic dXNlcjpwYXNzd29yZA=='],
      ['DPoP', 'DPoP eyJhbGciOiJFUzI1NiJ9.e30.c2ln'],
      ['Digest', 'Digest username="u", realm="api"'],
      ['a scheme that merely starts with Bearer', 'Bearerish abc'],
    ])('treats another scheme (%s) as no token: bare 401', async (_name, value) => {
      expectChallenge(await headerOnly.http.get('/me').set('Authorization', value), { status: 401 });
    });

    it.each([
      ['Bearer alone', 'Bearer'],
      ['two credentials', 'Bearer abc def'],
      ['a quote', 'Bearer tok"en'],
      ['a comma', 'Bearer tok,en'],
      ['"=" before the end', 'Bearer tok=en'],
      ['a non-ASCII character', 'Bearer tok\u00e9en'],
    ])('answers a malformed Authorization header (%s) with 400 invalid_request', async (_name, value) => {
      expectChallenge(await headerOnly.http.get('/me').set('Authorization', value), {
        status: 400,
        error: 'invalid_request',
      });
    });

    it('accepts the b64token alphabet including trailing "=" (then judges the token itself)', async () => {
      // A syntactically fine credential that is no JWT is a bad token, not a bad request.
      const res = await headerOnly.http.get('/me').set('Authorization', 'Bearer abc-._~+/def==');
      expectChallenge(res, { status: 401, error: 'invalid_token' });
    });
  });

  describe('query and form body are off by default', () => {
    it('ignores ?access_token= without tokenLocations: bare 401', async () => {
      expectChallenge(await headerOnly.http.get('/me').query({ access_token: mint() }), { status: 401 });
    });

    it('ignores a form-body access_token without tokenLocations: bare 401', async () => {
      const res = await headerOnly.http
        .post('/write')
        .type(FORM)
        .send({ access_token: mint({ scope: 'write:messages' }) });
      expectChallenge(res, { status: 401 });
    });

    it('uses the header and disregards an ignored query parameter', async () => {
      const res = await headerOnly.http.get('/me').query({ access_token: 'ignored' }).set(bearer(mint()));
      expect(res.status).toBe(200);
    });
  });

  describe("tokenLocations: ['body', 'query']", () => {
    it('accepts ?access_token=', async () => {
      const res = await everywhere.http.get('/me').query({ access_token: mint() });
      expect([res.status, res.body.sub]).toEqual([200, 'test-user']);
    });

    it('accepts a form-encoded access_token on POST', async () => {
      const res = await everywhere.http
        .post('/write')
        .type(FORM)
        .send({ access_token: mint({ scope: 'write:messages' }) });
      expect([res.status, res.body]).toEqual([201, { ok: true }]);
    });

    it('applies scopes to a body token like to any other', async () => {
      const res = await everywhere.http
        .post('/write')
        .type(FORM)
        .send({ access_token: mint({ scope: 'read:messages' }) });
      expectChallenge(res, { status: 403, error: 'insufficient_scope', scope: 'write:messages' });
    });

    it('ignores access_token in a JSON body (§2.2 is form-encoded only)', async () => {
      const res = await everywhere.http
        .post('/write')
        .type('json')
        .send({ access_token: mint({ scope: 'write:messages' }) });
      expectChallenge(res, { status: 401 });
    });

    it('still answers no token at all with a bare 401', async () => {
      expectChallenge(await everywhere.http.get('/me'), { status: 401 });
    });

    it.each([
      ['header + query', (t: string) => everywhere.http.get('/me').set(bearer(t)).query({ access_token: t })],
      [
        'header + body',
        (t: string) => everywhere.http.post('/write').set(bearer(t)).type(FORM).send({ access_token: t }),
      ],
      [
        'query + body',
        (t: string) => everywhere.http.post('/write').query({ access_token: t }).type(FORM).send({ access_token: t }),
      ],
      ['query twice', (t: string) => everywhere.http.get(`/me?access_token=${t}&access_token=${t}`)],
      [
        'body twice',
        (t: string) => everywhere.http.post('/write').type(FORM).send(`access_token=${t}&access_token=${t}`),
      ],
    ])('answers two tokens (%s) with 400 invalid_request', async (_name, send) => {
      expectChallenge(await send(mint({ scope: 'write:messages' })), { status: 400, error: 'invalid_request' });
    });

    it.each([
      ['empty', ''],
      ['with a space', 'abc def'],
      ['with a quote', 'abc"def'],
    ])('answers a malformed access_token parameter (%s) with 400 invalid_request', async (_name, value) => {
      expectChallenge(await everywhere.http.get('/me').query({ access_token: value }), {
        status: 400,
        error: 'invalid_request',
      });
    });
  });

  describe('maxTokenLength (default 8192)', () => {
    let cold: LocalIssuer;
    let app: RunningApp;
    let mintCold: ReturnType<typeof minter>;

    beforeAll(async () => {
      const key = generateTestKey('ES256');
      cold = await startLocalIssuer({ keys: [key] });
      mintCold = minter(key, cold.issuer);
      app = await startApp({ issuer: cold.issuer, audience: AUDIENCE });
    });

    afterAll(async () => {
      await app?.close();
      await cold?.close();
    });

    /** A valid token padded with a junk claim to exactly `length` characters. */
    function tokenOfLength(length: number): string {
      const base = mintCold({ pad: '' }).length;
      // Each 3 bytes of claim text become 4 base64url characters of payload.
      const token = mintCold({ pad: 'x'.repeat(Math.floor(((length - base) * 3) / 4)) });
      expect(Math.abs(token.length - length)).toBeLessThanOrEqual(4);
      return token;
    }

    it('refuses a longer, validly signed token with 401 invalid_token before fetching any key', async () => {
      const token = tokenOfLength(8300);
      expect(token.length).toBeGreaterThan(8192);
      expectChallenge(await app.http.get('/me').set(bearer(token)), { status: 401, error: 'invalid_token' });
      expect({ discovery: cold.counts.discovery, jwks: cold.counts.jwks }).toEqual({ discovery: 0, jwks: 0 });
    });

    it('accepts a token just under the limit', async () => {
      const token = tokenOfLength(8180);
      expect(token.length).toBeLessThanOrEqual(8192);
      expect((await app.http.get('/me').set(bearer(token))).status).toBe(200);
    });

    it('honours a custom maxTokenLength', async () => {
      const small = await startApp({ issuer: cold.issuer, audience: AUDIENCE, maxTokenLength: 200 });
      try {
        expectChallenge(await small.http.get('/me').set(bearer(mintCold())), { status: 401, error: 'invalid_token' });
      } finally {
        await small.close();
      }
    });
  });
});
