// RFC 7638 thumbprints (the RFC's own example) and the rules for a proof's `jwk`.
import { describe, expect, it } from '@jest/globals';
import { generateTestKey } from '../../../../../test/helpers/keys.js';
import { jkt, proofJwk } from '../../../../../test/helpers/dpop.js';
import { InvalidDpopProofError } from '../../errors/resource-server.error.js';
import { ProofKeys, jwkThumbprint } from './proof-key.js';

const RFC7638_KEY = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

describe('jwkThumbprint', () => {
  it('matches the example of RFC 7638 §3.1', () => {
    expect(jwkThumbprint(RFC7638_KEY)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('covers only the required members, in order, whatever else the JWK has', () => {
    const key = generateTestKey('ES256');
    expect(jwkThumbprint({ ...proofJwk(key), kid: 'x', use: 'sig' })).toBe(jkt(key));
  });

  it.each([
    ['an unknown kty', { kty: 'oct', k: 'abc' }],
    ['a missing member', { kty: 'EC', crv: 'P-256', x: 'abc' }],
    ['a member that is not a string', { kty: 'OKP', crv: 'Ed25519', x: 42 }],
    ['an empty member', { kty: 'OKP', crv: 'Ed25519', x: '' }],
    ['an oversized member', { kty: 'OKP', crv: 'Ed25519', x: 'a'.repeat(3000) }],
    ['kty __proto__', JSON.parse('{"kty":"__proto__"}') as Record<string, unknown>],
  ])('is undefined for %s', (_name, jwk) => {
    expect(jwkThumbprint(jwk)).toBeUndefined();
  });
});

describe('ProofKeys.read', () => {
  it('imports a public key once and reuses it for the same thumbprint', () => {
    const keys = new ProofKeys();
    const key = generateTestKey('ES256');
    const first = keys.read(proofJwk(key));
    expect(first.thumbprint).toBe(jkt(key));
    expect(first.key.type).toBe('public');
    expect(keys.read({ ...proofJwk(key) }).key).toBe(first.key);
  });

  it.each<[string, unknown]>([
    ['a non-object', 'jwk'],
    ['an array', []],
    ['null', null],
    ['a private EC key', generateTestKey('ES256').privateKey.export({ format: 'jwk' })],
    ['a key with a k member', { ...proofJwk(generateTestKey('ES256')), k: 'x' }],
    ['a key whose material does not parse', { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }],
  ])('refuses %s', (_name, jwk) => {
    expect(() => new ProofKeys().read(jwk)).toThrow(InvalidDpopProofError);
  });

  it('refuses an RSA key above 8192 bits', () => {
    // A 8200-bit modulus (not a real key: it only has to parse): 1025 bytes with the top bit set.
    const n = Buffer.alloc(1025, 0xff).toString('base64url');
    expect(() => new ProofKeys().read({ kty: 'RSA', n, e: 'AQAB' })).toThrow(InvalidDpopProofError);
  });
});
