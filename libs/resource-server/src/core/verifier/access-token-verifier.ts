// RFC 9068 §4 / RFC 8725: validation of a JWT access token, in the order that does the least work
// for a bad token: size, shape, algorithm, issuer (no network for an unknown one), key, signature,
// claims. Every failure is a ResourceServerError; nothing here knows about HTTP requests.
import { InvalidTokenError, UpstreamError } from '../../errors/resource-server.error.js';
import { messageFor, type JwsSubject } from '../../errors/messages.js';
import { verifySignature, type JwsAlgorithm } from '../jose/algorithms.js';
import { checkTokenType, claimsExpireAt, validateClaims } from '../claims/claims.js';
import type { IssuerConfig, ResolvedConfig } from '../config/config.js';
import { DiscoveryClient, isAcceptableEndpoint } from '../issuer/discovery.js';
import { decodeJws, looksLikeJws } from '../jose/jws.js';
import { JwksKeyStore } from '../issuer/key-store.js';
import { buildPrincipal, type VerifiedPrincipal } from '../claims/principal.js';
import { HttpClientError } from '../issuer/http-client.js';
import { Introspector, type IntrospectionResult } from '../introspection/introspection.js';
import { createResultStore, type CacheManagerLike, type ResultStore } from '../cache/result-store.js';
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
        if (error instanceof HttpClientError && error.status !== undefined && error.status >= 400 && error.status < 500)
          discovery.expire();
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
   * @param stores where introspection answers are cached: `introspection` given explicitly, else the
   * store `introspection.store` names (a bounded in-memory LRU, or `cacheManager` for 'cache-manager').
   * @internal
   */
  constructor(
    private readonly config: ResolvedConfig,
    /** The clock, logger and call limits every component shares (userinfo too). @internal */
    readonly runtime: Runtime,
    stores: {
      introspection?: ResultStore<IntrospectionResult>;
      cacheManager?: CacheManagerLike;
      revocations?: Revocations;
    } = {},
  ) {
    this.revocations = stores.revocations;
    for (const issuer of config.issuers) this.issuers.set(issuer.issuer, createIssuerContext(issuer, config, runtime));
    this.algorithms = new Set(config.issuers.flatMap((i) => [...i.algorithms]));
    this.cache = config.verifiedTokenCacheSize > 0 ? new VerifiedTokenCache(config.verifiedTokenCacheSize) : undefined;
    const introspection = config.introspection;
    const home = [...this.issuers.values()][0];
    if (config.tokenType !== 'jwt' && introspection && home) {
      const store =
        stores.introspection ??
        createResultStore<IntrospectionResult>(introspection, runtime.now, stores.cacheManager, 'introspection.store');
      this.introspector = new Introspector(home.config, home.discovery, introspection, store, runtime);
    }
  }

  /**
   * Verifies a token and returns the caller. Throws a `ResourceServerError` subclass otherwise. A
   * sender-constrained token (`cnf`: DPoP or mTLS bound) is refused here, since no proof of possession
   * comes with a bare token: such tokens are accepted only through the guard (`AuthorizationPipeline`).
   */
  async verify(token: string): Promise<VerifiedPrincipal> {
    const principal = this.verifyCached(token) ?? (await this.verifyUncached(token));
    if (principal.claims.cnf !== undefined) throw new InvalidTokenError('sender_constrained_token');
    return principal;
  }

  /**
   * Verifies a token without asking the verified-token cache first (the caller just did).
   * @internal the guard's path after a {@link verifyCached} miss
   */
  async verifyUncached(token: string): Promise<VerifiedPrincipal> {
    if (token.length > this.config.maxTokenLength) throw new InvalidTokenError('token_too_large');
    const jwsShaped = looksLikeJws(token);
    if (this.introspector && (this.config.tokenType === 'opaque' || !jwsShaped)) {
      return this.checkRevoked(await this.introspector.introspect(token));
    }
    if (!jwsShaped) throw new InvalidTokenError('malformed_token');
    return this.checkRevoked(await this.verifyJwt(token));
  }

  /** Revoked tokens are refused even while they sit in the verified-token cache: the check is local. */
  private checkRevoked(principal: VerifiedPrincipal): VerifiedPrincipal {
    if (this.revocations?.revokedBy(principal.claims)) throw new InvalidTokenError('revoked_token');
    return principal;
  }

  /**
   * Whether this exact token verified before and is still in the verified-token cache (expired or
   * not): it passed the credential syntax checks then. Decides nothing about its validity now.
   * @internal the HTTP credential reader's fast path
   */
  isVerified(token: string): boolean {
    return this.cache?.has(token) === true;
  }

  /**
   * The caller for a JWT that already verified, answered synchronously from the verified-token cache
   * (the signing key and revocations re-checked), or undefined when it must be verified in full (an
   * entry leaves the cache when its claims expire). Throws when the cached token has been revoked.
   * @internal the pipeline's synchronous fast path
   */
  verifyCached(token: string): VerifiedPrincipal | undefined {
    // Only verified JWTs are in the cache, each until its claims would stop passing validation
    // (claimsExpireAt): the rest of the claim rules do not change with time, so a hit is not
    // validated again. A key can leave the key set, and a token can be revoked, at any time.
    if (!this.cache || token.length > this.config.maxTokenLength) return undefined;
    const now = this.runtime.now();
    const cached = this.cache.get(token, now);
    if (!cached) return undefined;
    if (this.issuers.get(cached.principal.issuer)?.keys.holds(cached.key, now))
      return this.checkRevoked(cached.principal);
    this.cache.delete(token);
    return undefined;
  }

  private async verifyJwt(token: string): Promise<VerifiedPrincipal> {
    const jws = decodeJws(token, this.algorithms);
    // The issuer is picked from the unverified `iss` only among configured ones, so an unknown issuer
    // costs no network call, and a key of one issuer can never verify a token claiming another.
    const issuer = typeof jws.payload.iss === 'string' ? this.issuers.get(jws.payload.iss) : undefined;
    if (!issuer) throw new InvalidTokenError('untrusted_issuer');
    if (!issuer.config.algorithms.has(jws.alg)) throw new InvalidTokenError('unsupported_algorithm');
    checkTokenType(jws.header, issuer.config.strict);
    if (issuer.config.checkTokenKind) issuer.config.profile.checkTokenKind(jws.payload);
    const key = await issuer.keys.getKey(jws.kid, jws.alg);
    if (!verifySignature(jws.alg, key.key, jws.signingInput, jws.signature))
      throw new InvalidTokenError('bad_signature');
    validateClaims(jws.payload, issuer.config, this.runtime.now() / 1000);
    const principal = buildPrincipal(token, jws.payload, issuer.config);
    this.cache?.set(token, { principal, key }, claimsExpireAt(jws.payload, issuer.config));
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
   * The introspection endpoint's state, when opaque tokens are introspected.
   * @internal for the health indicator
   */
  introspectionStatus(): { reachable: boolean | undefined; lastError: string | undefined } | undefined {
    return this.introspector?.status();
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
 * key set and algorithm allow-list, returning the payload. Claims are the caller's to check. Errors
 * name `subject`, so a bad userinfo response is never logged as a bad access token.
 * @example
 * const claims = await verifyIssuerJws(issuer, body, 'userinfo response');
 */
export async function verifyIssuerJws(
  issuer: IssuerContext,
  compact: string,
  subject: JwsSubject = 'access token',
): Promise<Readonly<Record<string, unknown>>> {
  const fail = (code: 'malformed_token' | 'bad_signature') =>
    new InvalidTokenError(code, { description: messageFor(code, subject) });
  if (!looksLikeJws(compact)) throw fail('malformed_token');
  try {
    const jws = decodeJws(compact, issuer.config.algorithms);
    const key = await issuer.keys.getKey(jws.kid, jws.alg);
    if (!verifySignature(jws.alg, key.key, jws.signingInput, jws.signature)) throw fail('bad_signature');
    return jws.payload;
  } catch (error) {
    // decodeJws and the key store word their errors for access tokens: name the real object.
    if (error instanceof InvalidTokenError && subject !== 'access token') {
      throw new InvalidTokenError(error.code, { description: messageFor(error.code, subject), cause: error.cause });
    }
    throw error;
  }
}
