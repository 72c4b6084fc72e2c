import type { IssuerConfig } from '../config/issuer-config.js';
import { readRoles } from './providers.js';
import { readScopes } from './scopes.js';
import { ownClaim } from './own-claims.js';

/** The claims of a verified access token: the registered ones typed, anything else as the issuer sent it. */
export interface AccessTokenClaims {
  /** Always present in a JWT; an introspection answer may omit it. */
  iss?: string;
  /** Always present in a JWT; an introspection answer may omit it. */
  exp?: number;
  sub?: string;
  aud?: string | string[];
  iat?: number;
  nbf?: number;
  jti?: string;
  client_id?: string;
  azp?: string;
  scope?: string;
  scp?: string | string[];
  [claim: string]: unknown;
}

/**
 * The verified caller, available to handlers through `@Principal()`.
 * @example
 * ```ts
 * @Get('me') me(@Principal() caller: VerifiedPrincipal) { return { sub: caller.subject, scopes: caller.scopes }; }
 * ```
 */
export interface VerifiedPrincipal {
  /** `sub`: the user, or for machine-to-machine tokens usually the client. */
  readonly subject: string | undefined;
  /** The OAuth client the token was issued to (`client_id`, else `azp`). */
  readonly clientId: string | undefined;
  /** Granted scopes, from the configured scope claims (default `scope` and `scp`). */
  readonly scopes: readonly string[];
  /** Roles or permissions, from the configured role claims (preset: `permissions`, `roles`, `realm_access.roles`, ...). */
  readonly roles: readonly string[];
  /** `machine` for a client acting for itself (client credentials), `user` otherwise. */
  readonly kind: 'user' | 'machine';
  /** The tenant or organization the token belongs to (`tid`, Auth0 `org_id`), when the token names one. */
  readonly tenant: string | undefined;
  /** The issuer that signed the token. */
  readonly issuer: string;
  /** `aud` as a list (empty when the token has none). */
  readonly audience: readonly string[];
  /** `exp`, seconds since the epoch (undefined only for an introspected token without `exp`). */
  readonly expiresAt: number | undefined;
  /** Every claim of the token. */
  readonly claims: Readonly<AccessTokenClaims>;
  /**
   * The raw access token, e.g. to call a downstream API on the caller's behalf. Not enumerable: it is
   * left out of `JSON.stringify`, `Object.keys`, spreads and `util.inspect`, so returning or logging
   * the principal never leaks it.
   */
  readonly token: string;
  /** How the token was validated: a JWT verified locally, or an opaque token introspected (RFC 7662). */
  readonly tokenFormat: 'jwt' | 'opaque';
}

function firstString(claims: Readonly<Record<string, unknown>>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = ownClaim(claims, name);
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** Builds the principal from claims that already passed validation, normalized by the issuer's preset. */
export function buildPrincipal(
  token: string,
  claims: Readonly<Record<string, unknown>>,
  issuer: IssuerConfig,
  tokenFormat: VerifiedPrincipal['tokenFormat'] = 'jwt',
): VerifiedPrincipal {
  const c = claims as AccessTokenClaims;
  const aud = ownClaim(claims, 'aud');
  const sub = ownClaim(claims, 'sub');
  const exp = ownClaim(claims, 'exp');
  const clientId = firstString(claims, issuer.profile.clientIdClaims);
  const tenant = ownClaim(claims, issuer.tenantClaim);
  const principal = {
    subject: typeof sub === 'string' ? sub : undefined,
    clientId,
    scopes: Object.freeze(readScopes(claims, issuer.scopeClaims)),
    roles: Object.freeze(readRoles(claims, issuer.roleClaims)),
    kind: issuer.profile.isMachine(claims, clientId) ? ('machine' as const) : ('user' as const),
    tenant: typeof tenant === 'string' ? tenant : undefined,
    issuer: issuer.issuer,
    audience: Object.freeze(typeof aud === 'string' ? [aud] : Array.isArray(aud) ? (aud as string[]) : []),
    expiresAt: typeof exp === 'number' ? exp : undefined,
    claims: Object.freeze(c),
    tokenFormat,
  };
  // Not enumerable: a handler that returns or logs the principal never serialises the token.
  Object.defineProperty(principal, 'token', { value: token, enumerable: false });
  return Object.freeze(principal as VerifiedPrincipal);
}
