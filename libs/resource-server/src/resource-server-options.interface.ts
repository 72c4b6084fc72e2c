import type { JwsAlgorithm } from './core/algorithms.js';
import type { TokenLocation } from './core/token-extractor.js';

/**
 * Options of `ResourceServerModule.forRoot()` / `forRootAsync()`.
 * @example
 * ResourceServerModule.forRoot({
 *   issuer: 'https://tenant.eu.auth0.com/',
 *   audience: 'https://api.example.com',
 * })
 */
export interface ResourceServerModuleOptions {
  /**
   * The issuer identifier, exactly as it appears in the tokens' `iss` claim and in the issuer's
   * discovery document (mind trailing slashes: Auth0 has one, Keycloak has none). Required.
   */
  issuer: string;
  /**
   * The audience(s) this API accepts: a token must name at least one in `aud`. Required; set `false`
   * to disable the check explicitly (only for issuers that put no audience in access tokens).
   */
  audience: string | readonly string[] | false;
  /**
   * The JWKS URL. When omitted it is read from `{issuer}/.well-known/openid-configuration`, falling
   * back to the RFC 8414 `/.well-known/oauth-authorization-server` document.
   */
  jwksUri?: string;
  /**
   * Accepted JWS algorithms. HMAC and `none` are never accepted.
   * @default ['RS256','RS384','RS512','PS256','PS384','PS512','ES256','ES384','ES512']
   */
  algorithms?: readonly JwsAlgorithm[];
  /** Seconds of clock skew tolerated when checking `exp`, `nbf` and `iat`. @default 5 */
  clockTolerance?: number;
  /** Seconds after `iat` beyond which a token is refused (and `iat` becomes required). @default undefined (no limit) */
  maxTokenAge?: number;
  /** Claims that must be present in every token, e.g. `['sub', 'jti']`. @default [] */
  requiredClaims?: readonly string[];
  /**
   * RFC 9068 strict mode: the header `typ` must be `at+jwt` and `iss`, `exp`, `aud`, `sub`, `client_id`,
   * `iat`, `jti` are required. Without it, a `typ` other than JWT / at+jwt is still refused. @default false
   */
  strict?: boolean;
  /** Claims scopes are read from, in order; a claim may be a space-delimited string or an array. @default ['scope', 'scp'] */
  scopeClaims?: readonly string[];
  /**
   * Where else, besides the `Authorization: Bearer` header (always read), a token may be sent:
   * `'body'` (RFC 6750 §2.2 form parameter), `'query'` (§2.3; tokens in URLs end up in logs). @default []
   */
  tokenLocations?: readonly TokenLocation[];
  /** Tokens longer than this many characters are refused before any parsing. @default 8192 */
  maxTokenLength?: number;
  /** The `realm` of the `WWW-Authenticate` challenge. @default 'api' */
  realm?: string;
  /** Milliseconds before a call to the issuer (discovery, JWKS) is abandoned. @default 5000 */
  httpTimeoutMs?: number;
  /** Allow `http:` issuer, JWKS and metadata URLs on hosts other than loopback (never in production!). @default false */
  allowInsecureRequests?: boolean;
  /**
   * Tokens that verified once are not verified again until they could have changed: entries are keyed
   * by a SHA-256 of the token, expire no later than its `exp`, have `exp`/`nbf`/`iat` re-checked on every
   * hit, and are dropped once the signing key leaves the key set. Failures are never cached.
   * `false` turns it off. @default { maxEntries: 10000 }
   */
  verifiedTokenCache?: { maxEntries?: number } | false;
  /** Key-set caching and refetch limits. */
  keySet?: KeySetOptions;
  /** Fetch discovery and the JWKS at startup. Startup never waits longer than the HTTP timeout. @default false */
  warmUp?: boolean;
}

/** How the issuer's key set is cached and refetched. Durations in milliseconds. */
export interface KeySetOptions {
  /** Age after which the key set is refreshed in the background (the old one keeps answering). @default 600000 (10 min) */
  cacheMaxAgeMs?: number;
  /** While refreshes fail, keys are used until this age, then requests get 503. @default 43200000 (12 h) */
  maxStaleAgeMs?: number;
  /** At most one refetch per this interval for tokens whose `kid` is unknown. @default 30000 */
  refetchCooldownMs?: number;
  /** While the issuer is failing, at most one attempt per this interval. @default 5000 */
  retryIntervalMs?: number;
  /** An unknown `kid` is answered without looking again for this long. @default 60000 */
  negativeCacheTtlMs?: number;
  /** Unknown `kid`s remembered at most. @default 1000 */
  negativeCacheSize?: number;
  /** Keys read from one key set at most. @default 100 */
  maxKeys?: number;
}
