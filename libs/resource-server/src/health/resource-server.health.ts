import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedConfig } from '../core/config/config.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { RESOLVED_CONFIG } from '../resource-server.tokens.js';

/**
 * One issuer's keys, as the health indicator reports them.
 * @example
 * ```ts
 * declare const indicator: ResourceServerHealthIndicator;
 * const health = await indicator.isHealthy();
 * const jwks: IssuerHealth | undefined = health.resource_server.issuers['https://id.example.com'];
 * ```
 */
export interface IssuerHealth {
  /** Usable signing keys held. */
  readonly keys: number;
  /** Seconds since they were fetched. */
  readonly keyAgeSeconds: number | undefined;
  /** Whether the last key set fetch failed. */
  readonly refreshFailing: boolean;
  /** Why it failed: a URL and a reason. */
  readonly lastRefreshError: string | undefined;
  /** Whether keys are used past their refresh age or while refreshes fail. */
  readonly servingStaleKeys: boolean;
}

/**
 * The result, in `@nestjs/terminus`'s `HealthIndicatorResult` shape.
 * @example
 * ```ts
 * declare const indicator: ResourceServerHealthIndicator;
 * const result: ResourceServerHealth<'auth'> = await indicator.isHealthy('auth');
 * ```
 */
export type ResourceServerHealth<Key extends string = string> = Record<
  Key,
  {
    status: 'up' | 'down';
    issuers: Record<string, IssuerHealth>;
    introspection?: { reachable: boolean | undefined; lastError: string | undefined };
  }
>;

/**
 * A `@nestjs/terminus` health indicator (terminus stays an optional peer: the result is plain data
 * in its shape). Down when an issuer has no usable keys (fetched now if none are held, within the
 * usual rate limits) or the introspection endpoint failed its last call; stale keys still served
 * during an outage are reported, and are up.
 * @example
 * ```ts
 * import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
 *
 * @Controller('health')
 * export class HealthController {
 *   constructor(private readonly checks: HealthCheckService, private readonly resourceServer: ResourceServerHealthIndicator) {}
 *
 *   @Public() @Get('ready') @HealthCheck()
 *   ready() { return this.checks.check([() => this.resourceServer.isHealthy('resource_server')]); }
 * }
 * ```
 */
@Injectable()
export class ResourceServerHealthIndicator {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  async isHealthy<Key extends string = 'resource_server'>(
    key: Key = 'resource_server' as Key,
  ): Promise<ResourceServerHealth<Key>> {
    const issuers: Record<string, IssuerHealth> = {};
    let up = true;
    for (const { issuer } of this.config.issuers) {
      const context = this.verifier.issuer(issuer);
      if (!context) continue;
      // JWT verification needs keys; an opaque-only resource server may never fetch them.
      if (this.config.tokenType !== 'opaque') up = (await context.keys.ready()) && up;
      const status = context.keys.status();
      issuers[issuer] = {
        keys: status.keys,
        keyAgeSeconds: status.ageMs === undefined ? undefined : Math.round(status.ageMs / 1000),
        refreshFailing: status.refreshFailing,
        lastRefreshError: status.lastError,
        servingStaleKeys: status.servingStaleKeys,
      };
    }
    const introspection = this.verifier.introspectionStatus();
    if (introspection?.reachable === false) up = false;
    return {
      [key]: { status: up ? 'up' : 'down', issuers, ...(introspection ? { introspection } : {}) },
    } as ResourceServerHealth<Key>;
  }
}
