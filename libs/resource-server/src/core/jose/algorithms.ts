// RFC 7518 §3 (RS*, PS*, ES*) and RFC 8037 / RFC 9864 (EdDSA, Ed25519): signature verification with
// node:crypto KeyObjects. HMAC algorithms are deliberately absent: a resource server that verifies
// with public keys must never accept a MAC keyed with one.
import { constants, verify, type KeyObject } from 'node:crypto';

/** The JWS algorithms this library can verify. */
export type JwsAlgorithm =
  'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519';

interface AlgorithmSpec {
  /** Digest for node:crypto; null for EdDSA, which hashes internally. */
  hash: string | null;
  kty: 'RSA' | 'EC' | 'OKP';
  /** node:crypto `asymmetricKeyType`s (and, for EC, `namedCurve`s) a key must have for this alg. */
  keyTypes: readonly string[];
  namedCurve?: string;
  /** EC curve (JWK `crv`) or OKP subtype. */
  curves?: readonly string[];
  /** IEEE P1363 r||s signature length for ECDSA: anything else is rejected before verifying. */
  signatureLength?: number;
  pss?: boolean;
}

const RSA = ['rsa', 'rsa-pss'];

const SPECS: Record<JwsAlgorithm, AlgorithmSpec> = {
  RS256: { hash: 'sha256', kty: 'RSA', keyTypes: RSA },
  RS384: { hash: 'sha384', kty: 'RSA', keyTypes: RSA },
  RS512: { hash: 'sha512', kty: 'RSA', keyTypes: RSA },
  PS256: { hash: 'sha256', kty: 'RSA', keyTypes: RSA, pss: true },
  PS384: { hash: 'sha384', kty: 'RSA', keyTypes: RSA, pss: true },
  PS512: { hash: 'sha512', kty: 'RSA', keyTypes: RSA, pss: true },
  ES256: {
    hash: 'sha256',
    kty: 'EC',
    keyTypes: ['ec'],
    namedCurve: 'prime256v1',
    curves: ['P-256'],
    signatureLength: 64,
  },
  ES384: {
    hash: 'sha384',
    kty: 'EC',
    keyTypes: ['ec'],
    namedCurve: 'secp384r1',
    curves: ['P-384'],
    signatureLength: 96,
  },
  ES512: {
    hash: 'sha512',
    kty: 'EC',
    keyTypes: ['ec'],
    namedCurve: 'secp521r1',
    curves: ['P-521'],
    signatureLength: 132,
  },
  EdDSA: { hash: null, kty: 'OKP', keyTypes: ['ed25519', 'ed448'], curves: ['Ed25519', 'Ed448'] },
  Ed25519: { hash: null, kty: 'OKP', keyTypes: ['ed25519'], curves: ['Ed25519'] },
};

/** Every algorithm the library supports. */
export const SUPPORTED_ALGORITHMS = Object.keys(SPECS) as JwsAlgorithm[];

/** The default allow-list: asymmetric RSA and ECDSA, as in RFC 9068 deployments. */
export const DEFAULT_ALGORITHMS: readonly JwsAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
];

export function isSupportedAlgorithm(alg: unknown): alg is JwsAlgorithm {
  return typeof alg === 'string' && Object.hasOwn(SPECS, alg);
}

/** Whether a JWK of this `kty`/`crv` can verify `alg`. */
export function jwkFitsAlgorithm(kty: string, crv: string | undefined, alg: JwsAlgorithm): boolean {
  const spec = SPECS[alg];
  if (spec.kty !== kty) return false;
  return spec.curves === undefined || (crv !== undefined && spec.curves.includes(crv));
}

/** Whether a KeyObject may perform `alg` (RFC 8725 §3.1: the operation is the one `alg` names). */
export function keyFitsAlgorithm(key: KeyObject, alg: JwsAlgorithm): boolean {
  const spec = SPECS[alg];
  if (key.type !== 'public' || !spec.keyTypes.includes(key.asymmetricKeyType ?? '')) return false;
  return spec.namedCurve === undefined || key.asymmetricKeyDetails?.namedCurve === spec.namedCurve;
}

/**
 * Verifies a JWS signature, refusing a key of another type or curve than `alg` requires.
 * Never throws: malformed input is simply not a valid signature.
 */
export function verifySignature(alg: JwsAlgorithm, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const spec = SPECS[alg];
  if (!keyFitsAlgorithm(key, alg)) return false;
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) return false;
  try {
    if (spec.kty === 'EC') return verify(spec.hash, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (spec.pss) {
      return verify(
        spec.hash,
        signingInput,
        {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        },
        signature,
      );
    }
    return verify(spec.hash, signingInput, key, signature);
  } catch {
    return false;
  }
}
