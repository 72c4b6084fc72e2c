/**
 * Real asymmetric signing keys for tests (nestjs-resource-server/testing).
 *
 * Every key is freshly generated (no fixtures on disk, no caching): suites that test "signed by an
 * unknown key" or key rotation rely on two keys of the same algorithm being different, and an
 * RSA-2048 pair only costs ~50-100 ms.
 */
import { createHash, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * The JWS algorithms the helpers can sign with (RFC 7518 §3 plus EdDSA/Ed25519 from RFC 8037).
 * @example
 * ```ts
 * import { generateTestKey, type TestAlg } from 'nestjs-resource-server/testing';
 *
 * const key = generateTestKey('ES256' satisfies TestAlg);
 * ```
 */
export type TestAlg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/**
 * Every {@link TestAlg}, handy for `it.each`.
 * @example
 * ```ts
 * import { ALL_TEST_ALGS, generateTestKey } from 'nestjs-resource-server/testing';
 *
 * const keys = ALL_TEST_ALGS.map((alg) => generateTestKey(alg));
 * ```
 */
export const ALL_TEST_ALGS: readonly TestAlg[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/**
 * A generated key pair plus the public JWK an issuer would publish for it.
 * @example
 * ```ts
 * import { generateTestKey, type TestKey } from 'nestjs-resource-server/testing';
 *
 * const key: TestKey = generateTestKey('RS256');
 * const jwks = { keys: [key.publicJwk] };
 * ```
 */
export interface TestKey {
  kid: string;
  alg: TestAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string; alg?: string; use?: string; kty: string };
}

/**
 * Options of {@link generateTestKey}.
 * @example
 * ```ts
 * import { generateTestKey, type GenerateTestKeyOptions } from 'nestjs-resource-server/testing';
 *
 * const options: GenerateTestKeyOptions = { kid: 'k1', omitAlg: true };
 * const key = generateTestKey('PS256', options);
 * ```
 */
export interface GenerateTestKeyOptions {
  /** Key id; defaults to the RFC 7638 thumbprint of the public key, so it is unique per key. */
  kid?: string;
  /** RSA only: modulus in bits, default 2048. 1024 is allowed on purpose for the "weak key" test. */
  modulusLength?: number;
  /** Leave `alg` out of the published JWK (it is OPTIONAL in RFC 7517 §4.4; verifiers must cope). */
  omitAlg?: boolean;
  /** `use` of the published JWK; default 'sig'. An empty string leaves `use` out of the JWK. */
  use?: string;
}

const EC_CURVES: Partial<Record<TestAlg, string>> = {
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521', // ES512 is P-521, not "P-512": a classic slip, hence the explicit table.
};

/**
 * Generates a real key pair for `alg` and its public JWK (`kid`, `alg` unless `omitAlg`, `use`).
 *
 * RSA keys are plain `rsa` keys for both RS* and PS*: Node cannot export an `rsa-pss` key as JWK,
 * and JWKS publish PS* keys as ordinary `kty: "RSA"` keys anyway.
 * @example
 * ```ts
 * import { generateTestKey } from 'nestjs-resource-server/testing';
 *
 * const key = generateTestKey('RS256', { kid: 'key-1' });
 * ```
 */
export function generateTestKey(alg: TestAlg, options: GenerateTestKeyOptions = {}): TestKey {
  const family = alg.slice(0, 2);
  if (options.modulusLength !== undefined && family !== 'RS' && family !== 'PS') {
    // Silently ignoring it would let a "weak RSA key" test pass with a strong EC key.
    throw new TypeError(`modulusLength only applies to RSA algorithms, not ${alg}`);
  }

  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (family === 'RS' || family === 'PS') {
    pair = generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 });
  } else if (family === 'ES') {
    pair = generateKeyPairSync('ec', { namedCurve: EC_CURVES[alg]! });
  } else if (alg === 'EdDSA') {
    pair = generateKeyPairSync('ed25519');
  } else {
    throw new TypeError(`Unsupported test algorithm: ${String(alg)}`);
  }

  const exported = pair.publicKey.export({ format: 'jwk' });
  if (typeof exported.kty !== 'string') throw new Error('Exported JWK has no kty');
  const kid = options.kid ?? jwkThumbprint(exported);
  const publicJwk: TestKey['publicJwk'] = { ...exported, kty: exported.kty, kid };
  if (!options.omitAlg) publicJwk.alg = alg;
  const use = options.use ?? 'sig';
  if (use !== '') publicJwk.use = use;

  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, publicJwk };
}

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url) over the required public members only.
 * @example
 * ```ts
 * import { generateTestKey, jwkThumbprint } from 'nestjs-resource-server/testing';
 *
 * const kid = jwkThumbprint(generateTestKey('ES256').publicJwk);
 * ```
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const required: Record<string, string[]> = {
    RSA: ['e', 'kty', 'n'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
  };
  const members = required[String(jwk.kty)];
  if (!members) throw new TypeError(`No thumbprint members known for kty ${String(jwk.kty)}`);
  // Members are already in lexicographic order above, as RFC 7638 §3.3 requires.
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return createHash('sha256').update(canonical).digest('base64url');
}
