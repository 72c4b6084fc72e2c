/**
 * RFC 7519 §4.1 registered claims, RFC 8725 §3.8-3.11 (issuer, audience, explicit typing) and
 * RFC 9068 (strict mode), checked on validly signed tokens: every refusal is 401 invalid_token.
 * Times are real: cases keep tens of seconds away from every boundary except the tolerance ones.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ResourceServerModuleOptions } from 'nestjs-resource-server';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, startApp, type RunningApp } from '../helpers/start-app.js';
import { nowSeconds } from '../helpers/tokens.js';
import { AUDIENCE, bearer, minter, type Claims } from './support.js';

/** A case: claims built at request time from `now` (seconds), and an optional header. */
type Case = [name: string, claims: (now: number) => Claims, header?: Claims];

describe('claims', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;

  const app = (options: Partial<ResourceServerModuleOptions> = {}): Promise<RunningApp> =>
    startApp({ issuer: issuer.issuer, audience: AUDIENCE, ...options });

  /** Registers one `it` per case: a 200 for `accepted`, else a full 401 invalid_token challenge. */
  function table(getApp: () => RunningApp, accepted: Case[], refused: Case[]): void {
    // Rows of equal length: Jest takes a test function with more parameters than the row has
    // values for a callback-style test and waits for `done`.
    const rows = (cases: Case[]) => cases.map(([name, claims, header]): Required<Case> => [name, claims, header ?? {}]);
    if (accepted.length > 0) {
      it.each(rows(accepted))('accepts %s', async (_name, claims, header) => {
        const res = await getApp()
          .http.get('/me')
          .set(bearer(mint(claims(nowSeconds()), header)));
        expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
      });
    }
    if (refused.length > 0) {
      it.each(rows(refused))('refuses %s with 401 invalid_token', async (_name, claims, header) => {
        const res = await getApp()
          .http.get('/me')
          .set(bearer(mint(claims(nowSeconds()), header)));
        expectChallenge(res, { status: 401, error: 'invalid_token' });
      });
    }
  }

  let main: RunningApp;
  let audienceList: RunningApp;
  let anyAudience: RunningApp;
  let wideTolerance: RunningApp;
  let noTolerance: RunningApp;
  let maxAge: RunningApp;
  let required: RunningApp;
  let strict: RunningApp;

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    mint = minter(key, issuer.issuer);
    main = await app();
    audienceList = await app({ audience: [AUDIENCE, 'https://other.example.test'] });
    anyAudience = await app({ audience: false });
    wideTolerance = await app({ clockTolerance: 60 });
    noTolerance = await app({ clockTolerance: 0 });
    maxAge = await app({ maxTokenAge: 60 });
    required = await app({ requiredClaims: ['jti', 'tenant'] });
    strict = await app({ strict: true });
  });

  afterAll(async () => {
    await closeAll();
    await issuer?.close();
  });

  describe('issuer (iss)', () => {
    table(
      () => main,
      [['the configured issuer', () => ({})]],
      [
        ['another issuer', () => ({ iss: 'https://evil.example.test' })],
        ['the issuer with a trailing slash added', () => ({ iss: `${issuer.issuer}/` })],
        ['the issuer in another case', () => ({ iss: issuer.issuer.toUpperCase() })],
        ['a missing iss', () => ({ iss: undefined })],
        ['iss as an array', () => ({ iss: [issuer.issuer] })],
      ],
    );
  });

  describe('unknown issuers cost no network call', () => {
    let cold: LocalIssuer;
    let other: LocalIssuer;
    let coldApp: RunningApp;

    beforeAll(async () => {
      cold = await startLocalIssuer({ keys: [key] });
      other = await startLocalIssuer({ keys: [key] });
      coldApp = await startApp({ issuer: cold.issuer, audience: AUDIENCE });
    });

    afterAll(async () => {
      await coldApp?.close();
      await Promise.all([cold?.close(), other?.close()]);
    });

    it.each([
      ['an unknown https issuer', () => 'https://evil.example.test'],
      ['another local issuer', () => other.issuer],
      ['no issuer', () => undefined],
    ])('refuses %s without any request to any issuer', async (_name, iss) => {
      const token = minter(key, cold.issuer)({ iss: iss() });
      expectChallenge(await coldApp.http.get('/me').set(bearer(token)), { status: 401, error: 'invalid_token' });
      expect([cold.counts, other.counts]).toEqual([
        { discovery: 0, jwks: 0, userinfo: 0, introspection: 0, other: 0 },
        { discovery: 0, jwks: 0, userinfo: 0, introspection: 0, other: 0 },
      ]);
    });
  });

  describe('audience (aud)', () => {
    table(
      () => main,
      [
        ['aud equal to the audience', () => ({ aud: AUDIENCE })],
        ['an aud array containing the audience', () => ({ aud: ['https://x.example.test', AUDIENCE] })],
      ],
      [
        ['another aud', () => ({ aud: 'https://other.example.test' })],
        ['a missing aud', () => ({ aud: undefined })],
        ['an aud array without the audience', () => ({ aud: ['https://x.example.test', 'https://y.example.test'] })],
        ['an empty aud array', () => ({ aud: [] })],
        ['the audience with a trailing slash', () => ({ aud: `${AUDIENCE}/` })],
        ['the audience in another case', () => ({ aud: AUDIENCE.toUpperCase() })],
        ['aud as a number', () => ({ aud: 42 })],
        ['an aud array with a non-string', () => ({ aud: [AUDIENCE, 42] })],
        ['the client id as aud (an ID token)', () => ({ aud: 'test-client' })],
      ],
    );

    describe('audience given as a list', () => {
      table(
        () => audienceList,
        [
          ['the first listed audience', () => ({ aud: AUDIENCE })],
          ['the second listed audience', () => ({ aud: 'https://other.example.test' })],
        ],
        [['an audience not in the list', () => ({ aud: 'https://third.example.test' })]],
      );
    });

    describe('audience: false', () => {
      table(
        () => anyAudience,
        [
          ['any aud', () => ({ aud: 'https://anything.example.test' })],
          ['no aud', () => ({ aud: undefined })],
        ],
        [['an expired token all the same', (now) => ({ aud: 'https://anything.example.test', exp: now - 60 })]],
      );
    });
  });

  describe('time claims (clockTolerance 5 s)', () => {
    table(
      () => main,
      [
        ['exp within the tolerance', (now) => ({ exp: now - 2 })],
        ['a fractional exp (NumericDate)', (now) => ({ exp: now + 300.5 })],
        ['nbf within the tolerance', (now) => ({ nbf: now + 2 })],
        ['nbf in the past', (now) => ({ nbf: now - 60 })],
        ['iat within the tolerance', (now) => ({ iat: now + 2 })],
        ['no iat (no maxTokenAge)', () => ({ iat: undefined })],
      ],
      [
        ['a missing exp', () => ({ exp: undefined })],
        ['exp in the past', (now) => ({ exp: now - 60 })],
        ['exp just beyond the tolerance', (now) => ({ exp: now - 7 })],
        ['exp as a string', (now) => ({ exp: String(now + 300) })],
        ['exp as null', () => ({ exp: null })],
        ['nbf beyond the tolerance', (now) => ({ nbf: now + 60 })],
        ['nbf as a string', (now) => ({ nbf: String(now - 60) })],
        ['iat in the future', (now) => ({ iat: now + 60 })],
        ['iat as a string', (now) => ({ iat: String(now) })],
      ],
    );

    describe('custom clockTolerance', () => {
      it('accepts a token expired 30 s ago with clockTolerance 60', async () => {
        const token = mint({ exp: nowSeconds() - 30 });
        expect((await wideTolerance.http.get('/me').set(bearer(token))).status).toBe(200);
        expectChallenge(await main.http.get('/me').set(bearer(token)), { status: 401, error: 'invalid_token' });
      });

      it('refuses a token expired 1 s ago with clockTolerance 0', async () => {
        const token = mint({ exp: nowSeconds() - 1 });
        expectChallenge(await noTolerance.http.get('/me').set(bearer(token)), { status: 401, error: 'invalid_token' });
      });
    });
  });

  describe('maxTokenAge 60 s', () => {
    table(
      () => maxAge,
      [
        ['a token issued 30 s ago', (now) => ({ iat: now - 30 })],
        ['a token 63 s old (within the tolerance)', (now) => ({ iat: now - 63 })],
      ],
      [
        ['a token issued 120 s ago', (now) => ({ iat: now - 120 })],
        ['a token without iat', () => ({ iat: undefined })],
      ],
    );
  });

  describe('claim types', () => {
    table(
      () => main,
      [['azp instead of client_id', () => ({ client_id: undefined, azp: 'spa-client' })]],
      [
        ['sub as a number', () => ({ sub: 42 })],
        ['sub as an object', () => ({ sub: { id: 'x' } })],
        ['client_id as a number', () => ({ client_id: 7 })],
        ['jti as a number', () => ({ jti: 7 })],
      ],
    );
  });

  describe("requiredClaims ['jti', 'tenant']", () => {
    table(
      () => required,
      [['both claims present', () => ({ tenant: 'acme' })]],
      [
        ['a missing tenant', () => ({})],
        ['a missing jti', () => ({ tenant: 'acme', jti: undefined })],
        ['tenant null', () => ({ tenant: null })],
      ],
    );
  });

  describe('token type (typ)', () => {
    table(
      () => main,
      [
        ['no typ', () => ({})],
        ['typ JWT', () => ({}), { typ: 'JWT' }],
        ['typ at+jwt', () => ({}), { typ: 'at+jwt' }],
        ['typ application/at+jwt', () => ({}), { typ: 'application/at+jwt' }],
      ],
      [
        ['typ dpop+jwt (a DPoP proof)', () => ({}), { typ: 'dpop+jwt' }],
        ['typ logout+jwt (a logout token)', () => ({}), { typ: 'logout+jwt' }],
        ['typ secevent+jwt (a security event)', () => ({}), { typ: 'secevent+jwt' }],
        ['typ as a number', () => ({}), { typ: 1 }],
      ],
    );
  });

  describe('strict: true (RFC 9068)', () => {
    const AT = { typ: 'at+jwt' };
    table(
      () => strict,
      [
        ['typ at+jwt with every profile claim', () => ({}), AT],
        ['typ application/at+jwt', () => ({}), { typ: 'application/at+jwt' }],
        ['typ AT+JWT (media types are case-insensitive)', () => ({}), { typ: 'AT+JWT' }],
      ],
      [
        ['typ JWT', () => ({}), { typ: 'JWT' }],
        ['no typ', () => ({})],
        ['a missing client_id', () => ({ client_id: undefined }), AT],
        ['a missing sub', () => ({ sub: undefined }), AT],
        ['a missing jti', () => ({ jti: undefined }), AT],
        ['a missing iat', () => ({ iat: undefined }), AT],
        ['a missing aud', () => ({ aud: undefined }), AT],
        ['a missing exp', () => ({ exp: undefined }), AT],
      ],
    );
  });
});
