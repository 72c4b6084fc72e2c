import type { JwsAlgorithm } from './core/jose/algorithms.js';
import type { ClaimPath, ProviderPreset } from './core/claims/providers.js';
import type { TokenLocation } from './core/credentials/token-extractor.js';
import type { DpopProofOptions, ResourceMetadataOptions } from './sender-constraint-options.interface.js';
import type { Refusal } from './pipeline/refusal.js';

/**
 * Token rules that can be set once for every issuer and overridden per issuer.
 */
export interface IssuerDefaults {
  /**
   * Provider preset: sets `scopeClaims`, `roleClaims`, how the client id, tenant and machine tokens are
   * recognised, and the checks that refuse ID and refresh tokens. Each option set here still wins.
   * See docs/providers/. @default 'generic'
   */
  provider?: ProviderPreset;
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
   * `iat`, `jti` are required. Without it, a `typ` other than JWT / at+jwt is still refused. Applies to
   * JWTs only (RFC 9068 is a JWT profile); introspected tokens follow RFC 7662. @default false
   */
  strict?: boolean;
  /** Claims scopes are read from, in order; a claim may be a space-delimited string or an array. @default preset's (generic: ['scope', 'scp']) */
  scopeClaims?: readonly string[];
  /**
   * Claim paths roles or permissions are read from, for `@Roles()`: a claim name, dot-separated for
   * nested claims (`realm_access.roles`, `resource_access.my-api.roles`), or explicit segments for
   * names with dots (`['resource_access', 'orders.api', 'roles']`). @default preset's (generic: ['roles'])
   */
  roleClaims?: readonly ClaimPath[];
  /** The claim the audience is matched against. @default preset's ('aud'; 'client_id' for Cognito) */
  audienceClaim?: 'aud' | 'client_id';
  /** Refuse ID / refresh tokens by the preset's markers (`nonce`, `at_hash`, Cognito `token_use`, Keycloak `typ`, ...). @default true */
  checkTokenKind?: boolean;
  /** Allow `http:` issuer, JWKS and metadata URLs on hosts other than loopback (never in production!). @default false */
  allowInsecureRequests?: boolean;
  /**
   * DPoP (RFC 9449) for this issuer's tokens. `'allowed'`: unbound tokens as Bearer, DPoP-bound tokens
   * (`cnf.jkt`) only with the DPoP scheme and a valid proof; `'required'`: only DPoP-bound tokens;
   * `'off'`: the DPoP scheme is refused (a DPoP-bound token then cannot be used at all: its binding
   * is never ignored). See docs/sender-constrained-tokens.md. @default 'allowed'
   */
  dpop?: 'off' | 'allowed' | 'required';
}

/**
 * One trusted issuer.
 * @example
 * { issuer: 'https://tenant.eu.auth0.com/', audience: 'https://api.example.com', provider: 'auth0' }
 */
export interface IssuerOptions extends IssuerDefaults {
  /**
   * The issuer identifier, exactly as it appears in the tokens' `iss` claim and in the issuer's
   * discovery document (mind trailing slashes: Auth0 has one, Keycloak has none). A `{tenantid}`
   * placeholder (Entra ID multi-tenant) is expanded for every tenant in `tenants`.
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
  /** With a `{tenantid}` issuer: the tenant ids (GUIDs) accepted; the token's `tid` must be the issuer's tenant. */
  tenants?: readonly string[];
}

/** Options that apply to the module as a whole. */
export interface GlobalOptions extends IssuerDefaults {
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
  /** Key-set caching and refetch limits. */
  keySet?: KeySetOptions;
  /**
   * Fetch discovery and the JWKS at startup. Startup waits at most about three HTTP timeouts
   * (discovery, its RFC 8414 fallback, then the JWKS) and never fails. @default false
   */
  warmUp?: boolean;
  /**
   * Tokens that verified once are not verified again until they could have changed: entries are keyed
   * by a SHA-256 of the token, expire no later than its `exp`, have `exp`/`nbf`/`iat` re-checked on every
   * hit, and are dropped once the signing key leaves the key set. Failures are never cached.
   * `false` turns it off. @default { maxEntries: 10000 }
   */
  verifiedTokenCache?: { maxEntries?: number } | false;
  /**
   * Which tokens are accepted: `'jwt'` verified locally; `'opaque'` every token introspected (RFC 7662);
   * `'auto'` a JWS verified locally, anything else introspected. `'opaque'` and `'auto'` need
   * `introspection` client credentials; opaque tokens are introspected at the first issuer. @default 'jwt'
   */
  tokenType?: 'jwt' | 'opaque' | 'auto';
  /** Token introspection (RFC 7662), for `tokenType: 'opaque' | 'auto'`. */
  introspection?: IntrospectionOptions;
  /** The caller's OpenID userinfo (`UserInfoService`, `@UserInfo()`). */
  userInfo?: UserInfoOptions;
  /** Where WebSocket handshakes carry the token (`@nestjs/websockets`). */
  websockets?: WebSocketOptions;
  /** Where microservice messages carry the token (`@nestjs/microservices`). */
  microservices?: MicroserviceOptions;
  /** How DPoP proofs are checked (RFC 9449 §4.3), for issuers whose `dpop` is not `'off'`. */
  dpopProof?: DpopProofOptions;
  /**
   * The app runs behind a trusted reverse proxy: the external URL a DPoP proof's `htu` must match is
   * taken from `Forwarded` (RFC 7239), else `X-Forwarded-Proto` / `X-Forwarded-Host`. Never set it
   * when clients can reach the app directly: they could then choose the URL. @default false
   */
  trustProxy?: boolean;
  /**
   * Mutual TLS behind a TLS-terminating proxy (RFC 8705): the request header in which the proxy
   * forwards the client certificate (PEM, URL-encoded PEM, or base64 DER), e.g. `'x-ssl-client-cert'`.
   * When set, only this header is read (the proxy must overwrite it on every request); when unset,
   * the certificate of the TLS connection itself. @default undefined
   */
  clientCertificateHeader?: string;
  /** Serve RFC 9728 protected-resource metadata and name it in challenges (`resource_metadata`). */
  resourceMetadata?: ResourceMetadataOptions;
  /**
   * RFC 9457 error bodies over HTTP: `application/problem+json` with `type`, `title`, `status`,
   * `detail` and the RFC 6750 `error` code, instead of `{ statusCode, error, message }`. The
   * `WWW-Authenticate` challenge is the same either way. @default false
   */
  problemDetails?: boolean;
  /**
   * Called on every call the guard refuses, on any transport, e.g. for an audit log: the stable code, the
   * status, the issuer (when known) and the route. Never receives the token. Must not throw (an
   * error it throws is logged and ignored). @default undefined
   */
  onRefusal?: (refusal: Refusal) => void;
  /**
   * Metrics and spans through `@opentelemetry/api` (an optional peer, loaded at startup when
   * installed; without it, or with `false`, nothing is recorded). See docs/observability.md. @default true
   */
  telemetry?: boolean;
  /** Share introspection and userinfo caches, DPoP replay state and revocations between instances. */
  redis?: RedisOptions;
  /** Revocation of tokens before their `exp` (always on; shared through `redis` when set). */
  revocation?: RevocationOptions;
}

/**
 * WebSocket handshakes. The token is always read from socket.io's `auth.token` (raw or `Bearer ...`)
 * and from the handshake's `Authorization: Bearer` header.
 * @example
 * websockets: { queryToken: true } // a browser's native WebSocket cannot send headers
 */
export interface WebSocketOptions {
  /** Also read `?access_token=` from the handshake URL (URLs end up in logs: only where nothing else works). @default false */
  queryToken?: boolean;
}

/**
 * Microservice messages. By default the token is read, as `Bearer <token>`, from the field
 * `tokenField` of the payload, of the payload's `headers` object, and of the transport's own headers
 * (TCP / Redis packet metadata, NATS headers, Kafka record headers, RMQ message headers, MQTT 5 user
 * properties, gRPC metadata).
 * @example
 * microservices: { readToken: (data) => (data as { meta?: { jwt?: string } }).meta?.jwt }
 */
export interface MicroserviceOptions {
  /** The field / header / metadata key holding `Bearer <token>` (lower case for gRPC metadata). @default 'authorization' */
  tokenField?: string;
  /**
   * Reads the token of a message instead (`data`: the payload; `context`: Nest's transport context,
   * gRPC `Metadata`). Returns the token (raw or `Bearer ...`), or undefined when there is none.
   * @default undefined (read `tokenField`)
   */
  readToken?: (data: unknown, context: unknown) => string | undefined;
}

/**
 * Options of `ResourceServerModule.forRoot()` / `forRootAsync()`: one issuer inline, or several in
 * `issuers` (top-level token rules then apply to each unless it sets its own).
 * @example
 * ResourceServerModule.forRoot({ issuer: 'https://tenant.eu.auth0.com/', audience: 'https://api.example.com' })
 * @example
 * ResourceServerModule.forRoot({
 *   clockTolerance: 10,
 *   issuers: [
 *     { issuer: 'https://tenant.eu.auth0.com/', audience: 'https://api.example.com', provider: 'auth0' },
 *     { issuer: 'https://sso.internal/realms/staff', audience: 'orders-api', provider: 'keycloak' },
 *   ],
 * })
 */
export interface ResourceServerModuleOptions extends GlobalOptions {
  /** The single issuer (see {@link IssuerOptions.issuer}). Required unless `issuers` is set. */
  issuer?: string;
  /** Its audience(s), or `false` (see {@link IssuerOptions.audience}). Required with `issuer`. */
  audience?: string | readonly string[] | false;
  /** Its JWKS URL (see {@link IssuerOptions.jwksUri}). */
  jwksUri?: string;
  /** Its tenants, for a `{tenantid}` issuer (see {@link IssuerOptions.tenants}). */
  tenants?: readonly string[];
  /** Several trusted issuers, instead of `issuer`; a token is checked only against the one its `iss` names. */
  issuers?: readonly IssuerOptions[];
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

/**
 * How the caller's userinfo is fetched and cached.
 * @example
 * userInfo: { cacheTtlMs: 120_000, store: 'cache-manager', tokenClaims: 'fallback' }
 */
export interface UserInfoOptions {
  /** The userinfo endpoint. @default the issuer's discovery `userinfo_endpoint` */
  endpoint?: string;
  /** Longest reuse of one answer for the same token, ms; never past the token's `exp`. @default 300000 (5 min) */
  cacheTtlMs?: number;
  /** Entries of the default in-memory store. @default 10000 */
  cacheMaxEntries?: number;
  /**
   * `'memory'`: a bounded per-process LRU. `'cache-manager'`: the app's `CACHE_MANAGER`
   * (`@nestjs/cache-manager`, e.g. a Redis store shared by every instance). @default 'memory'
   */
  store?: 'memory' | 'cache-manager';
  /**
   * The token's own claims: `'ignore'`; `'fallback'`, used when the issuer has no userinfo endpoint;
   * `'merge'`, userinfo claims over the token's user claims (or the token's alone without an endpoint).
   * @default 'ignore'
   */
  tokenClaims?: 'ignore' | 'fallback' | 'merge';
  /** Milliseconds before the userinfo call is abandoned (answered 504). @default httpTimeoutMs */
  timeoutMs?: number;
}

/**
 * How opaque tokens are introspected (RFC 7662).
 * @example
 * introspection: { clientId: 'my-api', clientSecret: process.env.API_CLIENT_SECRET!, cacheTtlMs: 30_000 }
 */
export interface IntrospectionOptions {
  /** The introspection endpoint. @default the issuer's discovery `introspection_endpoint` */
  endpoint?: string;
  /** This resource server's client id at the issuer. Required. */
  clientId: string;
  /** This resource server's client secret. Required. */
  clientSecret: string;
  /** How the resource server authenticates. @default 'client_secret_basic' */
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Milliseconds before an introspection call is abandoned (answered 503). @default httpTimeoutMs */
  timeoutMs?: number;
  /** Longest reuse of an `active: true` answer, ms; never past the token's `exp`. @default 60000 */
  cacheTtlMs?: number;
  /** Reuse of an `active: false` answer, ms. @default 5000 */
  inactiveCacheTtlMs?: number;
  /** Entries of the default in-memory store. @default 10000 */
  cacheMaxEntries?: number;
  /** `'memory'` (bounded, per process) or `'cache-manager'` (the app's `CACHE_MANAGER`, e.g. Redis). @default 'memory' */
  store?: 'memory' | 'cache-manager';
  /**
   * Introspection calls in flight at once, per process. A token beyond it is answered 503
   * `introspection_busy` with `Retry-After` at once, never queued. Cached answers and requests that
   * join a call already in flight for the same token do not count. @default 10
   */
  maxConcurrent?: number;
  /**
   * Introspection calls started per second, per process (a token bucket holding one second's worth).
   * A token beyond it is answered 503 `introspection_busy` with `Retry-After`. Bounds what made-up
   * opaque tokens can cost the issuer in `'auto'` and `'opaque'` mode. @default 50
   */
  maxRequestsPerSecond?: number;
}

/**
 * Redis shared by every instance of the API (Redis Cluster and Valkey work: every command touches one key).
 * @example
 * ```ts
 * ResourceServerModule.forRoot({ issuer: 'https://id.example.com/', audience: 'api', redis: { url: 'redis://cache:6379' } });
 * ```
 */
export interface RedisOptions {
  /** Connect to this URL (`redis://` or `rediss://`); needs the `ioredis` package installed. */
  url?: string;
  /** Or use the application's own `ioredis` client (`Redis` or `Cluster`); the library never closes it. */
  client?: unknown;
  /**
   * Prefix of every key and channel: `<keyPrefix>:revocations` (hash and channel),
   * `<keyPrefix>:introspection:<sha256>`, `<keyPrefix>:userinfo:<sha256>`, `<keyPrefix>:replay:<id>`.
   * 1-64 of letters, digits, `. : _ - { }`; a hash tag such as `'{my-api}'` keeps them on one Cluster slot.
   * @default 'nestjs-resource-server'
   */
  keyPrefix?: string;
}

/** Revocation settings. */
export interface RevocationOptions {
  /**
   * The longest lifetime (`exp - iat`) of the issuers' access tokens, seconds: a revocation is kept
   * this long after its cut-off. Set it to at least your issuer's setting. @default 86400 (24 h)
   */
  maxTokenLifetimeSeconds?: number;
  /** Most revocations kept at once; beyond it a new one is refused, an old one is never dropped. @default 100000 */
  maxEntries?: number;
  /**
   * OpenID Connect Back-Channel Logout 1.0: accept logout tokens of the configured issuers addressed
   * to this client (`aud`), and revoke the session and the user's tokens issued up to the logout.
   * Mount the endpoint with `backChannelLogoutController(path)`.
   */
  backChannelLogout?: {
    /** The client id the issuer addresses logout tokens to (the app the user logs in with). */
    clientId: string;
    /** Seconds after its `iat` a logout token is still accepted. @default 300 */
    maxAgeSeconds?: number;
  };
  /**
   * RFC 8935 push delivery of RFC 8417 Security Event Tokens (CAEP `session-revoked`, RISC
   * `account-disabled` and `credential-change`). Mount the endpoint with `securityEventsController(path)`.
   */
  securityEvents?: {
    /** The `aud` transmitters address this receiver with. */
    audience: string;
    /** Who may send events, and where their signing keys are. */
    transmitters: { issuer: string; jwksUri: string }[];
    /** Seconds after its `iat` an event is still accepted. @default 300 */
    maxAgeSeconds?: number;
  };
}
