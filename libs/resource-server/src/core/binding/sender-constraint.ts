// The one place that decides about `cnf` (RFC 7800 confirmation): a sender-constrained token is
// accepted only with proof that the caller holds the key it is bound to.
//   RFC 9449 (DPoP) §7.1-7.2: `cnf.jkt` tokens only with the DPoP scheme and a valid proof, never as
//   Bearer (no downgrade); per-issuer policy off | allowed | required.
//   RFC 8705 §3: `cnf["x5t#S256"]` tokens only over a connection with that client certificate.
// A `cnf` with any other (or no usable) confirmation method cannot be checked, so it is refused.
import { InvalidTokenError } from '../../errors/resource-server.error.js';
import type { DpopPolicy } from '../config/sender-constraint-config.js';

export type { DpopPolicy };
import type { VerifiedPrincipal } from '../claims/principal.js';
import type { DpopProofVerifier, DpopRequest, VerifiedProof } from '../dpop/dpop-proof.js';

/** How the call presented its token, and the evidence of possession it carries. */
export interface Presentation {
  /** The authorization scheme: `bearer` (RFC 6750) or `dpop` (RFC 9449). */
  readonly scheme: 'bearer' | 'dpop';
  /** The DPoP proof(s) and the request they must match (with the `dpop` scheme). */
  readonly dpop?: DpopRequest;
  /** The SHA-256 thumbprint (base64url) of the client's TLS certificate, read only when a token needs it. */
  readonly clientCertificate?: () => string | undefined;
}

interface Confirmation {
  readonly jkt: string | undefined;
  readonly x5t: string | undefined;
}

function confirmationOf(claims: Readonly<Record<string, unknown>>): Confirmation | undefined {
  const cnf = claims.cnf;
  if (cnf === undefined) return undefined;
  const bad = () => new InvalidTokenError('unsupported_confirmation');
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw bad();
  const { jkt, 'x5t#S256': x5t } = cnf as Record<string, unknown>;
  if (
    (jkt !== undefined && (typeof jkt !== 'string' || jkt === '')) ||
    (x5t !== undefined && (typeof x5t !== 'string' || x5t === ''))
  )
    throw bad();
  if (jkt === undefined && x5t === undefined) throw bad();
  return { jkt: jkt, x5t: x5t };
}

/**
 * Checks that a verified token was presented the way its binding requires. Undefined (synchronous)
 * when nothing asynchronous is needed, a promise when a DPoP proof must be checked (replay store).
 */
export class SenderConstraints {
  constructor(
    private readonly policies: ReadonlyMap<string, DpopPolicy>,
    private readonly dpop: DpopProofVerifier | undefined,
  ) {}

  check(principal: VerifiedPrincipal, presentation: Presentation): undefined | Promise<VerifiedProof> {
    const cnf = confirmationOf(principal.claims);
    if (cnf?.x5t !== undefined) {
      const presented = presentation.clientCertificate?.();
      if (presented === undefined) throw new InvalidTokenError('certificate_required');
      if (presented !== cnf.x5t) throw new InvalidTokenError('certificate_mismatch');
    }
    const policy = this.policies.get(principal.issuer) ?? 'allowed';
    if (presentation.scheme === 'bearer') {
      if (cnf?.jkt !== undefined) throw new InvalidTokenError('dpop_bound_token_as_bearer');
      if (policy === 'required') throw new InvalidTokenError('dpop_required');
      return undefined;
    }
    if (policy === 'off' || !this.dpop) throw new InvalidTokenError('dpop_not_allowed');
    if (cnf?.jkt === undefined) throw new InvalidTokenError('token_not_dpop_bound');
    return this.dpop.verify(presentation.dpop ?? { proofs: [], method: '', url: undefined }, principal.token, cnf.jkt);
  }
}
