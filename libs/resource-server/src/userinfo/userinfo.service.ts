import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AccessTokenVerifier, verifyIssuerJws, type IssuerContext } from '../core/verifier/access-token-verifier.js';
import type { ResolvedConfig, UserInfoConfig } from '../core/config/config.js';
import { isAcceptableEndpoint } from '../core/issuer/discovery.js';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { fetchUserInfo, type UserInfo } from '../core/userinfo/userinfo-client.js';
import { ResourceServerError, UpstreamError } from '../errors/resource-server.error.js';
import { CACHE_MANAGER, REDIS_CLIENT, RESOLVED_CONFIG, RUNTIME, TELEMETRY } from '../resource-server.tokens.js';
import { NO_TELEMETRY, type Telemetry } from '../core/telemetry/telemetry.js';
import { SingleFlight, ttlWithinExpiry, type CacheManagerLike, type ResultStore } from '../core/cache/result-store.js';
import { hashToken } from '../core/cache/token-hash.js';
import type { Runtime } from '../core/runtime.js';
import type { OwnedRedis } from '../revocation/redis-client.provider.js';
import { resultStore } from '../revocation/stores.js';

const KEY_PREFIX = 'nestjs-resource-server:userinfo:';
// Token claims that describe the token, not the user: never merged into a profile.
const TOKEN_ONLY_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'scope',
  'scp',
  'client_id',
  'azp',
  'cnf',
  'typ',
  'auth_time',
  'acr',
  'amr',
  'sid',
]);

/**
 * The caller's OpenID Connect userinfo, fetched from the issuer with the caller's own access token,
 * cached per token (keyed by a SHA-256 of it, never past its `exp`) with one outbound call for any
 * number of concurrent requests with the same token.
 * @example
 * ```ts
 * @Controller('me')
 * export class ProfileController {
 *   constructor(private readonly userInfo: UserInfoService) {}
 *
 *   @Get('profile') profile(@Principal() caller: VerifiedPrincipal) { return this.userInfo.get(caller); }
 * }
 * ```
 */
@Injectable()
export class UserInfoService {
  private readonly logger = new Logger('ResourceServer');
  private readonly flights = new SingleFlight<UserInfo>();
  private readonly options: UserInfoConfig;
  private readonly store: ResultStore<UserInfo>;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    @Inject(RESOLVED_CONFIG) config: ResolvedConfig,
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(REDIS_CLIENT) redis: OwnedRedis,
    @Optional() @Inject(CACHE_MANAGER) cacheManager?: CacheManagerLike,
    @Optional() @Inject(TELEMETRY) private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {
    this.options = config.userInfo;
    this.store = resultStore('userinfo', this.options, config, runtime, redis, cacheManager);
  }

  /**
   * The userinfo of a verified caller. Failures are `ResourceServerError`s: 401 when the issuer
   * rejects the token, 502 for a bad or failing endpoint, 503 when the issuer is unreachable, 504 on timeout.
   */
  async get(principal: VerifiedPrincipal): Promise<UserInfo> {
    const key = KEY_PREFIX + hashToken(principal.token);
    const cached = await this.cachedValue(key, principal);
    if (cached) return cached;
    return this.flights.run(key, () => this.load(principal, key));
  }

  private async cachedValue(key: string, principal: VerifiedPrincipal): Promise<UserInfo | undefined> {
    try {
      const value = await this.store.get(key);
      this.telemetry.cacheLookup('userinfo', value !== undefined);
      // The key is the token's hash, so this always holds; checked anyway, a shared store is shared.
      return value?.sub === principal.subject ? value : undefined;
    } catch (error) {
      this.logger.warn(`userinfo cache read failed, fetching instead: ${String(error)}`);
      return undefined;
    }
  }

  private async load(principal: VerifiedPrincipal, key: string): Promise<UserInfo> {
    const issuer = this.verifier.issuer(principal.issuer);
    if (!issuer)
      throw new UpstreamError('userinfo_unavailable', 502, { cause: new Error(`unknown issuer ${principal.issuer}`) });
    const endpoint = await this.endpoint(issuer);
    let info: UserInfo;
    if (endpoint === undefined) {
      if (this.options.tokenClaims === 'ignore') {
        throw new UpstreamError('userinfo_unavailable', 502, {
          cause: new Error(`${principal.issuer} publishes no usable userinfo_endpoint`),
        });
      }
      return this.tokenClaims(principal);
    }
    try {
      info = await this.telemetry.outbound('userinfo', principal.issuer, () =>
        fetchUserInfo(
          {
            endpoint,
            issuer: principal.issuer,
            timeoutMs: this.options.timeoutMs,
            maxBytes: 256 * 1024,
            verifySigned: (compact) => verifyIssuerJws(issuer, compact, 'userinfo response'),
          },
          principal,
        ),
      );
    } catch (error) {
      if (error instanceof ResourceServerError && error.status >= 500) {
        this.logger.warn(
          `userinfo from ${endpoint} failed (${error.code}): ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`,
        );
      }
      throw error;
    }
    if (this.options.tokenClaims === 'merge') info = { ...this.tokenClaims(principal), ...info };
    await this.remember(key, info, principal);
    return info;
  }

  private async endpoint(issuer: IssuerContext): Promise<string | undefined> {
    if (this.options.endpoint) return this.options.endpoint;
    const { userinfo_endpoint } = await issuer.discovery.metadata();
    return isAcceptableEndpoint(userinfo_endpoint, issuer.config.allowInsecureRequests) ? userinfo_endpoint : undefined;
  }

  private async remember(key: string, info: UserInfo, principal: VerifiedPrincipal): Promise<void> {
    const ttl = ttlWithinExpiry(
      this.options.cacheTtlMs,
      principal.expiresAt === undefined ? undefined : principal.expiresAt * 1000,
      this.verifier.runtime.now(),
    );
    if (ttl <= 0) return;
    try {
      await this.store.set(key, info, ttl);
    } catch (error) {
      this.logger.warn(`userinfo cache write failed: ${String(error)}`);
    }
  }

  private tokenClaims(principal: VerifiedPrincipal): UserInfo {
    return Object.fromEntries(
      Object.entries(principal.claims).filter(([name]) => !TOKEN_ONLY_CLAIMS.has(name)),
    ) as UserInfo;
  }
}
