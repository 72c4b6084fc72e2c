/**
 * DPoP proofs (RFC 9449 §4.2) signed with real keys, with every member overridable, for specs of
 * the proof rules. The e2e suites use panva's `dpop` client instead, to test against outside code.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { TestKey } from './keys.js';
import { jwkThumbprint } from './keys.js';
import { nowSeconds, signJwt } from './tokens.js';

/** The public JWK members a proof carries (no kid, alg or use). */
export function proofJwk(key: TestKey): Record<string, unknown> {
  const { kid: _kid, alg: _alg, use: _use, ...jwk } = key.publicJwk;
  return jwk;
}

/** `cnf.jkt` for a key: its RFC 7638 thumbprint. */
export function jkt(key: TestKey): string {
  return jwkThumbprint(key.publicJwk);
}

/** `ath`: base64url SHA-256 of the access token. */
export function ath(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Claims of a proof; `undefined` leaves one out. */
export interface ProofClaims {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  ath?: string;
  nonce?: string;
  [claim: string]: unknown;
}

/**
 * A proof for `htm` `htu` bound to `token` (its `ath`), fresh `iat` and `jti`; `claims` and `header`
 * override or (with undefined) remove members.
 * @example dpopProof(key, token, { htm: 'GET', htu: 'http://127.0.0.1:3000/me' })
 */
export function dpopProof(
  key: TestKey,
  token: string | undefined,
  claims: ProofClaims,
  header: Record<string, unknown> = {},
): string {
  const payload = {
    jti: randomUUID(),
    iat: nowSeconds(),
    ...(token === undefined ? {} : { ath: ath(token) }),
    ...claims,
  };
  return signJwt(key, payload, { typ: 'dpop+jwt', jwk: proofJwk(key), kid: undefined, ...header });
}
