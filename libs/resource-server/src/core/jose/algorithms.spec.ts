// RFC 7518 §3 and RFC 8037 / RFC 9864: every supported algorithm verifies a real signature and
// refuses everything else without throwing.
import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { ALL_TEST_ALGS, generateTestKey, type TestAlg, type TestKey } from '../../../../../test/helpers/keys.js';
import { signJwt } from '../../../../../test/helpers/tokens.js';
import {
  DEFAULT_ALGORITHMS,
  SUPPORTED_ALGORITHMS,
  isSupportedAlgorithm,
  jwkFitsAlgorithm,
  verifySignature,
  type JwsAlgorithm,
} from './algorithms.js';

/** The signing input and signature of a compact JWS, as the verifier sees them. */
function parts(token: string): { input: Buffer; signature: Buffer } {
  const [h, p, s] = token.split('.') as [string, string, string];
  return { input: Buffer.from(`${h}.${p}`, 'ascii'), signature: Buffer.from(s, 'base64url') };
}

// RSA generation is the slow part: two RSA pairs serve every RS*/PS* case (a key is only
// re-labelled with another alg), the EC and Ed25519 keys are cheap.
const rsaPairs = [generateTestKey('RS256'), generateTestKey('RS256')] as const;
function makeKey(alg: TestAlg, other = false): TestKey {
  if (!/^(RS|PS)/.test(alg)) return generateTestKey(alg);
  const base = rsaPairs[other ? 1 : 0];
  return { ...base, alg, publicJwk: { ...base.publicJwk, alg } };
}
const keys = new Map<string, TestKey>(ALL_TEST_ALGS.map((alg) => [alg, makeKey(alg)]));
const keyFor = (alg: string): TestKey => keys.get(alg)!;

describe('verifySignature', () => {
  it.each(ALL_TEST_ALGS)('%s: accepts a real signature, refuses a tampered input and another key', (alg) => {
    const key = keyFor(alg);
    const { input, signature } = parts(signJwt(key, { sub: 'alice' }));
    expect(verifySignature(alg, key.publicKey, input, signature)).toBe(true);
    const tampered = Buffer.from(
      input.toString('ascii').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      'ascii',
    );
    expect(verifySignature(alg, key.publicKey, tampered, signature)).toBe(false);
    expect(verifySignature(alg, makeKey(alg, true).publicKey, input, signature)).toBe(false);
  });

  it('Ed25519 (RFC 9864 fully specified) verifies an Ed25519 signature, like EdDSA', () => {
    const key = keyFor('EdDSA');
    const { input, signature } = parts(signJwt(key, { sub: 'alice' }, { alg: 'Ed25519' }));
    expect(verifySignature('Ed25519', key.publicKey, input, signature)).toBe(true);
    expect(verifySignature('Ed25519', generateTestKey('EdDSA').publicKey, input, signature)).toBe(false);
  });

  it('EdDSA verifies an Ed448 signature', () => {
    const pair = generateKeyPairSync('ed448');
    const input = Buffer.from('a.b');
    expect(verifySignature('EdDSA', pair.publicKey, input, sign(null, input, pair.privateKey))).toBe(true);
  });

  it.each([
    ['RS256', 'RS384'],
    ['RS256', 'PS256'],
    ['PS256', 'RS256'],
    ['PS384', 'PS512'],
    ['ES256', 'ES384'],
    ['ES384', 'ES512'],
  ] as const)('a %s signature does not verify as %s with the same key', (signedAs, claimed) => {
    const key = keyFor(signedAs);
    const { input, signature } = parts(signJwt(key, { sub: 'alice' }));
    expect(verifySignature(claimed, key.publicKey, input, signature)).toBe(false);
  });

  it.each([
    ['ES256', 64],
    ['ES384', 96],
    ['ES512', 132],
  ] as const)('%s: a DER signature (instead of IEEE P1363 r||s) is refused', (alg, p1363Length) => {
    const key = keyFor(alg);
    const input = Buffer.from('header.payload', 'ascii');
    const der = sign(`sha${alg.slice(2)}`, input, key.privateKey); // node's default ECDSA encoding is DER
    expect(der.length).not.toBe(p1363Length);
    expect(verifySignature(alg, key.publicKey, input, der)).toBe(false);
    // The same signature in P1363 form verifies, so the refusal above is about the encoding only.
    const p1363 = sign(`sha${alg.slice(2)}`, input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verifySignature(alg, key.publicKey, input, p1363)).toBe(true);
  });

  it.each(SUPPORTED_ALGORITHMS)('%s: never throws on junk signatures', (alg) => {
    const key = keyFor(alg === 'Ed25519' ? 'EdDSA' : alg);
    const input = Buffer.from('x.y', 'ascii');
    for (const junk of [
      Buffer.alloc(0),
      Buffer.alloc(1),
      Buffer.alloc(64),
      Buffer.alloc(96, 0xff),
      Buffer.alloc(4096, 7),
    ]) {
      expect(verifySignature(alg, key.publicKey, input, junk)).toBe(false);
    }
  });

  describe('a key of the wrong type for the alg is refused (RFC 8725 §3.1: one key, one algorithm)', () => {
    const input = Buffer.from('header.payload', 'ascii');
    const cases: [string, JwsAlgorithm, () => { key: KeyObject; signature: Buffer }][] = [
      [
        'ES256 alg with an RSA key',
        'ES256',
        () => ({ key: keyFor('RS256').publicKey, signature: Buffer.alloc(64, 1) }),
      ],
      [
        'RS256 alg with an Ed25519 key',
        'RS256',
        () => {
          const k = keyFor('EdDSA');
          return { key: k.publicKey, signature: sign(null, input, k.privateKey) };
        },
      ],
      [
        'PS256 alg with an Ed25519 key',
        'PS256',
        () => {
          const k = keyFor('EdDSA');
          return { key: k.publicKey, signature: sign(null, input, k.privateKey) };
        },
      ],
      // The next three hand node:crypto a signature that is valid *for the key* under another
      // algorithm: the alg/key pairing is all that stands between them and `true`.
      [
        'RS256 alg with a P-256 key and an ECDSA (DER) signature',
        'RS256',
        () => {
          const k = keyFor('ES256');
          return { key: k.publicKey, signature: sign('sha256', input, k.privateKey) };
        },
      ],
      [
        'EdDSA alg with an RSA key and an RS256 signature',
        'EdDSA',
        () => {
          const k = keyFor('RS256');
          return { key: k.publicKey, signature: sign('sha256', input, k.privateKey) };
        },
      ],
      [
        'ES256 alg with a P-384 key and a P-384 signature over SHA-256',
        'ES256',
        () => {
          const k = keyFor('ES384');
          return {
            key: k.publicKey,
            signature: sign('sha256', input, { key: k.privateKey, dsaEncoding: 'ieee-p1363' }),
          };
        },
      ],
      [
        'Ed25519 alg with an Ed448 key and an Ed448 signature',
        'Ed25519',
        () => {
          const pair = generateKeyPairSync('ed448');
          return { key: pair.publicKey, signature: sign(null, input, pair.privateKey) };
        },
      ],
    ];
    it.each(cases)('%s', (_name, alg, make) => {
      const { key, signature } = make();
      expect(verifySignature(alg, key, input, signature)).toBe(false);
    });
  });
});

describe('jwkFitsAlgorithm', () => {
  it.each([
    ['RSA', undefined, 'RS256', true],
    ['RSA', undefined, 'PS512', true],
    ['RSA', undefined, 'ES256', false],
    ['EC', 'P-256', 'ES256', true],
    ['EC', 'P-256', 'ES384', false],
    ['EC', 'P-521', 'ES512', true],
    ['EC', 'secp256k1', 'ES256', false],
    ['EC', undefined, 'ES256', false],
    ['OKP', 'Ed25519', 'EdDSA', true],
    ['OKP', 'Ed25519', 'Ed25519', true],
    ['OKP', 'Ed448', 'EdDSA', true],
    ['OKP', 'Ed448', 'Ed25519', false],
    ['OKP', 'X25519', 'EdDSA', false],
    ['oct', undefined, 'RS256', false],
  ] as const)('%s/%s fits %s: %s', (kty, crv, alg, fits) => {
    expect(jwkFitsAlgorithm(kty, crv, alg)).toBe(fits);
  });
});

describe('isSupportedAlgorithm and the defaults', () => {
  it('knows exactly the asymmetric algorithms, never HMAC or none', () => {
    for (const alg of ['RS256', 'PS384', 'ES512', 'EdDSA', 'Ed25519']) expect(isSupportedAlgorithm(alg)).toBe(true);
    for (const alg of ['HS256', 'HS512', 'none', 'None', 'rs256', 'toString', '__proto__', '', 42, null, undefined]) {
      expect(isSupportedAlgorithm(alg)).toBe(false);
    }
  });

  it('defaults to RSA and ECDSA only', () => {
    expect([...DEFAULT_ALGORITHMS].sort()).toEqual([
      'ES256',
      'ES384',
      'ES512',
      'PS256',
      'PS384',
      'PS512',
      'RS256',
      'RS384',
      'RS512',
    ]);
    expect(SUPPORTED_ALGORITHMS).toEqual(expect.arrayContaining([...DEFAULT_ALGORITHMS, 'EdDSA', 'Ed25519']));
    expect(SUPPORTED_ALGORITHMS).toHaveLength(11);
  });
});
