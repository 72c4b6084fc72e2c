/**
 * RFC 6749 §3.3 scopes (space-delimited, case-sensitive, matched exactly), RFC 9068 §2.2.3 `scope`,
 * the `scp` claim (string or array) and custom claims (Auth0 `permissions`). A missing scope is 403
 * insufficient_scope naming what the route requires (RFC 6750 §3.1); a malformed scope claim is a
 * bad token (401). Also what `@Principal()` hands the handler.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { nowSeconds } from '../helpers/tokens.js';
import { AUDIENCE, bearer, challengeScopes, minter, type Claims } from './support.js';

const READ = 'read:messages';
const ADMIN = 'admin:messages';

describe('scopes', () => {
  const key = generateTestKey('PS256');
  let issuer: LocalIssuer;
  let app: RunningApp; // scopeClaims: ['scope', 'scp'] (default)
  let auth0: RunningApp; // scopeClaims: ['permissions']
  let mint: ReturnType<typeof minter>;
  /** GET `path` on `target` with a token carrying `claims` (no default `scope`). */
  const get = (path: string, claims: Claims, target = () => app) =>
    target()
      .http.get(path)
      .set(bearer(mint({ scope: undefined, ...claims })));

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    mint = minter(key, issuer.issuer);
    app = await startApp({ issuer: issuer.issuer, audience: AUDIENCE });
    auth0 = await startApp({ issuer: issuer.issuer, audience: AUDIENCE, scopeClaims: ['permissions'] });
  });

  afterAll(async () => {
    await Promise.all([app?.close(), auth0?.close()]);
    await issuer?.close();
  });

  describe(`@Scopes('${READ}') on GET /read`, () => {
    it.each<[string, Claims]>([
      ['scope string', { scope: READ }],
      ['scope string among others', { scope: `openid ${READ} profile` }],
      ['scope with doubled spaces', { scope: `openid  ${READ}` }],
      ['scp array', { scp: [READ] }],
      ['scp string', { scp: READ }],
      ['scope and scp together (union)', { scope: 'openid', scp: [READ] }],
    ])('accepts the scope in a %s', async (_name, claims) => {
      const res = await get('/read', claims);
      expect([res.status, res.body]).toEqual([200, { ok: true }]);
    });

    it.each<[string, Claims]>([
      ['no scope claim', {}],
      ['an empty scope', { scope: '' }],
      ['an empty scp array', { scp: [] }],
      ['"read" (a prefix)', { scope: 'read' }],
      ['"read:message" (a prefix)', { scope: 'read:message' }],
      ['"read:messages:extra" (an extension)', { scope: `${READ}:extra` }],
      ['"xread:messages"', { scope: `x${READ}` }],
      ['"Read:Messages" (case)', { scope: 'Read:Messages' }],
      ['"READ:MESSAGES" (case)', { scope: READ.toUpperCase() }],
      ['"read:*" (no wildcards)', { scope: 'read:*' }],
      ['a comma-separated list', { scope: `${READ},${ADMIN}` }],
      ['a tab-separated list (only spaces separate)', { scope: `${ADMIN}\t${READ}` }],
      ['an scp element holding two scopes', { scp: [`${ADMIN} ${READ}`] }],
      ['only other scopes', { scope: `${ADMIN} write:messages` }],
    ])('answers %s with 403 scope="read:messages"', async (_name, claims) => {
      expectChallenge(await get('/read', claims), { status: 403, error: 'insufficient_scope', scope: READ });
    });

    it('answers a bad token with 401 before looking at scopes', async () => {
      expectChallenge(await get('/read', { scope: READ, exp: nowSeconds() - 60 }), {
        status: 401,
        error: 'invalid_token',
      });
    });
  });

  describe('several scopes', () => {
    it.each<[string, string, Claims]>([
      ['/admin', 'both scopes', { scope: `${READ} ${ADMIN}` }],
      ['/admin', 'both scopes across scope and scp', { scope: READ, scp: [ADMIN] }],
      ['/any', 'read only', { scope: READ }],
      ['/any', 'admin only', { scope: ADMIN }],
      ['/any', 'both', { scp: [ADMIN, READ] }],
      ['/scoped/both', 'class and handler scopes', { scope: `${ADMIN} ${READ}` }],
    ])('GET %s accepts %s', async (path, _name, claims) => {
      expect((await get(path, claims)).status).toBe(200);
    });

    it.each<[string, Claims]>([
      ['read only', { scope: READ }],
      ['admin only', { scope: ADMIN }],
      ['none', {}],
    ])('GET /admin (all of read + admin) answers %s with 403 naming both', async (_name, claims) => {
      expectChallenge(await get('/admin', claims), {
        status: 403,
        error: 'insufficient_scope',
        scope: `${READ} ${ADMIN}`,
      });
    });

    it.each<[string, Claims]>([
      ['no scope', {}],
      ['an unrelated scope', { scope: 'write:messages' }],
      ['a near miss', { scope: 'read admin' }],
    ])('GET /any (read or admin) answers %s with 403 naming both', async (_name, claims) => {
      const res = await get('/any', claims);
      expectChallenge(res, { status: 403, error: 'insufficient_scope' });
      expect(challengeScopes(res.headers)).toEqual([ADMIN, READ]);
    });

    it.each<[string, Claims]>([
      ['the class scope only', { scope: READ }],
      ['the handler scope only', { scope: ADMIN }],
    ])('GET /scoped/both (class + handler) answers %s with 403 naming both', async (_name, claims) => {
      const res = await get('/scoped/both', claims);
      expectChallenge(res, { status: 403, error: 'insufficient_scope' });
      expect(challengeScopes(res.headers)).toEqual([ADMIN, READ]);
    });

    it('POST /write answers a read-only token with 403 scope="write:messages"', async () => {
      const res = await app.http.post('/write').set(bearer(mint({ scope: READ })));
      expectChallenge(res, { status: 403, error: 'insufficient_scope', scope: 'write:messages' });
    });

    it('POST /write accepts write:messages', async () => {
      expect((await app.http.post('/write').set(bearer(mint({ scope: 'write:messages' })))).status).toBe(201);
    });
  });

  describe('malformed scope claims are bad tokens', () => {
    it.each<[string, Claims]>([
      ['scope as a number', { scope: 42 }],
      ['scope as an object', { scope: { read: true } }],
      ['scp as an object', { scp: { 0: READ } }],
      ['scp with a number', { scp: [READ, 42] }],
      ['scope null', { scope: null }],
    ])('answers %s with 401 invalid_token, even on a route without scopes', async (_name, claims) => {
      expectChallenge(await get('/me', claims), { status: 401, error: 'invalid_token' });
    });
  });

  describe("scopeClaims: ['permissions'] (Auth0)", () => {
    const onAuth0 = () => auth0;

    it.each<[string, string, Claims]>([
      ['/read', 'a permissions array', { permissions: [READ] }],
      ['/admin', 'a permissions string', { permissions: `${READ} ${ADMIN}` }],
    ])('GET %s accepts %s', async (path, _name, claims) => {
      expect((await get(path, claims, onAuth0)).status).toBe(200);
    });

    it('no longer reads scope: 403', async () => {
      expectChallenge(await get('/read', { scope: READ }, onAuth0), {
        status: 403,
        error: 'insufficient_scope',
        scope: READ,
      });
    });

    it('answers malformed permissions with 401', async () => {
      expectChallenge(await get('/me', { permissions: 5 }, onAuth0), { status: 401, error: 'invalid_token' });
    });

    it('hands the permissions to @Principal() as scopes', async () => {
      const res = await get('/me', { permissions: [READ, ADMIN], scope: 'openid' }, onAuth0);
      expect(res.body.scopes).toEqual([READ, ADMIN]);
    });
  });

  describe('@Principal() on GET /me (no scope required)', () => {
    it('accepts a token without any scope', async () => {
      const res = await get('/me', {});
      expect([res.status, res.body.scopes]).toEqual([200, []]);
    });

    it('hands the handler subject, scopes (deduplicated, in order) and client id', async () => {
      const token = mint({ sub: 'alice', scope: `openid ${READ} openid`, scp: [ADMIN, READ], client_id: 'web-app' });
      const res = await app.http.get('/me').set(bearer(token));
      expect([res.status, res.body]).toEqual([
        200,
        { sub: 'alice', scopes: ['openid', READ, ADMIN], clientId: 'web-app', tokenLength: token.length },
      ]);
    });

    it('falls back to azp for the client id', async () => {
      const res = await get('/me', { client_id: undefined, azp: 'spa' });
      expect(res.body.clientId).toBe('spa');
    });
  });
});
