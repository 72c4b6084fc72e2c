// RFC 7517 (JWK) and RFC 7518 §6: turns the JSON Web Keys of an issuer's key set into KeyObjects,
// once per key set fetch, keeping only keys that may verify signatures.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SUPPORTED_ALGORITHMS, isSupportedAlgorithm, jwkFitsAlgorithm, type JwsAlgorithm } from './algorithms.js';

/** RSA keys shorter than this are refused (NIST SP 800-131A; RFC 7518 §3.3 requires 2048). */
export const MIN_RSA_MODULUS_BITS = 2048;

/** A verification key, imported once. */
export interface VerificationKey {
  readonly kid: string | undefined;
  /** The public members and alg, serialized: equal fingerprints mean the same key. */
  readonly fingerprint: string;
  readonly key: KeyObject;
  /** The algorithms this key may verify: its `alg` if the JWK names one, else all that fit its type. */
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
}

// Only the public members are handed to createPublicKey: a JWKS that leaks private members (`d`, ...)
// must not turn into a private KeyObject.
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};

/**
 * Imports one JWK for signature verification, or returns a reason it is not usable:
 * `use` other than `sig`, `key_ops` without `verify`, `oct` and unknown key types, an `alg` that
 * does not fit the key, a weak RSA key, or material that does not parse.
 */
export function importJwk(jwk: unknown): VerificationKey | { skipped: string } {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return { skipped: 'not an object' };
  const j = jwk as Record<string, unknown>;
  const kty = typeof j.kty === 'string' ? j.kty : '';
  const members = Object.hasOwn(PUBLIC_MEMBERS, kty) ? PUBLIC_MEMBERS[kty] : undefined;
  if (!members) return { skipped: `kty ${kty || '(none)'} is not a signature key type` };
  if (j.use !== undefined && j.use !== 'sig') return { skipped: 'use is not sig' };
  if (j.key_ops !== undefined && !(Array.isArray(j.key_ops) && j.key_ops.includes('verify'))) {
    return { skipped: 'key_ops lacks verify' };
  }
  if (j.kid !== undefined && typeof j.kid !== 'string') return { skipped: 'kid is not a string' };
  const crv = typeof j.crv === 'string' ? j.crv : undefined;
  const fitting = SUPPORTED_ALGORITHMS.filter((alg) => jwkFitsAlgorithm(kty, crv, alg));
  if (fitting.length === 0) return { skipped: `unsupported curve ${crv ?? '(none)'}` };
  let algorithms: JwsAlgorithm[] = fitting;
  if (j.alg !== undefined) {
    if (!isSupportedAlgorithm(j.alg) || !fitting.includes(j.alg)) return { skipped: 'alg does not fit the key' };
    algorithms = [j.alg];
  }
  const publicJwk = Object.fromEntries(members.map((m) => [m, j[m]]));
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicJwk, format: 'jwk' });
  } catch {
    return { skipped: 'key material does not parse' };
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (kty === 'RSA' && (bits === undefined || bits < MIN_RSA_MODULUS_BITS)) {
    return { skipped: `RSA key of ${bits ?? 'unknown'} bits is below ${MIN_RSA_MODULUS_BITS}` };
  }
  const fingerprint = JSON.stringify([j.kid, algorithms, publicJwk]);
  return { kid: j.kid, fingerprint, key, algorithms: new Set(algorithms) };
}
