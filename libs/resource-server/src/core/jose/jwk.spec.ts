// RFC 7517 / RFC 7518 §6: which published JWKs become verification keys, and with which algorithms.
import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { generateTestKey, type TestKey } from '../../../../../test/helpers/keys.js';
import { signJwt } from '../../../../../test/helpers/tokens.js';
import { verifySignature } from './algorithms.js';
import { MIN_RSA_MODULUS_BITS, importJwk, type VerificationKey } from './jwk.js';

function imported(jwk: unknown): VerificationKey {
  const result = importJwk(jwk);
  if ('skipped' in result) throw new Error(`expected the JWK to be imported, was skipped: ${result.skipped}`);
  return result;
}

function skipReason(jwk: unknown): string {
  const result = importJwk(jwk);
  if (!('skipped' in result)) throw new Error(`expected the JWK to be skipped, got kid ${String(result.kid)}`);
  return result.skipped;
}

/** The imported key really is the published one: it verifies a token the private key signed. */
function verifiesTokenOf(key: VerificationKey, testKey: TestKey, alg = testKey.alg): boolean {
  const [h, p, s] = signJwt(testKey, { sub: 'x' }).split('.') as [string, string, string];
  return verifySignature(alg, key.key, Buffer.from(`${h}.${p}`), Buffer.from(s, 'base64url'));
}

const rsa = generateTestKey('RS256', { kid: 'rsa-1' });
const { alg: _rsaAlg, ...rsaJwkWithoutAlg } = rsa.publicJwk;
const p256 = generateTestKey('ES256', { kid: 'ec-1' });
const p384 = generateTestKey('ES384', { omitAlg: true });
const p521 = generateTestKey('ES512', { omitAlg: true });
const ed = generateTestKey('EdDSA', { omitAlg: true, use: '' });

describe('importJwk: accepted keys', () => {
  it('imports an RSA key with its alg: only that alg, and it verifies', () => {
    const key = imported(rsa.publicJwk);
    expect(key.kid).toBe('rsa-1');
    expect(key.key.type).toBe('public');
    expect(key.key.asymmetricKeyType).toBe('rsa');
    expect([...key.algorithms]).toEqual(['RS256']);
    expect(verifiesTokenOf(key, rsa)).toBe(true);
  });

  it('an RSA key without alg may verify every RS* and PS* algorithm', () => {
    const key = imported(rsaJwkWithoutAlg);
    expect(new Set(key.algorithms)).toEqual(new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']));
  });

  it.each([
    ['P-256', p256, ['ES256']],
    ['P-384', p384, ['ES384']],
    ['P-521', p521, ['ES512']],
  ] as const)('imports an EC %s key: the one ECDSA alg of its curve', (_crv, testKey, algs) => {
    const key = imported(testKey.publicJwk);
    expect(key.key.asymmetricKeyType).toBe('ec');
    expect([...key.algorithms]).toEqual(algs);
    expect(verifiesTokenOf(key, testKey)).toBe(true);
  });

  it('imports an OKP Ed25519 key without alg or use: EdDSA and Ed25519', () => {
    const key = imported(ed.publicJwk);
    expect(key.key.asymmetricKeyType).toBe('ed25519');
    expect(new Set(key.algorithms)).toEqual(new Set(['EdDSA', 'Ed25519']));
    expect(verifiesTokenOf(key, ed)).toBe(true);
  });

  it('imports an OKP Ed448 key for EdDSA only', () => {
    const jwk = generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' });
    expect([...imported(jwk).algorithms]).toEqual(['EdDSA']);
  });

  it.each(['EdDSA', 'Ed25519'])('an Ed25519 key with alg %s is limited to it', (alg) => {
    expect([...imported({ ...ed.publicJwk, alg }).algorithms]).toEqual([alg]);
  });

  it('accepts use "sig" and key_ops containing "verify"; kid is optional', () => {
    const key = imported({ ...p256.publicJwk, use: 'sig', key_ops: ['verify'], kid: undefined });
    expect(key.kid).toBeUndefined();
    expect(imported({ ...p256.publicJwk, key_ops: ['sign', 'verify'] }).kid).toBe('ec-1');
  });

  it.each([
    ['RSA', () => rsa.privateKey.export({ format: 'jwk' })],
    ['EC', () => p256.privateKey.export({ format: 'jwk' })],
    ['OKP', () => ed.privateKey.export({ format: 'jwk' })],
  ] as const)('a %s JWK leaking its private members still yields a PUBLIC KeyObject', (_kty, exportPrivate) => {
    const jwk = exportPrivate() as JsonWebKey;
    expect(jwk.d).toEqual(expect.any(String)); // the test is only meaningful with `d` present
    const key = imported(jwk);
    expect(key.key.type).toBe('public');
    expect(key.key.export({ format: 'jwk' }).d).toBeUndefined();
  });
});

describe('importJwk: fingerprint (the identity of a key across key set fetches)', () => {
  it('is equal for the same published key, whatever non-key members or leaked private members it carries', () => {
    const a = imported(p256.publicJwk);
    expect(imported({ ...p256.publicJwk }).fingerprint).toBe(a.fingerprint);
    expect(imported({ ...p256.publicJwk, x5t: 'ignored', ext: true }).fingerprint).toBe(a.fingerprint);
    const leaked = {
      ...(p256.privateKey.export({ format: 'jwk' }) as JsonWebKey),
      kid: 'ec-1',
      alg: 'ES256',
      use: 'sig',
    };
    expect(imported(leaked).fingerprint).toBe(a.fingerprint);
  });

  it('differs when the key material, the kid or the alg differs', () => {
    const base = imported(rsa.publicJwk).fingerprint;
    expect(imported({ ...rsa.publicJwk, kid: 'rsa-2' }).fingerprint).not.toBe(base);
    expect(imported({ ...rsa.publicJwk, alg: 'PS256' }).fingerprint).not.toBe(base);
    expect(imported(rsaJwkWithoutAlg).fingerprint).not.toBe(base);
    expect(imported({ ...generateTestKey('ES256').publicJwk, kid: 'ec-1' }).fingerprint).not.toBe(
      imported(p256.publicJwk).fingerprint,
    );
  });
});

describe('importJwk: skipped keys (never throws)', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['a symmetric oct key', () => ({ kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'HS256' }), /kty oct/],
    ['a JWK without kty', () => ({ n: rsa.publicJwk.n, e: 'AQAB' }), /kty \(none\)/],
    ['an encryption key (use: enc)', () => ({ ...rsa.publicJwk, use: 'enc' }), /use/],
    ['key_ops without verify', () => ({ ...p256.publicJwk, key_ops: ['encrypt', 'sign'] }), /key_ops/],
    ['key_ops that is not an array', () => ({ ...p256.publicJwk, key_ops: 'verify' }), /key_ops/],
    ['a kid that is not a string', () => ({ ...p256.publicJwk, kid: 7 }), /kid/],
    ['alg RS256 on an EC key', () => ({ ...p256.publicJwk, alg: 'RS256' }), /alg does not fit/],
    ['alg ES384 on a P-256 key', () => ({ ...p256.publicJwk, alg: 'ES384' }), /alg does not fit/],
    ['alg HS256 on an RSA key', () => ({ ...rsa.publicJwk, alg: 'HS256' }), /alg does not fit/],
    ['alg RSA-OAEP on an RSA key', () => ({ ...rsa.publicJwk, alg: 'RSA-OAEP' }), /alg does not fit/],
    ['alg none', () => ({ ...rsa.publicJwk, alg: 'none' }), /alg does not fit/],
    [
      'alg Ed25519 on an Ed448 key',
      () => ({ ...generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' }), alg: 'Ed25519' }),
      /alg does not fit/,
    ],
    [
      'an unknown curve (secp256k1)',
      () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' }),
      /curve secp256k1/,
    ],
    [
      'an X25519 (key agreement) key',
      () => generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }),
      /curve X25519/,
    ],
    ['an EC key without crv', () => ({ ...p256.publicJwk, crv: undefined }), /curve/],
    ['RSA 1024 bits', () => generateTestKey('RS256', { modulusLength: 1024 }).publicJwk, /1024 bits is below 2048/],
    ['RSA modulus that is junk', () => ({ kty: 'RSA', n: 'not*base64', e: 'AQAB' }), /does not parse|below 2048/],
    ['RSA without n', () => ({ kty: 'RSA', e: 'AQAB' }), /does not parse/],
    [
      'EC point not on the curve',
      () => ({ ...p256.publicJwk, y: randomBytes(32).toString('base64url') }),
      /does not parse/,
    ],
    ['EC P-256 label on P-384 coordinates', () => ({ ...p384.publicJwk, crv: 'P-256' }), /does not parse/],
    [
      'OKP x of the wrong length',
      () => ({ ...ed.publicJwk, x: randomBytes(5).toString('base64url') }),
      /does not parse/,
    ],
    ['EC x that is a number', () => ({ ...p256.publicJwk, x: 42 }), /does not parse/],
    ['kty named like an Object.prototype member', () => ({ kty: 'constructor' }), /./],
    ['kty __proto__', () => JSON.parse('{"kty":"__proto__"}'), /./],
  ])('skips %s', (_name, make, reason) => {
    expect(skipReason(make())).toMatch(reason);
  });

  it.each([null, undefined, 'RSA', 42, true, [], [rsa.publicJwk]])('skips a non-object (%p)', (value) => {
    expect(skipReason(value)).toBe('not an object');
  });

  it('refuses RSA below exactly MIN_RSA_MODULUS_BITS', () => {
    expect(MIN_RSA_MODULUS_BITS).toBe(2048);
    expect(skipReason(generateTestKey('RS256', { modulusLength: 2040 }).publicJwk)).toMatch(/2040 bits/);
    expect(imported(rsa.publicJwk).key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});
