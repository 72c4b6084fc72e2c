import { readScopes } from './scopes.js';

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
 * ⁣@Get('me') me(@Principal() caller: Principal) { return { sub: caller.subject, scopes: caller.scopes }; }
 */
export interface Principal {
  /** `sub`: the user, or for machine-to-machine tokens usually the client. */
  readonly subject: string | undefined;
  /** The OAuth client the token was issued to (`client_id`, else `azp`). */
  readonly clientId: string | undefined;
  /** Granted scopes, from the configured scope claims (default `scope` and `scp`). */
  readonly scopes: readonly string[];
  /** The issuer that signed the token. */
  readonly issuer: string;
  /** `aud` as a list (empty when the token has none). */
  readonly audience: readonly string[];
  /** `exp`, seconds since the epoch (undefined only for an introspected token without `exp`). */
  readonly expiresAt: number | undefined;
  /** Every claim of the token. */
  readonly claims: Readonly<AccessTokenClaims>;
  /** The raw access token, e.g. to call the userinfo endpoint or a downstream API on the caller's behalf. */
  readonly token: string;
  /** How the token was validated: a JWT verified locally, or an opaque token introspected (RFC 7662). */
  readonly tokenFormat: 'jwt' | 'opaque';
}

/** Builds the principal from claims that already passed validation. */
export function buildPrincipal(
  token: string,
  claims: Readonly<Record<string, unknown>>,
  scopeClaims: readonly string[],
  tokenFormat: Principal['tokenFormat'] = 'jwt',
  issuer = claims.iss as string,
): Principal {
  const c = claims as AccessTokenClaims;
  const aud = c.aud;
  const clientId = typeof c.client_id === 'string' ? c.client_id : typeof c.azp === 'string' ? c.azp : undefined;
  return Object.freeze({
    subject: c.sub,
    clientId,
    scopes: Object.freeze(readScopes(claims, scopeClaims)),
    issuer,
    audience: Object.freeze(typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []),
    expiresAt: c.exp,
    claims: Object.freeze(c),
    token,
    tokenFormat,
  });
}
