// RFC 9449 §4.2-4.3 (the `jwk` header of a DPoP proof) and RFC 7638 (JWK thumbprints): a proof key
// must be a public asymmetric key of a sane size; its thumbprint is what `cnf.jkt` names.
import { createHash, type KeyObject } from 'node:crypto';
import { InvalidDpopProofError } from '../../errors/resource-server.error.js';
import { LruCache } from '../cache/lru-cache.js';
import { importJwk } from '../jose/jwk.js';

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const REQUIRED_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};
// Private (and symmetric) members: a proof carrying any of them is refused, not just stripped.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_RSA_BITS = 8192;
const MAX_MEMBER_LENGTH = 2048;

/** A proof key: its RFC 7638 thumbprint (base64url SHA-256) and the public KeyObject. */
export interface ProofKey {
  readonly thumbprint: string;
  readonly key: KeyObject;
}

/**
 * The RFC 7638 thumbprint of a public JWK (base64url of the SHA-256 of its required members), or
 * undefined when a required member is missing or not a string.
 * @example jwkThumbprint({ kty: 'EC', crv: 'P-256', x: '...', y: '...' }) // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const members =
    typeof jwk.kty === 'string' && Object.hasOwn(REQUIRED_MEMBERS, jwk.kty) ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (!members) return undefined;
  const canonical: Record<string, string> = {};
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string' || value === '' || value.length > MAX_MEMBER_LENGTH) return undefined;
    canonical[member] = value;
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/**
 * Imports proof keys, remembering the last ones by thumbprint (a client signs every proof with the
 * same key, so the import is paid once per key, not per request).
 */
export class ProofKeys {
  private readonly keys = new LruCache<string, KeyObject>(1000);

  /** The proof key of a `jwk` header. Throws `InvalidDpopProofError('dpop_proof_key')` for anything unusable. */
  read(jwk: unknown): ProofKey {
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
      throw new InvalidDpopProofError('dpop_proof_key');
    const members = jwk as Record<string, unknown>;
    if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(members, m))) throw new InvalidDpopProofError('dpop_proof_key');
    const thumbprint = jwkThumbprint(members);
    if (thumbprint === undefined) throw new InvalidDpopProofError('dpop_proof_key');
    const cached = this.keys.get(thumbprint, 0);
    if (cached) return { thumbprint, key: cached };
    const imported = importJwk(members);
    if ('skipped' in imported)
      throw new InvalidDpopProofError('dpop_proof_key', { cause: new Error(imported.skipped) });
    const bits = imported.key.asymmetricKeyDetails?.modulusLength;
    if (bits !== undefined && bits > MAX_RSA_BITS) throw new InvalidDpopProofError('dpop_proof_key');
    this.keys.set(thumbprint, imported.key, Number.POSITIVE_INFINITY);
    return { thumbprint, key: imported.key };
  }
}
