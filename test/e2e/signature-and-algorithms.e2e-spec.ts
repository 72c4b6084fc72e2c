/**
 * RFC 7515 / RFC 7518 / RFC 8725: only real signatures by the issuer's published keys, with an
 * allowed asymmetric algorithm that fits the key, get through. Covers `none`, HMAC key confusion,
 * algorithm lies, unknown and weak keys, critical headers, key-pointing headers (jku, x5u, jwk) and
 * malformed compact serializations. Every refusal is 401 invalid_token.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { ALL_TEST_ALGS, generateTestKey, type TestAlg, type TestKey } from '../helpers/keys.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { b64url, hmacTokenWithPublicKey, nowSeconds, tamperPayload, unsignedToken } from '../helpers/tokens.js';
import { AUDIENCE, bearer, minter } from './support.js';

const DEFAULT_ALGS: TestAlg[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

describe('signatures and algorithms', () => {
  const keys = Object.fromEntries(ALL_TEST_ALGS.map((alg) => [alg, generateTestKey(alg)])) as Record<TestAlg, TestKey>;
  // Published next to the good keys but never usable: too short, or meant for encryption.
  const weak = generateTestKey('RS256', { modulusLength: 1024, kid: 'weak-1024' });
  const encryption = generateTestKey('RS256', { use: 'enc', kid: 'enc-key' });
  // An RSA key published without `alg`: fits every RS* and PS* algorithm.
  const noAlg = generateTestKey('RS256', { omitAlg: true, kid: 'rsa-no-alg' });
  const attackerKey = generateTestKey('RS256', { kid: 'attacker-key' });

  let issuer: LocalIssuer;
  let attacker: LocalIssuer;
  let app: RunningApp; // default algorithms
  let edApp: RunningApp; // algorithms: ['RS256', 'EdDSA']
  /** Valid claims, for the helpers that build forged tokens themselves. */
  const claims = (): Record<string, unknown> => ({ iss: issuer.issuer, aud: AUDIENCE, sub: 'test-user', exp: nowSeconds() + 300 });
  const mintWith = (key: TestKey, header?: Record<string, unknown>) => minter(key, issuer.issuer)({}, header);
  const me = (token: string) => app.http.get('/me').set(bearer(token));
  const attackerRequests = () => Object.values(attacker.counts).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [...Object.values(keys), weak, encryption, noAlg] });
    attacker = await startLocalIssuer({ keys: [attackerKey] });
    app = await startApp({ issuer: issuer.issuer, audience: AUDIENCE });
    edApp = await startApp({ issuer: issuer.issuer, audience: AUDIENCE, algorithms: ['RS256', 'EdDSA'] });
  });

  afterAll(async () => {
    await Promise.all([app?.close(), edApp?.close()]);
    await Promise.all([issuer?.close(), attacker?.close()]);
  });

  describe('accepted signatures', () => {
    it.each(DEFAULT_ALGS)('accepts a token signed with %s (default allow-list)', async (alg) => {
      const res = await me(mintWith(keys[alg]));
      expect([res.status, res.body.sub]).toEqual([200, 'test-user']);
    });

    it('refuses EdDSA by default', async () => {
      expectChallenge(await me(mintWith(keys.EdDSA)), { status: 401, error: 'invalid_token' });
    });

    it("accepts EdDSA when algorithms includes 'EdDSA'", async () => {
      expect((await edApp.http.get('/me').set(bearer(mintWith(keys.EdDSA)))).status).toBe(200);
    });

    it('refuses a default algorithm left out of a custom allow-list', async () => {
      expectChallenge(await edApp.http.get('/me').set(bearer(mintWith(keys.RS384))), { status: 401, error: 'invalid_token' });
    });

    it.each(['RS256', 'PS512'] as const)('verifies %s with a published RSA key that names no alg', async (alg) => {
      expect((await me(mintWith({ ...noAlg, alg }, { alg }))).status).toBe(200);
    });

    it('uses the only fitting key for a token without kid', async () => {
      expect((await me(mintWith(keys.ES384, { kid: undefined }))).status).toBe(200);
    });
  });

  describe('forged and mismatched signatures', () => {
    it.each([
      ['alg none', () => unsignedToken(claims())],
      ['alg None', () => unsignedToken(claims(), { alg: 'None' })],
      ['alg none with a junk signature', () => `${unsignedToken(claims())}c2lnbmF0dXJl`],
      ['alg none with a known kid', () => `${unsignedToken(claims(), { kid: keys.RS256.kid })}AAAA`],
      ['HS256 keyed with the public key PEM', () => hmacTokenWithPublicKey(keys.RS256, claims())],
      ['HS384 keyed with the public key PEM', () => hmacTokenWithPublicKey(keys.RS256, claims(), 'HS384')],
      ['HS512 keyed with the EC public key PEM', () => hmacTokenWithPublicKey(keys.ES256, claims(), 'HS512')],
      ['a tampered payload', () => tamperPayload(mintWith(keys.RS256), { sub: 'admin' })],
      ['a tampered scope', () => tamperPayload(mintWith(keys.ES256), { scope: 'read:messages admin:messages' })],
      ['header alg PS256 on an RS256 signature (key alg RS256)', () => mintWith(keys.RS256, { alg: 'PS256' })],
      ['header alg ES256 on an RS256 signature', () => mintWith(keys.RS256, { alg: 'ES256' })],
      ['header alg RS256 on a PS256 signature', () => mintWith(keys.PS256, { alg: 'RS256' })],
      ['header alg ES384 on an ES256 signature', () => mintWith(keys.ES256, { alg: 'ES384' })],
      ['header alg PS256 on an RS256 signature (key names no alg)', () => mintWith(noAlg, { alg: 'PS256' })],
      ['a PS256 token naming the kid of an RS256 key', () => mintWith({ ...keys.RS256, alg: 'PS256' })],
      ['an ES256 signature in DER instead of r||s', () => derSignedEs256()],
      ['a truncated ES512 signature', () => mintWith(keys.ES512).slice(0, -4)],
      ['another key using a published kid', () => mintWith({ ...attackerKey, kid: keys.RS256.kid })],
      ['an unknown kid', () => mintWith({ ...attackerKey, kid: 'no-such-kid' })],
      ['no kid while several keys fit', () => mintWith(keys.RS256, { kid: undefined })],
      ['a 1024-bit RSA key published in the JWKS', () => mintWith(weak)],
      ['a key published with use "enc"', () => mintWith(encryption)],
    ])('refuses %s with 401 invalid_token', async (_name, token) => {
      expectChallenge(await me(token()), { status: 401, error: 'invalid_token' });
    });

    /** ES256 signed with Node's default DER encoding, the classic interop slip. */
    function derSignedEs256(): string {
      const header = b64url(JSON.stringify({ alg: 'ES256', kid: keys.ES256.kid }));
      const payload = b64url(JSON.stringify(claims()));
      const der = sign('sha256', Buffer.from(`${header}.${payload}`), { key: keys.ES256.privateKey, dsaEncoding: 'der' });
      return `${header}.${payload}.${b64url(der)}`;
    }
  });

  describe('header parameters', () => {
    it.each([
      ['crit naming a header it carries', { crit: ['exp'], exp: 1 }],
      ['crit naming an unknown extension', { crit: ['urn:example:ext'], 'urn:example:ext': true }],
      ['crit as an empty list', { crit: [] }],
      ['b64: false (RFC 7797 unencoded payload)', { b64: false, crit: ['b64'] }],
      ['b64: false without crit', { b64: false }],
      ['zip (JWE only)', { zip: 'DEF' }],
      ['kid not a string', { kid: 42 }],
      ['empty kid', { kid: '' }],
      ['missing alg', { alg: undefined }],
      ['alg in lower case', { alg: 'rs256' }],
    ])('refuses a validly signed token with %s', async (_name, header) => {
      expectChallenge(await me(mintWith(keys.RS256, header)), { status: 401, error: 'invalid_token' });
    });

    describe('jku, x5u and jwk never point to keys', () => {
      it.each([
        ['jku', () => ({ jku: attacker.jwksUri })],
        ['x5u', () => ({ x5u: `${attacker.issuer}/cert.pem` })],
        ['jwk', () => ({ jwk: attackerKey.publicJwk })],
      ])('ignores %s on a token signed by the real key: 200', async (_name, header) => {
        expect((await me(mintWith(keys.RS256, header()))).status).toBe(200);
        expect(attackerRequests()).toBe(0);
      });

      it.each([
        ['jku to its JWKS', () => ({ jku: attacker.jwksUri })],
        ['x5u to its server', () => ({ x5u: `${attacker.issuer}/cert.pem` })],
        ['its key embedded as jwk', () => ({ jwk: attackerKey.publicJwk })],
        ['jku to its JWKS and a real kid', () => ({ jku: attacker.jwksUri, kid: keys.RS256.kid })],
      ])("refuses the attacker's own signature with %s, without calling the attacker", async (_name, header) => {
        expectChallenge(await me(mintWith(attackerKey, header())), { status: 401, error: 'invalid_token' });
        expect(attackerRequests()).toBe(0);
      });

      it("refuses a token claiming the attacker as issuer, without calling the attacker", async () => {
        const token = minter(attackerKey, attacker.issuer)({}, { jku: attacker.jwksUri });
        expectChallenge(await me(token), { status: 401, error: 'invalid_token' });
        expect(attackerRequests()).toBe(0);
      });
    });
  });

  describe('malformed compact serialization', () => {
    const good = () => mintWith(keys.RS256);
    const parts = () => good().split('.') as [string, string, string];
    const headerOf = (json: string) => `${b64url(json)}.${parts()[1]}.${parts()[2]}`;

    it.each([
      ['two segments', () => parts().slice(0, 2).join('.')],
      ['four segments', () => `${good()}.${parts()[2]}`],
      ['five segments (JWE shape)', () => `${good()}.abc.def`],
      ['an empty header segment', () => `.${parts()[1]}.${parts()[2]}`],
      ['an empty payload segment', () => `${parts()[0]}..${parts()[2]}`],
      ['an empty signature', () => `${parts()[0]}.${parts()[1]}.`],
      ['"+" in the payload (base64, not base64url)', () => `${parts()[0]}.${parts()[1].slice(0, -1)}+.${parts()[2]}`],
      ['"/" in the signature', () => `${parts()[0]}.${parts()[1]}.${parts()[2].slice(0, -1)}/`],
      ['padding "=" on the signature', () => `${good()}==`],
      ['a header that is not JSON', () => headerOf('not json')],
      ['a header that is a JSON array', () => headerOf(JSON.stringify(['RS256']))],
      ['a header that is JSON null', () => headerOf('null')],
      ['a header that is a JSON string', () => headerOf('"RS256"')],
      ['a payload that is not JSON', () => signRaw(JSON.stringify({ alg: 'RS256', kid: keys.RS256.kid }), 'not json')],
      ['a payload that is a JSON array', () => signRaw(JSON.stringify({ alg: 'RS256', kid: keys.RS256.kid }), '[1,2]')],
      ['a payload that is a JSON number', () => signRaw(JSON.stringify({ alg: 'RS256', kid: keys.RS256.kid }), '42')],
      ['just dots', () => '..'],
      ['a random string', () => 'abcdef'],
    ])('refuses %s with 401 invalid_token', async (_name, token) => {
      expectChallenge(await me(token()), { status: 401, error: 'invalid_token' });
    });

    it('answers 300 random b64token credentials with 401 invalid_token, never anything else', async () => {
      // Seeded, so a failure replays: segments of random length over the b64token alphabet, 1-5 dots,
      // half of them behind a real header so decoding gets past the first segment.
      let seed = 0x2f6b;
      const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~+/';
      const segment = () => Array.from({ length: 1 + random(60) }, () => ALPHABET[random(ALPHABET.length)]).join('');
      const realHeader = parts()[0];
      const tokens = Array.from({ length: 300 }, (_, i) => {
        const segments = Array.from({ length: 1 + random(5) }, segment);
        if (i % 2 === 0) segments[0] = realHeader;
        return segments.join('.');
      });
      for (const res of await Promise.all(tokens.map(me))) expectChallenge(res, { status: 401, error: 'invalid_token' });
    });

    /** A really signed token whose segments carry arbitrary text. */
    function signRaw(header: string, payload: string): string {
      const input = `${b64url(header)}.${b64url(payload)}`;
      return `${input}.${b64url(sign('sha256', Buffer.from(input), keys.RS256.privateKey))}`;
    }
  });

  it('fetched keys only from the configured issuer', () => {
    expect(issuer.counts.jwks).toBeGreaterThan(0);
    expect(attackerRequests()).toBe(0);
  });
});
