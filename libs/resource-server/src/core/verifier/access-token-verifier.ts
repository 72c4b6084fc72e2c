// RFC 9068 §4 / RFC 8725: validation of a JWT access token, in the order that does the least work
// for a bad token: size, shape, algorithm, issuer (no network for an unknown one), key, signature,
// claims. Every failure is a ResourceServerError; nothing here knows about HTTP requests.
import { InvalidTokenError, UpstreamError } from '../../errors/resource-server.error.js';
import { verifySignature, type JwsAlgorithm } from '../jose/algorithms.js';
import { checkTokenType, validateClaims } from '../claims/claims.js';
import type { IssuerConfig, ResolvedConfig } from '../config/config.js';
import { DiscoveryClient, isAcceptableEndpoint } from '../issuer/discovery.js';
import { decodeJws, looksLikeJws } from '../jose/jws.js';
import { JwksKeyStore } from '../issuer/key-store.js';
import { buildPrincipal, type Principal } from '../claims/principal.js';
import { HttpClientError } from '../issuer/http-client.js';
import { Introspector, type IntrospectionResult } from '../introspection/introspection.js';
import { MemoryResultStore, type ResultStore } from '../cache/result-store.js';
import type { Runtime } from '../runtime.js';
import { VerifiedTokenCache } from '../cache/verified-token-cache.js';
import type { Revocations } from '../revocation/revocations.js';

/** Everything the verifier holds for one trusted issuer. */
export interface IssuerContext {
  readonly config: IssuerConfig;
  readonly discovery: DiscoveryClient;
  readonly keys: JwksKeyStore;
}

function createIssuerContext(config: IssuerConfig, resolved: ResolvedConfig, runtime: Runtime): IssuerContext {
  const discovery = new DiscoveryClient(
    config.issuer,
    { cacheMaxAge: 24 * 3_600_000, retryInterval: resolved.keySet.retryInterval },
    runtime,
  );
  const jwksUri = async (): Promise<string> => {
    if (config.jwksUri) return config.jwksUri;
    const { jwks_uri } = await discovery.metadata();
    if (!isAcceptableEndpoint(jwks_uri, config.allowInsecureRequests)) {
      throw new UpstreamError('discovery_unavailable', 503, {
        cause: new Error(`discovery document of ${config.issuer} has no usable jwks_uri`),
      });
    }
    return jwks_uri;
  };
  // A JWKS found through discovery that answers 4xx has probably moved: look at discovery again
  // (rate-limited). An outage (5xx, reset, timeout) is not worth the extra request.
  const onJwksFailure = config.jwksUri
    ? undefined
    : (error: unknown) => {
        if (error instanceof HttpClientError && error.status !== undefined && error.status >= 400 && error.status < 500) discovery.expire();
      };
  return { config, discovery, keys: new JwksKeyStore(config.issuer, jwksUri, resolved.keySet, runtime, onJwksFailure) };
}

/**
 * Verifies bearer access tokens against the configured issuers. Injectable in Nest apps, usable
 * anywhere (a WebSocket handshake, a queue consumer) through `verify()`.
 * @example
 * const principal = await verifier.verify(token); // throws a ResourceServerError when the token is bad
 */
export class AccessTokenVerifier {
  private readonly issuers = new Map<string, IssuerContext>();
  private readonly algorithms: ReadonlySet<JwsAlgorithm>;
  private readonly cache: VerifiedTokenCache | undefined;
  private readonly introspector: Introspector | undefined;
  private readonly revocations: Revocations | undefined;

  /**
   * Built by `ResourceServerModule`; inject it rather than constructing it.
   * @param stores where introspection answers are cached; a bounded in-memory LRU by default.
   * @internal
   */
  constructor(
    private readonly config: ResolvedConfig,
    private readonly runtime: Runtime,
    stores: { introspection?: ResultStore<IntrospectionResult>; revocations?: Revocations } = {},
  ) {
    this.revocations = stores.revocations;
    for (const issuer of config.issuers) this.issuers.set(issuer.issuer, createIssuerContext(issuer, config, runtime));
    this.algorithms = new Set(config.issuers.flatMap((i) => [...i.algorithms]));
    this.cache = config.verifiedTokenCacheSize > 0 ? new VerifiedTokenCache(config.verifiedTokenCacheSize) : undefined;
    const introspection = config.introspection;
    const home = [...this.issuers.values()][0];
    if (config.tokenType !== 'jwt' && introspection && home) {
      const store = stores.introspection ?? new MemoryResultStore(introspection.cacheMaxEntries, runtime.now);
      this.introspector = new Introspector(home.config, home.discovery, introspection, store, runtime);
    }
  }

  /** Verifies a token and returns the caller. Throws a `ResourceServerError` subclass otherwise. */
  async verify(token: string): Promise<Principal> {
    return this.verifyCached(token) ?? this.verifyUncached(token);
  }

  /**
   * Verifies a token without asking the verified-token cache first (the caller just did).
   * @internal the guard's path after a {@link verifyCached} miss
   */
  async verifyUncached(token: string): Promise<Principal> {
    if (token.length > this.config.maxTokenLength) throw new InvalidTokenError('token_too_large');
    const jwsShaped = looksLikeJws(token);
    if (this.introspector && (this.config.tokenType === 'opaque' || !jwsShaped)) {
      return this.checkRevoked(await this.introspector.introspect(token));
    }
    if (!jwsShaped) throw new InvalidTokenError('malformed_token');
    return this.checkRevoked(await this.verifyJwt(token));
  }

  /** Revoked tokens are refused even while they sit in the verified-token cache: the check is local. */
  private checkRevoked(principal: Principal): Principal {
    if (this.revocations?.revokedBy(principal.claims)) throw new InvalidTokenError('revoked_token');
    return principal;
  }

  /**
   * The caller for a JWT that already verified, answered synchronously from the verified-token cache
   * (time-based claims and the signing key re-checked), or undefined when it must be verified in full.
   * Throws when the cached token is no longer valid (expired, say).
   * @internal the pipeline's synchronous fast path
   */
  verifyCached(token: string): Principal | undefined {
    // Only JWTs are cached: an opaque token is not even hashed here.
    if (!this.cache || token.length > this.config.maxTokenLength) return undefined;
    if (this.config.tokenType === 'opaque' || !looksLikeJws(token)) return undefined;
    const cached = this.cache.get(token, this.runtime.now());
    if (!cached) return undefined;
    const issuer = this.issuers.get(cached.principal.issuer);
    // Time-based claims can turn a once-valid token invalid, and a key can leave the key set.
    if (issuer?.keys.holds(cached.key)) {
      validateClaims(cached.principal.claims, issuer.config, this.runtime.now() / 1000);
      return this.checkRevoked(cached.principal);
    }
    this.cache.delete(token);
    return undefined;
  }

  private async verifyJwt(token: string): Promise<Principal> {
    const jws = decodeJws(token, this.algorithms);
    // The issuer is picked from the unverified `iss` only among configured ones, so an unknown issuer
    // costs no network call, and a key of one issuer can never verify a token claiming another.
    const issuer = typeof jws.payload.iss === 'string' ? this.issuers.get(jws.payload.iss) : undefined;
    if (!issuer) throw new InvalidTokenError('untrusted_issuer');
    if (!issuer.config.algorithms.has(jws.alg)) throw new InvalidTokenError('unsupported_algorithm');
    checkTokenType(jws.header, issuer.config.strict);
    if (issuer.config.checkTokenKind) issuer.config.profile.checkTokenKind(jws.payload);
    const key = await issuer.keys.getKey(jws.kid, jws.alg);
    if (!verifySignature(jws.alg, key.key, jws.signingInput, jws.signature)) throw new InvalidTokenError('bad_signature');
    validateClaims(jws.payload, issuer.config, this.runtime.now() / 1000);
    const principal = buildPrincipal(token, jws.payload, issuer.config);
    this.cache?.set(token, { principal, key }, ((jws.payload.exp as number) + issuer.config.clockTolerance) * 1000);
    return principal;
  }

  /**
   * The issuer context for an `iss`, for features that call the issuer (userinfo, introspection).
   * @internal
   */
  issuer(iss: string): IssuerContext | undefined {
    return this.issuers.get(iss);
  }

  /**
   * Fetches discovery and the key set of every issuer, bounded by the HTTP timeout of each step.
   * Resolves to the issuers whose keys could not be had (an empty list when all are ready).
   */
  async warmUp(): Promise<string[]> {
    const results = await Promise.all(
      [...this.issuers.values()].map(async (ctx) => ((await ctx.keys.warmUp()) ? undefined : ctx.config.issuer)),
    );
    return results.filter((r): r is string => r !== undefined);
  }
}

/**
 * Verifies a compact JWS that the issuer itself signed (e.g. a signed userinfo response) with its
 * key set and algorithm allow-list, returning the payload. Claims are the caller's to check.
 */
export async function verifyIssuerJws(issuer: IssuerContext, compact: string): Promise<Readonly<Record<string, unknown>>> {
  if (!looksLikeJws(compact)) throw new InvalidTokenError('malformed_token');
  const jws = decodeJws(compact, issuer.config.algorithms);
  const key = await issuer.keys.getKey(jws.kid, jws.alg);
  if (!verifySignature(jws.alg, key.key, jws.signingInput, jws.signature)) throw new InvalidTokenError('bad_signature');
  return jws.payload;
}
