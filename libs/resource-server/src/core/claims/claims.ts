// RFC 7519 §4.1 registered claims, RFC 8725 §3.8-3.10 (issuer, audience, explicit typing) and
// RFC 9068 §2.2 / §4 (JWT access token profile, used in strict mode).
import { InvalidTokenError } from '../../errors/resource-server.error.js';

/** What a token's claims are checked against; one per trusted issuer. */
export interface ClaimRules {
  readonly issuer: string;
  /** Accepted audiences (any one matches), or false when the audience check is disabled on purpose. */
  readonly audiences: readonly string[] | false;
  /** Seconds of clock skew tolerated on exp, nbf and iat. */
  readonly clockTolerance: number;
  /** Seconds since iat after which a token is refused, if set. */
  readonly maxTokenAge: number | undefined;
  readonly requiredClaims: readonly string[];
  /** RFC 9068: header typ at+jwt and the profile's claims are required. */
  readonly strict: boolean;
  /** The claim matched against `audiences` (`aud`, or `client_id` for issuers without `aud`). */
  readonly audienceClaim: 'aud' | 'client_id';
  /** Whether the provider's ID/refresh-token markers are checked (done by the verifier). */
  readonly checkTokenKind: boolean;
  /** For an issuer expanded from a `{tenantid}` template: the tenant its tokens must name. */
  readonly requiredTenant: string | undefined;
  /** The claim naming the tenant. */
  readonly tenantClaim: string;
}

const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
const STRING_CLAIMS = ['sub', 'client_id', 'jti'] as const;
// Explicit typing (RFC 8725 §3.11): a token typed as something else (a DPoP proof, a logout token,
// a security event) is never an access token, whatever its claims say.
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt', 'application/jwt', 'application/at+jwt']);
const STRICT_TYPES = new Set(['at+jwt', 'application/at+jwt']);

/** Checks the protected header's `typ`. */
export function checkTokenType(header: Readonly<Record<string, unknown>>, strict: boolean): void {
  const typ = header.typ;
  if (typ === undefined && !strict) return;
  if (typeof typ !== 'string' || !(strict ? STRICT_TYPES : ACCESS_TOKEN_TYPES).has(typ.toLowerCase())) {
    throw new InvalidTokenError('wrong_token_type');
  }
}

function numericDate(payload: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidTokenError('invalid_claim', { description: `The access token claim "${name}" is not a NumericDate` });
  }
  return value;
}

function missing(name: string): InvalidTokenError {
  return new InvalidTokenError('missing_claim', { description: `The access token lacks the required claim "${name}"` });
}

function checkAudience(aud: unknown, accepted: readonly string[], claim: string): void {
  if (aud === undefined) throw missing(claim);
  const values = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
    throw new InvalidTokenError('invalid_claim', { description: `The access token claim "${claim}" is malformed` });
  }
  if (!values.some((v) => accepted.includes(v))) throw new InvalidTokenError('audience_mismatch');
}

/** Validates registered and required claims of a verified payload at `now` (seconds). */
export function validateClaims(payload: Readonly<Record<string, unknown>>, rules: ClaimRules, now: number): void {
  if (payload.iss !== rules.issuer) throw new InvalidTokenError('untrusted_issuer');
  const tolerance = rules.clockTolerance;
  const exp = numericDate(payload, 'exp');
  if (exp === undefined) throw missing('exp');
  if (now >= exp + tolerance) throw new InvalidTokenError('expired');
  const nbf = numericDate(payload, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance) throw new InvalidTokenError('not_yet_valid');
  const iat = numericDate(payload, 'iat');
  if (iat !== undefined && iat > now + tolerance) throw new InvalidTokenError('issued_in_future');
  if (rules.maxTokenAge !== undefined) {
    if (iat === undefined) throw missing('iat');
    if (now - iat > rules.maxTokenAge + tolerance) throw new InvalidTokenError('too_old');
  }
  if (rules.audiences !== false) checkAudience(payload[rules.audienceClaim], rules.audiences, rules.audienceClaim);
  // A multi-tenant issuer template only means something if the token's tenant is the issuer's tenant.
  if (rules.requiredTenant !== undefined && payload[rules.tenantClaim] !== rules.requiredTenant) {
    throw new InvalidTokenError('untrusted_issuer');
  }
  for (const name of STRING_CLAIMS) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') {
      throw new InvalidTokenError('invalid_claim', { description: `The access token claim "${name}" is not a string` });
    }
  }
  if (rules.strict) for (const name of RFC9068_CLAIMS) if (payload[name] === undefined || payload[name] === null) throw missing(name);
  for (const name of rules.requiredClaims) {
    if (payload[name] === undefined || payload[name] === null) throw missing(name);
  }
}
