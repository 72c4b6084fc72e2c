/**
 * RFC 7515 / RFC 7518 / RFC 8725: only real signatures by the issuer's published keys, with an
 * allowed asymmetric algorithm that fits the key, get through. Covers `none`, HMAC key confusion,
 * algorithm lies, unknown and weak keys, critical headers, key-pointing headers (jku, x5u, jwk) and
 * malformed compact serializations. Every refusal is 401 invalid_token.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sign } from 'node:crypto';
import { expectChallenge, parseChallenge, type ChallengeResponse } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { ALL_TEST_ALGS, generateTestKey, type TestAlg, type TestKey } from '../helpers/keys.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import {
  b64url,
  hmacTokenWithPublicKey,
  nonCanonicalSpellings,
  nowSeconds,
  signRawJws,
  tamperPayload,
  unsignedToken,
} from '../helpers/tokens.js';
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
  const claims = (): Record<string, unknown> => ({
    iss: issuer.issuer,
    aud: AUDIENCE,
    sub: 'test-user',
    exp: nowSeconds() + 300,
  });
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
      expectChallenge(await edApp.http.get('/me').set(bearer(mintWith(keys.RS384))), {
        status: 401,
        error: 'invalid_token',
      });
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
      const der = sign('sha256', Buffer.from(`${header}.${payload}`), {
        key: keys.ES256.privateKey,
        dsaEncoding: 'der',
      });
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

      it('refuses a token claiming the attacker as issuer, without calling the attacker', async () => {
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
      [
        'a payload that is not JSON',
        () => signRawJws(keys.RS256, JSON.stringify({ alg: 'RS256', kid: keys.RS256.kid }), 'not json'),
      ],
      [
        'a payload that is a JSON array',
        () => signRawJws(keys.RS256, JSON.stringify({ alg: 'RS256', kid: keys.RS256.kid }), '[1,2]'),
      ],
      [
        'a payload that is a JSON number',
        () => signRawJws(keys.RS256, JSON.stringify({ alg: 'RS256', kid: keys.RS256.kid }), '42'),
      ],
      ['just dots', () => '..'],
      ['a random string', () => 'abcdef'],
    ])('refuses %s with 401 invalid_token', async (_name, token) => {
      expectChallenge(await me(token()), { status: 401, error: 'invalid_token' });
    });

    it('answers 300 random b64token credentials with 401 invalid_token, never anything else', async () => {
      // Seeded, so a failure replays: segments of random length over the b64token alphabet, 1-5 dots,
      // half of them behind a real header so decoding gets past the first segment.
      let seed = 0x2f6b;
      const random = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~+/';
      const segment = () => Array.from({ length: 1 + random(60) }, () => ALPHABET[random(ALPHABET.length)]).join('');
      const realHeader = parts()[0];
      const tokens = Array.from({ length: 300 }, (_, i) => {
        const segments = Array.from({ length: 1 + random(5) }, segment);
        if (i % 2 === 0) segments[0] = realHeader;
        return segments.join('.');
      });
      for (const res of await Promise.all(tokens.map(me)))
        expectChallenge(res, { status: 401, error: 'invalid_token' });
    });
  });

  // Regression tests for the lenient decoding of the first release (Buffer's base64url, U+FFFD for
  // invalid UTF-8, last-wins JSON): every token here was answered 200 before.
  describe('one spelling per token: 401 malformed_token', () => {
    const MALFORMED = 'The access token is malformed';
    const HEADER = () => JSON.stringify({ alg: 'RS256', kid: keys.RS256.kid });
    const lenient = (segment: string) => Buffer.from(segment, 'base64url');
    const expectMalformed = (res: ChallengeResponse) => {
      expectChallenge(res, { status: 401, error: 'invalid_token' });
      expect(parseChallenge(String(res.headers['www-authenticate'])).params.error_description).toBe(MALFORMED);
    };

    it("refuses every other spelling of a cached token's signature, and still accepts the token", async () => {
      const token = mintWith(keys.RS256);
      expect((await me(token)).status).toBe(200); // now in the verified-token cache, keyed by the token string
      const [h, p, s] = token.split('.') as [string, string, string];
      const spellings = nonCanonicalSpellings(s); // RS256, 256 bytes: 342 characters, 4 unused bits
      expect(spellings).toHaveLength(15);
      for (const spelling of spellings) {
        expect(lenient(spelling)).toEqual(lenient(s)); // the same signature bytes
        expectMalformed(await me(`${h}.${p}.${spelling}`));
      }
      expect((await me(token)).status).toBe(200);
    });

    it('refuses a header or payload spelled with non-zero unused bits', async () => {
      // Padded so that both segments have a length of 2 or 3 (mod 4), i.e. other spellings.
      const header = `${HEADER()} `;
      const payload = [0, 1, 2]
        .map((pad) => `${JSON.stringify(claims())}${' '.repeat(pad)}`)
        .find((text) => Buffer.byteLength(text) % 3 !== 0)!;
      const token = signRawJws(keys.RS256, header, payload);
      expect((await me(token)).status).toBe(200);
      const [h, p, s] = token.split('.') as [string, string, string];
      const variants = [
        ...nonCanonicalSpellings(h).map((x) => `${x}.${p}.${s}`),
        ...nonCanonicalSpellings(p).map((x) => `${h}.${x}.${s}`),
      ];
      expect(variants.length).toBeGreaterThanOrEqual(6);
      for (const res of await Promise.all(variants.map(me))) expectMalformed(res);
    });

    it('refuses a signature with one character too many (length 1 mod 4)', async () => {
      const es384 = mintWith(keys.ES384); // a 96-byte signature: 128 characters, Buffer ignored a 129th
      expect(es384.split('.')[2]).toHaveLength(128);
      expect(lenient(`${es384.split('.')[2]!}A`)).toHaveLength(96);
      expectMalformed(await me(`${es384}A`));
    });

    it.each([
      ['0xFF', [0xff]],
      ['an overlong encoding', [0xc0, 0xaf]],
      ['a UTF-8-encoded surrogate', [0xed, 0xa0, 0x80]],
    ])('refuses a signed payload with invalid UTF-8 (%s) in a claim', async (_name, bad) => {
      const text = JSON.stringify({ ...claims(), name: 'X' });
      const [before, after] = text.split('"X"') as [string, string];
      const payload = Buffer.concat([Buffer.from(`${before}"`), Buffer.from(bad), Buffer.from(`"${after}`)]);
      expect(JSON.parse(payload.toString('utf8'))).toMatchObject({ name: expect.stringMatching(/^\uFFFD+$/) }); // what the lenient decoder read
      expectMalformed(await me(signRawJws(keys.RS256, HEADER(), payload)));
    });

    it.each([
      ['alg none, then RS256', (kid: string) => `{"alg":"none","alg":"RS256","kid":"${kid}"}`],
      ['kid twice', (kid: string) => `{"alg":"RS256","kid":"no-such-kid","kid":"${kid}"}`],
    ])('refuses a signed header with duplicate members (%s)', async (_name, header) => {
      const payload = JSON.stringify(claims());
      const text = header(keys.RS256.kid);
      expect((await me(signRawJws(keys.RS256, JSON.stringify(JSON.parse(text)), payload))).status).toBe(200); // last wins
      expectMalformed(await me(signRawJws(keys.RS256, text, payload)));
    });

    it.each([
      ['sub', (c: string) => c.replace('{', '{"sub":"admin",')],
      [
        'scope, the second spelled with an escape',
        (c: string) => c.replace('{', '{"scope":"admin","\\u0073cope":"read",'),
      ],
    ])('refuses signed claims with a duplicate %s', async (_name, addDuplicate) => {
      const payload = addDuplicate(JSON.stringify(claims()));
      expect((await me(signRawJws(keys.RS256, HEADER(), JSON.stringify(JSON.parse(payload))))).status).toBe(200); // last wins
      expectMalformed(await me(signRawJws(keys.RS256, HEADER(), payload)));
    });

    it('leaves a duplicate inside a nested claim to last-wins (claims are checked at the top level only)', async () => {
      const payload = JSON.stringify(claims()).replace('{', '{"realm_access":{"roles":["admin"],"roles":[]},');
      expect((await me(signRawJws(keys.RS256, HEADER(), payload))).status).toBe(200);
    });
  });

  it('fetched keys only from the configured issuer', () => {
    expect(issuer.counts.jwks).toBeGreaterThan(0);
    expect(attackerRequests()).toBe(0);
  });
});
