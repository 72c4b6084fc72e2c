// What differs between identity providers' access tokens, one profile per provider. Facts from each
// provider's documentation; the provider pages in docs/providers/ say where each one comes from.
import { InvalidTokenError } from '../../errors/resource-server.error.js';

/** Provider presets. */
export type ProviderPreset = 'generic' | 'auth0' | 'authing' | 'ory' | 'keycloak' | 'okta' | 'entra' | 'cognito';

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  'generic',
  'auth0',
  'authing',
  'ory',
  'keycloak',
  'okta',
  'entra',
  'cognito',
];

type Claims = Readonly<Record<string, unknown>>;

/** How one provider shapes its tokens. */
export interface ProviderProfile {
  readonly scopeClaims: readonly string[];
  /** Claim paths holding roles or permissions. */
  readonly roleClaims: readonly ClaimPath[];
  /** Claims naming the client, first present wins. */
  readonly clientIdClaims: readonly string[];
  /** The claim the audience is checked against (`client_id` for Cognito, whose access tokens have no `aud`). */
  readonly audienceClaim: 'aud' | 'client_id';
  readonly tenantClaim: string | undefined;
  /** Throws when the claims describe something other than an access token (an ID or refresh token). */
  checkTokenKind(claims: Claims): void;
  /** Whether the token was issued to a client acting for itself (client credentials), not to a user. */
  isMachine(claims: Claims, clientId: string | undefined): boolean;
}

function wrongKind(): never {
  throw new InvalidTokenError('wrong_token_type');
}

/** Claims only an OpenID Connect ID token carries (OIDC Core §2, §3.1.3.6, §3.3.2.11). */
function refuseIdTokenMarkers(claims: Claims): void {
  if (claims.nonce !== undefined || claims.at_hash !== undefined || claims.c_hash !== undefined) wrongKind();
}

const subIsClient = (claims: Claims, clientId: string | undefined) => clientId !== undefined && claims.sub === clientId;

const base = {
  scopeClaims: ['scope', 'scp'],
  roleClaims: ['roles'],
  clientIdClaims: ['client_id', 'azp'],
  audienceClaim: 'aud',
  tenantClaim: undefined,
  checkTokenKind: refuseIdTokenMarkers,
  isMachine: (claims: Claims, clientId: string | undefined) =>
    claims.sub === undefined || subIsClient(claims, clientId),
} as const satisfies ProviderProfile;

export const PROVIDER_PROFILES: Readonly<Record<ProviderPreset, ProviderProfile>> = {
  generic: base,
  auth0: {
    ...base,
    scopeClaims: ['scope'],
    roleClaims: ['permissions'],
    clientIdClaims: ['azp', 'client_id'],
    tenantClaim: 'org_id',
    isMachine: (claims) =>
      claims.gty === 'client-credentials' || (typeof claims.sub === 'string' && claims.sub.endsWith('@clients')),
  },
  authing: { ...base, scopeClaims: ['scope'], clientIdClaims: ['azp', 'client_id'] },
  ory: {
    ...base,
    scopeClaims: ['scp', 'scope'],
    roleClaims: [],
    clientIdClaims: ['client_id'],
    isMachine: (c, id) => subIsClient(c, id),
  },
  keycloak: {
    ...base,
    scopeClaims: ['scope'],
    roleClaims: ['realm_access.roles'],
    clientIdClaims: ['azp', 'client_id'],
    // Keycloak types its tokens in the payload: Bearer (access), ID, Refresh, Logout.
    checkTokenKind: (claims) => {
      if (claims.typ !== undefined && claims.typ !== 'Bearer') wrongKind();
    },
    isMachine: (claims) =>
      (typeof claims.preferred_username === 'string' && claims.preferred_username.startsWith('service-account-')) ||
      typeof claims.client_id === 'string',
  },
  okta: {
    ...base,
    scopeClaims: ['scp'],
    roleClaims: ['groups'],
    clientIdClaims: ['cid', 'client_id'],
    // Okta prefixes token ids: AT. for access tokens, ID. for ID tokens.
    checkTokenKind: (claims) => {
      refuseIdTokenMarkers(claims);
      if (typeof claims.jti === 'string' && claims.jti.startsWith('ID.')) wrongKind();
    },
    isMachine: (c, id) => subIsClient(c, id),
  },
  entra: {
    ...base,
    scopeClaims: ['scp'],
    roleClaims: ['roles'],
    clientIdClaims: ['azp', 'appid'],
    tenantClaim: 'tid',
    // Access tokens always name the client (`azp` in v2.0, `appid` in v1.0); ID tokens never do, and
    // carry `nonce` only when the sign-in asked for one.
    checkTokenKind: (claims) => {
      refuseIdTokenMarkers(claims);
      if (claims.azp === undefined && claims.appid === undefined) wrongKind();
    },
    // App-only tokens carry `idtyp: app` (when the optional claim is on) and never `scp`.
    isMachine: (claims) => claims.idtyp === 'app' || claims.scp === undefined,
  },
  cognito: {
    ...base,
    scopeClaims: ['scope'],
    roleClaims: ['cognito:groups'],
    clientIdClaims: ['client_id'],
    audienceClaim: 'client_id',
    checkTokenKind: (claims) => {
      if (claims.token_use !== 'access') wrongKind();
    },
    isMachine: (c, id) => c.username === undefined && subIsClient(c, id),
  },
};

/**
 * A claim path: a claim name, or dot-separated into nested objects (`realm_access.roles`), or explicit
 * segments for names that contain dots (`['resource_access', 'orders.api', 'roles']`).
 */
export type ClaimPath = string | readonly string[];

/**
 * Reads a claim by path. For a string path an exact top-level name wins, so namespaced claims with
 * dots (`https://example.com/roles`) work as written.
 */
export function readClaimPath(claims: Claims, path: ClaimPath): unknown {
  if (typeof path === 'string' && Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const part of typeof path === 'string' ? path.split('.') : path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Reads roles from claim paths: arrays of strings, or space-delimited strings; anything else is ignored. */
export function readRoles(claims: Claims, paths: readonly ClaimPath[]): string[] {
  const roles = new Set<string>();
  for (const path of paths) {
    const value = readClaimPath(claims, path);
    const list = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const role of list) if (typeof role === 'string' && role !== '') roles.add(role);
  }
  return [...roles];
}
