import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { AccessTokenVerifier } from './core/verifier/access-token-verifier.js';
import { resolveConfig, type ResolvedConfig } from './core/config/config.js';
import type { Runtime } from './core/runtime.js';
import { ResourceServerExceptionFilter } from './filters/resource-server-exception.filter.js';
import { AccessTokenGuard } from './guards/access-token.guard.js';
import { UserInfoService } from './userinfo/userinfo.service.js';
import { ConfigurableModuleClass, RESOURCE_SERVER_OPTIONS } from './resource-server.module-definition.js';
import type { ResourceServerModuleOptions } from './resource-server-options.interface.js';
import { CACHE_MANAGER, REDIS_CLIENT, REPLAY_STORE, RESOLVED_CONFIG, RUNTIME, TRANSPORTS } from './resource-server.tokens.js';
import { MemoryReplayStore, RedisReplayStore, type ReplayStore } from './core/shared/replay-store.js';
import { RevocationEventsService } from './revocation/revocation-events.service.js';
import { Revocations } from './core/revocation/revocations.js';
import { RedisRevocationBackend } from './core/revocation/redis-revocation-backend.js';
import { redisClientProvider, type OwnedRedis } from './revocation/redis-client.provider.js';
import { RevocationService } from './revocation/revocation.service.js';
import { introspectionStore } from './revocation/stores.js';
import { AuthorizationPipeline } from './pipeline/authorization-pipeline.js';
import { HttpTransport } from './transports/http.transport.js';
import type { TransportAdapter } from './transports/transport-adapter.js';
import type { CacheManagerLike } from './core/cache/result-store.js';

/**
 * Protects routes with OAuth 2.0 / OpenID Connect bearer access tokens.
 * @example
 * ```ts
 * @Module({
 *   imports: [ResourceServerModule.forRoot({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })],
 *   providers: [{ provide: APP_GUARD, useClass: AccessTokenGuard }],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  providers: [
    {
      provide: RESOLVED_CONFIG,
      // Invalid options stop the application here, at bootstrap, with a message that says what to set.
      useFactory: (options: ResourceServerModuleOptions) => resolveConfig(options),
      inject: [RESOURCE_SERVER_OPTIONS],
    },
    {
      provide: RUNTIME,
      useFactory: (config: ResolvedConfig): Runtime => ({
        now: Date.now,
        logger: new Logger('ResourceServer'),
        httpTimeoutMs: config.httpTimeoutMs,
        maxResponseBytes: 512 * 1024,
      }),
      inject: [RESOLVED_CONFIG],
    },
    redisClientProvider,
    {
      provide: Revocations,
      useFactory: (config: ResolvedConfig, runtime: Runtime, redis: OwnedRedis) =>
        new Revocations(
          config.revocation,
          runtime,
          redis.client && new RedisRevocationBackend(redis.client, `${config.redis!.keyPrefix}:revocations`, (config.revocation.maxTokenLifetime + 60) * 1000),
        ),
      inject: [RESOLVED_CONFIG, RUNTIME, REDIS_CLIENT],
    },
    RevocationService,
    {
      provide: REPLAY_STORE,
      useFactory: (config: ResolvedConfig, runtime: Runtime, redis: OwnedRedis): ReplayStore =>
        redis.client ? new RedisReplayStore(redis.client, `${config.redis!.keyPrefix}:replay:`, runtime.now) : new MemoryReplayStore(100_000, runtime.now),
      inject: [RESOLVED_CONFIG, RUNTIME, REDIS_CLIENT],
    },
    RevocationEventsService,
    {
      provide: AccessTokenVerifier,
      useFactory: (config: ResolvedConfig, runtime: Runtime, revocations: Revocations, redis: OwnedRedis, cacheManager?: CacheManagerLike) =>
        new AccessTokenVerifier(config, runtime, {
          revocations,
          introspection: introspectionStore(config, runtime, redis, cacheManager),
        }),
      inject: [RESOLVED_CONFIG, RUNTIME, Revocations, REDIS_CLIENT, { token: CACHE_MANAGER, optional: true }],
    },
    {
      provide: TRANSPORTS,
      useFactory: (config: ResolvedConfig, adapterHost: HttpAdapterHost): TransportAdapter[] => [
        new HttpTransport(config.realm, config.tokenLocations, adapterHost),
      ],
      inject: [RESOLVED_CONFIG, HttpAdapterHost],
    },
    AuthorizationPipeline,
    AccessTokenGuard,
    UserInfoService,
    { provide: APP_FILTER, useClass: ResourceServerExceptionFilter },
  ],
  // The guard needs only the pipeline (and Nest's Reflector): exported, so `@UseGuards(AccessTokenGuard)`
  // resolves in every module of the app, and so does a subclass of the guard.
  exports: [AccessTokenVerifier, AccessTokenGuard, AuthorizationPipeline, UserInfoService, RevocationService, RevocationEventsService],
})
export class ResourceServerModule extends ConfigurableModuleClass implements OnApplicationBootstrap {
  private readonly logger = new Logger('ResourceServer');

  constructor(
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
    private readonly verifier: AccessTokenVerifier,
  ) {
    super();
  }

  /** Optional warm-up: never blocks startup beyond the outbound timeouts, never fails it. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.warmUp) return;
    const failed = await this.verifier.warmUp();
    if (failed.length === 0) this.logger.log(`Keys ready for ${this.config.issuers.map((i) => i.issuer).join(', ')}`);
    else this.logger.warn(`Keys not available yet for ${failed.join(', ')}: fetching again on the first request`);
  }
}
