// RFC 7519 §4.1 registered claims, RFC 8725 §3.8-3.10 (issuer, audience, explicit typing), RFC 9068
// §2.2 / §4 (JWT access token profile, used in strict mode) and RFC 7662 §2.2 (introspection answers).
// One validator for both token formats: the profile says what must be present; whatever is present
// is checked the same way, so the two formats cannot drift apart again.
import { InvalidTokenError } from '../../errors/resource-server.error.js';
import { ownClaim, hasClaim } from './own-claims.js';

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

/**
 * What a token format must carry. A JWT always names its issuer and expiry; an introspection answer
 * (RFC 7662 §2.2) may omit iss, aud and exp, and says what kind of token it is in `token_type`.
 */
export interface ClaimProfile {
  readonly format: 'jwt' | 'opaque';
  /** `iss`, `exp` and the audience claim must be present (else only checked when present). */
  readonly registeredClaimsRequired: boolean;
  /** RFC 7662 `token_type` is checked when present. */
  readonly checksTokenTypeMember: boolean;
  /** Whether `strict` (RFC 9068, a JWT profile) applies. */
  readonly strictApplies: boolean;
}

/** A JWT access token verified locally. */
export const JWT_PROFILE: ClaimProfile = Object.freeze({
  format: 'jwt',
  registeredClaimsRequired: true,
  checksTokenTypeMember: false,
  strictApplies: true,
});

/** An `active: true` introspection answer (RFC 7662) about an opaque token. */
export const INTROSPECTION_PROFILE: ClaimProfile = Object.freeze({
  format: 'opaque',
  registeredClaimsRequired: false,
  checksTokenTypeMember: true,
  strictApplies: false,
});

const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
const STRING_CLAIMS = ['sub', 'client_id', 'jti'] as const;
// Explicit typing (RFC 8725 §3.11): a token typed as something else (a DPoP proof, a logout token,
// a security event) is never an access token, whatever its claims say.
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt', 'application/jwt', 'application/at+jwt']);
const STRICT_TYPES = new Set(['at+jwt', 'application/at+jwt']);
// RFC 7662 token_type values that mean "an access token": a refresh token is refused. RFC 9449 §6.2:
// a DPoP-bound token is introspected with token_type DPoP and must carry cnf.jkt; the pipeline's
// binding check (core/binding/sender-constraint.ts) then demands its proof.
const ACCESS_TOKEN_TYPE_VALUES = new Set([
  'bearer',
  'dpop',
  'access_token',
  'urn:ietf:params:oauth:token-type:access_token',
]);

/**
 * Checks the protected header's `typ` (RFC 8725 §3.11; RFC 9068 §4 in strict mode).
 * @example
 * checkTokenType(jws.header, issuer.strict); // throws InvalidTokenError('wrong_token_type')
 */
export function checkTokenType(header: Readonly<Record<string, unknown>>, strict: boolean): void {
  const typ = ownClaim(header, 'typ');
  if (typ === undefined && !strict) return;
  if (typeof typ !== 'string' || !(strict ? STRICT_TYPES : ACCESS_TOKEN_TYPES).has(typ.toLowerCase())) {
    throw new InvalidTokenError('wrong_token_type');
  }
}

function missing(name: string): InvalidTokenError {
  return new InvalidTokenError('missing_claim', { description: `The access token lacks the required claim "${name}"` });
}

// Whole seconds, as other verifiers compare: a token minted this second is not "in the future" or
// "too old" because the clock has a fractional part.
function numericDate(claims: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = ownClaim(claims, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidTokenError('invalid_claim', {
      description: `The access token claim "${name}" is not a NumericDate`,
    });
  }
  return Math.floor(value);
}

function checkIssuer(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, profile: ClaimProfile): void {
  const iss = ownClaim(claims, 'iss');
  if (iss === undefined && !profile.registeredClaimsRequired) return;
  if (iss !== rules.issuer) throw new InvalidTokenError('untrusted_issuer');
}

function checkTokenTypeMember(claims: Readonly<Record<string, unknown>>): void {
  const type = ownClaim(claims, 'token_type');
  if (type !== undefined && (typeof type !== 'string' || !ACCESS_TOKEN_TYPE_VALUES.has(type.toLowerCase()))) {
    throw new InvalidTokenError('wrong_token_type');
  }
  const cnf = ownClaim(claims, 'cnf') as { jkt?: unknown } | undefined;
  if (typeof type === 'string' && type.toLowerCase() === 'dpop' && typeof cnf?.jkt !== 'string')
    throw new InvalidTokenError('wrong_token_type');
}

function checkTimes(
  claims: Readonly<Record<string, unknown>>,
  rules: ClaimRules,
  profile: ClaimProfile,
  nowSeconds: number,
): void {
  const now = Math.floor(nowSeconds);
  const tolerance = rules.clockTolerance;
  const exp = numericDate(claims, 'exp');
  if (exp === undefined && profile.registeredClaimsRequired) throw missing('exp');
  if (exp !== undefined && now >= exp + tolerance) throw new InvalidTokenError('expired');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance) throw new InvalidTokenError('not_yet_valid');
  const iat = numericDate(claims, 'iat');
  if (iat !== undefined && iat > now + tolerance) throw new InvalidTokenError('issued_in_future');
  if (rules.maxTokenAge !== undefined) {
    if (iat === undefined) throw missing('iat');
    if (now - iat > rules.maxTokenAge + tolerance) throw new InvalidTokenError('too_old');
  }
}

/**
 * The first moment (epoch milliseconds) at which claims that pass {@link validateClaims} now stop
 * passing: `exp` or, with `maxTokenAge`, `iat` + the maximum age (each with the clock tolerance, in
 * the whole seconds {@link validateClaims} compares). The rest of the rules do not depend on time, so
 * a cache may hand out a validated token until this moment without validating it again.
 * @example
 * cache.set(token, principal, claimsExpireAt(jws.payload, issuer));
 */
export function claimsExpireAt(claims: Readonly<Record<string, unknown>>, rules: ClaimRules): number {
  const tolerance = rules.clockTolerance;
  const exp = numericDate(claims, 'exp');
  // Expired once floor(now) >= exp + tolerance; too old once floor(now) > iat + maxTokenAge + tolerance.
  let until = exp === undefined ? Number.POSITIVE_INFINITY : exp + tolerance;
  const iat = numericDate(claims, 'iat');
  if (rules.maxTokenAge !== undefined && iat !== undefined)
    until = Math.min(until, iat + rules.maxTokenAge + tolerance + 1);
  return until * 1000;
}

function checkAudience(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, profile: ClaimProfile): void {
  if (rules.audiences === false) return;
  const claim = rules.audienceClaim;
  const aud = ownClaim(claims, claim);
  if (aud === undefined) {
    // RFC 7662 makes `aud` optional in an answer; `requiredClaims: ['aud']` insists on it.
    if (profile.registeredClaimsRequired) throw missing(claim);
    return;
  }
  const values = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
    throw new InvalidTokenError('invalid_claim', { description: `The access token claim "${claim}" is malformed` });
  }
  const accepted = rules.audiences;
  if (!values.some((v) => accepted.includes(v))) throw new InvalidTokenError('audience_mismatch');
}

function checkPresence(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, profile: ClaimProfile): void {
  for (const name of STRING_CLAIMS) {
    const value = ownClaim(claims, name);
    if (value !== undefined && typeof value !== 'string') {
      throw new InvalidTokenError('invalid_claim', { description: `The access token claim "${name}" is not a string` });
    }
  }
  if (rules.strict && profile.strictApplies)
    for (const name of RFC9068_CLAIMS) if (!hasClaim(claims, name)) throw missing(name);
  // Own properties only: `requiredClaims: ['constructor']` must not be met by Object.prototype.
  for (const name of rules.requiredClaims) if (!hasClaim(claims, name)) throw missing(name);
}

/**
 * Validates the claims of a verified JWT payload or of an active introspection answer at `now`
 * (seconds; compared in whole seconds). Throws {@link InvalidTokenError} naming what is wrong.
 * @param profile what the token format must carry: {@link JWT_PROFILE} (default) or {@link INTROSPECTION_PROFILE}
 * @example
 * validateClaims(answer, issuer, runtime.now() / 1000, INTROSPECTION_PROFILE);
 */
export function validateClaims(
  claims: Readonly<Record<string, unknown>>,
  rules: ClaimRules,
  now: number,
  profile: ClaimProfile = JWT_PROFILE,
): void {
  checkIssuer(claims, rules, profile);
  if (profile.checksTokenTypeMember) checkTokenTypeMember(claims);
  checkTimes(claims, rules, profile, now);
  checkAudience(claims, rules, profile);
  // A multi-tenant issuer template only means something if the token's tenant is the issuer's tenant.
  if (rules.requiredTenant !== undefined && ownClaim(claims, rules.tenantClaim) !== rules.requiredTenant) {
    throw new InvalidTokenError('untrusted_issuer');
  }
  checkPresence(claims, rules, profile);
}
