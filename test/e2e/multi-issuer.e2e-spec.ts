/**
 * Several trusted issuers (`issuers: [...]`) and the `{tenantid}` issuer template: the issuer is
 * picked from the token's `iss` among configured ones only, before any network call; each issuer
 * has its own discovery, key set, audience and token rules; a key of one issuer never verifies a
 * token claiming another. Request counters of real local issuers prove what was (not) fetched.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get } from '@nestjs/common';
import {
  Principal,
  Roles,
  Scopes,
  type ResourceServerModuleOptions,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey, type TestKey } from '../helpers/keys.js';
import { closeAll, startApp, type RunningApp } from '../helpers/start-app.js';
import { startTenantIssuers, type TenantIssuerServer } from '../helpers/tenant-issuer-server.js';
import { mintAccessToken, nowSeconds } from '../helpers/tokens.js';

// Entra-style tenant ids: GUIDs, as tokens name them in iss and tid.
const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';
const T3 = '33333333-3333-4333-8333-333333333333';

const AUD_A = 'https://api-a.example.test';
const AUD_B = 'https://api-b.example.test';
const AUD_C = 'https://api-c.example.test';
const AUD_C2 = 'https://api-c2.example.test';
const AUD_T = 'api://tenant-app';

@Controller()
class ProbeController {
  @Get('me')
  me(@Principal() p: VerifiedPrincipal) {
    return { issuer: p.issuer, subject: p.subject, scopes: p.scopes, roles: p.roles, tenant: p.tenant ?? null };
  }

  @Scopes('read')
  @Get('scoped')
  scoped() {
    return { ok: true };
  }

  @Roles('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }
}

/** The probe app above; invalid options reject here, at bootstrap. */
const startProbe = (options: ResourceServerModuleOptions, listen = true): Promise<RunningApp> =>
  startApp(options, { controllers: [ProbeController], listen });

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('several issuers', () => {
  // A: ES256 only, but its key set also holds an RS256 key (to prove its allow-list, not its keys, refuses RS256).
  const keyA = generateTestKey('ES256');
  const keyArs = generateTestKey('RS256');
  // B: RS256 and ES256 keys, plus a key of its own that reuses A's kid.
  const keyB = generateTestKey('RS256');
  const keyBes = generateTestKey('ES256');
  const keyBtwin = generateTestKey('ES256', { kid: keyA.kid });
  // C: EdDSA only.
  const keyC = generateTestKey('EdDSA');
  // Never configured: a real, reachable issuer nobody trusts.
  const keyRogue = generateTestKey('ES256');

  let A: LocalIssuer;
  let B: LocalIssuer;
  let C: LocalIssuer;
  let rogue: LocalIssuer;
  let tenants: TenantIssuerServer;

  const mintA = (claims: Record<string, unknown> = {}, key: TestKey = keyA, header?: Record<string, unknown>) =>
    mintAccessToken(key, { iss: A.issuer, aud: AUD_A, ...claims }, header);
  const mintB = (claims: Record<string, unknown> = {}, key: TestKey = keyB, header?: Record<string, unknown>) =>
    mintAccessToken(key, { iss: B.issuer, aud: AUD_B, ...claims }, header);
  const mintC = (claims: Record<string, unknown> = {}, key: TestKey = keyC) =>
    mintAccessToken(key, { iss: C.issuer, aud: AUD_C, ...claims });

  /** The three trusted issuers, with top-level defaults some of them override. */
  const mainOptions = (): ResourceServerModuleOptions => ({
    clockTolerance: 60,
    scopeClaims: ['scp'],
    roleClaims: ['groups'],
    issuers: [
      { issuer: A.issuer, audience: AUD_A, algorithms: ['ES256'], clockTolerance: 0 },
      { issuer: B.issuer, audience: AUD_B, scopeClaims: ['scope'], roleClaims: ['realm_access.roles'] },
      { issuer: C.issuer, audience: [AUD_C, AUD_C2], algorithms: ['EdDSA'] },
    ],
  });

  const allIssuers = () => [A, B, C, rogue];
  const resetAll = () => allIssuers().forEach((i) => i.resetCounts());
  const snapshot = () => ({ A: { ...A.counts }, B: { ...B.counts }, C: { ...C.counts }, rogue: { ...rogue.counts } });
  const zero = { discovery: 0, jwks: 0, userinfo: 0, introspection: 0, other: 0 };

  let main: RunningApp;

  beforeAll(async () => {
    [A, B, C, rogue] = await Promise.all([
      startLocalIssuer({ keys: [keyA, keyArs] }),
      startLocalIssuer({ keys: [keyB, keyBes, keyBtwin] }),
      startLocalIssuer({ keys: [keyC] }),
      startLocalIssuer({ keys: [keyRogue] }),
    ]);
    main = await startProbe(mainOptions());
  });

  afterAll(async () => {
    await closeAll();
    await Promise.all([A, B, C, rogue, tenants].map((s) => s?.close()));
  });

  describe('each issuer is trusted for its own tokens', () => {
    it.each([
      ['A (ES256)', () => mintA({ sub: 'alice' }), () => A.issuer, 'alice'],
      ['B (RS256)', () => mintB({ sub: 'bob' }), () => B.issuer, 'bob'],
      ['B (its ES256 key)', () => mintB({ sub: 'bob' }, keyBes), () => B.issuer, 'bob'],
      ['C (EdDSA)', () => mintC({ sub: 'carol' }), () => C.issuer, 'carol'],
    ])('accepts a token of %s and names that issuer on the principal', async (_name, token, issuer, subject) => {
      const res = await main.get('/me', token());
      expect({ status: res.status, issuer: res.body.issuer, subject: res.body.subject }).toEqual({
        status: 200,
        issuer: issuer(),
        subject,
      });
    });

    it('fetches discovery and the key set of each issuer from that issuer only, once', async () => {
      resetAll();
      const app = await startProbe(mainOptions());
      for (const token of [mintA(), mintB(), mintC(), mintA(), mintB(), mintC()]) {
        expect((await app.get('/me', token)).status).toBe(200);
      }
      const once = { ...zero, discovery: 1, jwks: 1 };
      expect(snapshot()).toEqual({ A: once, B: once, C: once, rogue: zero });
    });
  });

  describe('a key of one issuer never verifies a token claiming another', () => {
    it("refuses iss A signed by B's key with B's kid: A's key set fetched at most once, B's never", async () => {
      resetAll();
      const app = await startProbe(mainOptions());
      const forged = mintA({}, keyBes); // ES256, which A allows; header kid is B's
      for (let i = 0; i < 3; i++)
        expectChallenge(await app.get('/me', forged), { status: 401, error: 'invalid_token' });
      const after = snapshot();
      expect(after.A.jwks).toBeLessThanOrEqual(1);
      expect({ B: after.B, C: after.C, rogue: after.rogue }).toEqual({ B: zero, C: zero, rogue: zero });
      // A's own tokens still work and B's key set is fetched only once B's own token asks for it.
      expect((await app.get('/me', mintA())).status).toBe(200);
      expect((await app.get('/me', mintB({}, keyBes))).status).toBe(200);
      expect(B.counts.jwks).toBe(1);
    });

    it("refuses iss A signed by A's key with a kid that exists only at B", async () => {
      resetAll();
      const app = await startProbe(mainOptions());
      const token = mintA({}, keyA, { kid: keyBes.kid });
      expectChallenge(await app.get('/me', token), { status: 401, error: 'invalid_token' });
      expect(A.counts.jwks).toBeLessThanOrEqual(1);
      expect(B.counts).toEqual(zero);
    });

    it("refuses iss A signed by B's key that reuses A's kid (A's own key is used, the signature fails)", async () => {
      const token = mintA({}, keyBtwin);
      expect(keyBtwin.kid).toBe(keyA.kid);
      expectChallenge(await main.get('/me', token), { status: 401, error: 'invalid_token' });
      // The same key is good for B: only the issuer the token claims decides which key set counts.
      expect((await main.get('/me', mintB({}, keyBtwin))).status).toBe(200);
      expectChallenge(await main.get('/me', mintB({}, keyA)), { status: 401, error: 'invalid_token' });
    });
  });

  describe('an untrusted issuer costs no network call', () => {
    it.each([
      ['a reachable issuer that is not configured', () => mintAccessToken(keyRogue, { iss: rogue.issuer, aud: AUD_A })],
      ['A with a trailing slash', () => mintA({ iss: `${A.issuer}/` })],
      ['A upper-cased', () => mintA({ iss: A.issuer.toUpperCase() })],
      ['an https issuer nobody configured', () => mintA({ iss: 'https://evil.example.test' })],
      ['no iss at all', () => mintA({ iss: undefined })],
      ['a non-string iss', () => mintA({ iss: 42 })],
      ['an array of trusted issuers', () => mintA({ iss: [A.issuer] })],
    ])('refuses %s with 401 and zero requests to every issuer', async (_name, token) => {
      resetAll();
      const app = await startProbe(mainOptions());
      expectChallenge(await app.get('/me', token()), { status: 401, error: 'invalid_token' });
      expect(snapshot()).toEqual({ A: zero, B: zero, C: zero, rogue: zero });
    });
  });

  describe('per-issuer audience', () => {
    it.each([
      ["A's token with B's audience", () => mintA({ aud: AUD_B })],
      ["B's token with A's audience", () => mintB({ aud: AUD_A })],
      ["C's token with A's audience", () => mintC({ aud: AUD_A })],
    ])('refuses %s with 401 invalid_token', async (_name, token) => {
      expectChallenge(await main.get('/me', token()), { status: 401, error: 'invalid_token' });
    });

    it("accepts any audience of the issuer's own list, and a list naming the right one", async () => {
      expect((await main.get('/me', mintC({ aud: AUD_C2 }))).status).toBe(200);
      expect((await main.get('/me', mintA({ aud: [AUD_B, AUD_A] }))).status).toBe(200);
    });
  });

  describe('per-issuer algorithms', () => {
    it("refuses an RS256 token of A signed by A's own published RS256 key, before any request, while B takes RS256", async () => {
      resetAll();
      const app = await startProbe(mainOptions());
      expectChallenge(await app.get('/me', mintA({}, keyArs)), { status: 401, error: 'invalid_token' });
      expect(A.counts).toEqual(zero);
      expect((await app.get('/me', mintB({}, keyB))).status).toBe(200);
    });

    it('refuses an ES256 token for C (EdDSA only) and an EdDSA token for A (ES256 only)', async () => {
      expectChallenge(await main.get('/me', mintC({}, keyA)), { status: 401, error: 'invalid_token' });
      expectChallenge(await main.get('/me', mintA({}, keyC)), { status: 401, error: 'invalid_token' });
    });
  });

  describe('per-issuer token rules over the top-level defaults', () => {
    it('A reads scopes and roles from the defaults (scp, groups)', async () => {
      const res = await main.get(
        '/me',
        mintA({ scope: 'write', scp: 'read', groups: ['admin'], realm_access: { roles: ['ops'] } }),
      );
      expect({ status: res.status, scopes: res.body.scopes, roles: res.body.roles }).toEqual({
        status: 200,
        scopes: ['read'],
        roles: ['admin'],
      });
    });

    it('B reads them from its own scopeClaims and roleClaims (scope, realm_access.roles)', async () => {
      const res = await main.get(
        '/me',
        mintB({ scope: 'write', scp: 'read', groups: ['admin'], realm_access: { roles: ['ops'] } }),
      );
      expect({ status: res.status, scopes: res.body.scopes, roles: res.body.roles }).toEqual({
        status: 200,
        scopes: ['write'],
        roles: ['ops'],
      });
    });

    it('route checks follow the issuer: the same claims pass for one issuer and fail for the other', async () => {
      const scopeOnly = { scope: 'read', scp: undefined };
      expect((await main.http.get('/scoped').set(bearer(mintB(scopeOnly)))).status).toBe(200);
      expectChallenge(await main.http.get('/scoped').set(bearer(mintA(scopeOnly))), {
        status: 403,
        error: 'insufficient_scope',
        scope: 'read',
      });
      const groupsAdmin = { groups: ['admin'] };
      expect((await main.http.get('/admin').set(bearer(mintA(groupsAdmin)))).status).toBe(200);
      expectChallenge(await main.http.get('/admin').set(bearer(mintB(groupsAdmin))), { status: 403 });
      expect((await main.http.get('/admin').set(bearer(mintB({ realm_access: { roles: ['admin'] } })))).status).toBe(
        200,
      );
    });

    it("provider: the top-level preset is each entry's default, an entry's own preset wins", async () => {
      const app = await startProbe({
        provider: 'keycloak',
        issuers: [
          { issuer: A.issuer, audience: AUD_A },
          { issuer: B.issuer, audience: AUD_B, provider: 'okta' },
        ],
      });
      const claims = {
        scope: 'kc-scope',
        scp: ['okta-scope'],
        realm_access: { roles: ['kc-role'] },
        groups: ['okta-group'],
      };
      const [a, b] = [await app.get('/me', mintA(claims)), await app.get('/me', mintB(claims))];
      expect([a.status, a.body.scopes, a.body.roles, b.status, b.body.scopes, b.body.roles]).toEqual([
        200,
        ['kc-scope'],
        ['kc-role'],
        200,
        ['okta-scope'],
        ['okta-group'],
      ]);
    });

    it("clockTolerance: A's own 0 s wins over the top-level 60 s, which B inherits", async () => {
      const expired30sAgo = { exp: nowSeconds() - 30, iat: nowSeconds() - 330 };
      expectChallenge(await main.get('/me', mintA(expired30sAgo)), { status: 401, error: 'invalid_token' });
      expect((await main.get('/me', mintB(expired30sAgo))).status).toBe(200);
    });
  });

  describe("one issuer's outage", () => {
    it("leaves the other alone: A's JWKS down answers A's tokens 503 and B's tokens 200", async () => {
      resetAll();
      const app = await startProbe(mainOptions());
      A.setFault('jwks', 'status500');
      try {
        const a = await app.get('/me', mintA());
        expectChallenge(a, { status: 503 });
        expect(a.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        expect((await app.get('/me', mintB())).status).toBe(200);
        expect((await app.get('/me', mintC())).status).toBe(200);
        expect(A.counts.jwks).toBeGreaterThanOrEqual(1);
      } finally {
        A.setFault('jwks', 'ok');
      }
    });
  });

  describe('{tenantid} issuer template', () => {
    const keyT1 = generateTestKey('RS256');
    const keyT2 = generateTestKey('RS256');
    const keyT3 = generateTestKey('RS256');
    let app: RunningApp;
    const mintT = (tenant: string, claims: Record<string, unknown> = {}, key: TestKey = keyT1) =>
      mintAccessToken(key, { iss: tenants.issuerOf(tenant), aud: AUD_T, tid: tenant, ...claims });

    beforeAll(async () => {
      // t3 is served (a real tenant of the provider) but not allowed by this API.
      tenants = await startTenantIssuers({ [T1]: [keyT1], [T2]: [keyT2], [T3]: [keyT3] });
      app = await startProbe({ issuers: [{ issuer: tenants.template, tenants: [T1, T2], audience: AUD_T }] });
    });

    it('accepts each allowed tenant, fetching discovery and keys at that tenant only', async () => {
      tenants.resetCounts();
      const r1 = await app.get('/me', mintT(T1, {}, keyT1));
      const r2 = await app.get('/me', mintT(T2, {}, keyT2));
      expect([r1.status, r1.body.issuer, r1.body.tenant, r2.status, r2.body.issuer, r2.body.tenant]).toEqual([
        200,
        tenants.issuerOf(T1),
        T1,
        200,
        tenants.issuerOf(T2),
        T2,
      ]);
      expect([tenants.counts(T1), tenants.counts(T2), tenants.counts(T3)]).toEqual([
        { discovery: 1, jwks: 1, other: 0 },
        { discovery: 1, jwks: 1, other: 0 },
        { discovery: 0, jwks: 0, other: 0 },
      ]);
    });

    it.each([
      ['tid naming the other allowed tenant', () => mintT(T1, { tid: T2 })],
      ['no tid', () => mintT(T1, { tid: undefined })],
      ['a non-string tid', () => mintT(T1, { tid: [T1] })],
    ])('refuses a t1 token with %s (401)', async (_name, token) => {
      expectChallenge(await app.get('/me', token()), { status: 401, error: 'invalid_token' });
    });

    it("refuses a t1 token signed by t2's key (t2's kid) without asking t2", async () => {
      await app.get('/me', mintT(T1)); // t1's keys are loaded
      tenants.resetCounts();
      expectChallenge(await app.get('/me', mintT(T1, { tid: T1 }, keyT2)), { status: 401, error: 'invalid_token' });
      expect(tenants.counts(T2)).toEqual({ discovery: 0, jwks: 0, other: 0 });
    });

    it.each([
      ['a tenant not in the list (served by the provider)', () => mintT(T3, {}, keyT3)],
      ['the literal template as iss', () => mintAccessToken(keyT1, { iss: tenants.template, aud: AUD_T, tid: T1 })],
      ['an allowed tenant in another case', () => mintT('T1', { tid: 'T1' })],
    ])('refuses %s with 401 and zero requests', async (_name, token) => {
      tenants.resetCounts();
      expectChallenge(await app.get('/me', token()), { status: 401, error: 'invalid_token' });
      expect(tenants.total()).toBe(0);
    });
  });

  describe('configuration errors stop the bootstrap', () => {
    const https = (name: string) => `https://${name}.example.test`;
    it.each<[string, () => ResourceServerModuleOptions, string[]]>([
      [
        'both issuer and issuers',
        () => ({ issuer: https('a'), audience: AUD_A, issuers: [{ issuer: https('b'), audience: AUD_B }] }),
        ['set either `issuer` (with `audience`) or `issuers`, not both'],
      ],
      ['an empty issuers list', () => ({ issuers: [] }), ['`issuers` must be a non-empty list']],
      [
        'the same issuer twice',
        () => ({
          issuers: [
            { issuer: https('a'), audience: AUD_A },
            { issuer: https('a'), audience: AUD_B },
          ],
        }),
        [`issuer ${https('a')} is configured twice`],
      ],
      [
        'a missing audience on the second entry',
        () => ({ issuers: [{ issuer: https('a'), audience: AUD_A }, { issuer: https('b') } as never] }),
        ['`issuers[1].audience` is required'],
      ],
      [
        'a missing issuer on the first entry',
        () => ({ issuers: [{ audience: AUD_A } as never, { issuer: https('b'), audience: AUD_B }] }),
        ['`issuers[0].issuer` is required'],
      ],
      [
        'an HMAC algorithm on the second entry',
        () => ({
          issuers: [
            { issuer: https('a'), audience: AUD_A },
            { issuer: https('b'), audience: AUD_B, algorithms: ['HS256' as never] },
          ],
        }),
        ['`issuers[1].algorithms` contains HS256'],
      ],
      [
        'problems in two entries, all reported at once',
        () => ({
          issuers: [
            { issuer: 'http://idp.example.test', audience: AUD_A },
            { issuer: https('b'), audience: '' },
          ],
        }),
        ['`issuers[0].issuer` must use https', '`issuers[1].audience` is required'],
      ],
      [
        'a {tenantid} template without tenants',
        () => ({ issuers: [{ issuer: 'https://login.example.test/{tenantid}/v2.0', audience: AUD_T }] }),
        ['`issuers[0].tenants` is required with a {tenantid} issuer'],
      ],
      [
        'tenants on an issuer without the placeholder',
        () => ({ issuers: [{ issuer: https('a'), audience: AUD_A, tenants: [T1] }] }),
        ['`issuers[0].tenants` applies only to an issuer with a {tenantid} placeholder'],
      ],
      [
        'a tenant that would change the URL',
        () => ({
          issuers: [{ issuer: 'https://login.example.test/{tenantid}/v2.0', audience: AUD_T, tenants: [`${T1}/../x`] }],
        }),
        [`\`issuers[0].tenants\` must list tenant ids (GUIDs, as tokens name them in iss and tid), not "${T1}/../x"`],
      ],
      [
        'a tenant listed twice',
        () => ({
          issuers: [{ issuer: 'https://login.example.test/{tenantid}/v2.0', audience: AUD_T, tenants: [T1, T1] }],
        }),
        [`issuer https://login.example.test/${T1}/v2.0 is configured twice`],
      ],
      [
        'a template expansion colliding with a plain entry',
        () => ({
          issuers: [
            { issuer: 'https://login.example.test/{tenantid}/v2.0', audience: AUD_T, tenants: [T1, T2] },
            { issuer: `https://login.example.test/${T2}/v2.0`, audience: AUD_A },
          ],
        }),
        [`issuer https://login.example.test/${T2}/v2.0 is configured twice`],
      ],
    ])('rejects %s', async (_name, options, messages) => {
      const error = await startProbe(options(), false).then(
        (app) => app.close().then(() => undefined),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toMatch(/^Invalid ResourceServerModule options:/);
      for (const text of messages) expect(message).toContain(text);
    });

    it('names only the faulty entry', async () => {
      const options = { issuers: [{ issuer: https('a'), audience: AUD_A }, { issuer: https('b') } as never] };
      const error = (await startProbe(options, false).catch((e: unknown) => e)) as Error;
      expect(error.message).toContain('issuers[1].');
      expect(error.message).not.toContain('issuers[0].');
    });
  });
});
