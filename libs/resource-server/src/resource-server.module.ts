import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { AccessTokenVerifier } from './core/verifier/access-token-verifier.js';
import { resolveConfig, type ResolvedConfig } from './core/config/config.js';
import type { Runtime } from './core/runtime.js';
import { ResourceServerExceptionFilter } from './filters/resource-server-exception.filter.js';
import { AccessTokenGuard } from './guards/access-token.guard.js';
import { RequirementsGuard } from './guards/requirements.guard.js';
import { RequirementsInterceptor } from './pipeline/requirements.interceptor.js';
import { UserInfoService } from './userinfo/userinfo.service.js';
import { ConfigurableModuleClass, RESOURCE_SERVER_OPTIONS } from './resource-server.module-definition.js';
import type { ResourceServerModuleOptions } from './resource-server-options.interface.js';
import { CACHE_MANAGER, PIPELINE_OBSERVER, RESOLVED_CONFIG, TELEMETRY, TRANSPORTS } from './resource-server.tokens.js';
import { PipelineObserver } from './pipeline/pipeline-observer.js';
import { ResourceServerHealthIndicator } from './health/resource-server.health.js';
import { loadTelemetry } from './telemetry/opentelemetry.js';
import type { Telemetry } from './core/telemetry/telemetry.js';
import { ResourceServerConfigError } from './core/config/config.js';
import { REDIS_CLIENT, REPLAY_STORE, RUNTIME } from './resource-server.tokens.js';
import { MemoryReplayStore, RedisReplayStore, type ReplayStore } from './core/shared/replay-store.js';
import { RevocationEventsService } from './revocation/revocation-events.service.js';
import { Revocations } from './core/revocation/revocations.js';
import { RedisRevocationBackend } from './core/revocation/redis-revocation-backend.js';
import { redisClientProvider, type OwnedRedis } from './revocation/redis-client.provider.js';
import { RevocationService } from './revocation/revocation.service.js';
import { introspectionStore } from './revocation/stores.js';
import { AuthorizationPipeline } from './pipeline/authorization-pipeline.js';
import { HttpTransport } from './transports/http.transport.js';
import { GraphqlTransport } from './transports/graphql.transport.js';
import { GraphqlWsAuth } from './transports/graphql-ws.auth.js';
import type { TransportAdapter } from './transports/transport-adapter.js';
import type { CacheManagerLike } from './core/cache/result-store.js';
import { messageTransports } from './transports/message-transports.js';
import { SocketAuthenticator } from './websockets/socket-authenticator.js';
import { SenderConstraints } from './core/binding/sender-constraint.js';
import { createSenderConstraints, httpTransportSettings } from './resource-server.sender-constraints.js';
import type { DpopReplayStore } from './core/dpop/replay-store.js';
import { DPOP_REPLAY_STORE } from './resource-server.tokens.js';
import { ProtectedResourceMetadataController } from './metadata/protected-resource-metadata.controller.js';
import { ProtectedResourceMetadataService } from './metadata/protected-resource-metadata.service.js';

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
  imports: [DiscoveryModule],
  controllers: [ProtectedResourceMetadataController],
  providers: [
    {
      provide: RESOLVED_CONFIG,
      // Invalid options stop the application here, at bootstrap, with a message that says what to set.
      useFactory: (options: ResourceServerModuleOptions) => resolveConfig(options),
      inject: [RESOURCE_SERVER_OPTIONS],
    },
    {
      provide: TELEMETRY,
      // @opentelemetry/api is an optional peer: imported here, once, only when installed and enabled.
      useFactory: (options: ResourceServerModuleOptions) => loadTelemetry(options.telemetry !== false),
      inject: [RESOURCE_SERVER_OPTIONS],
    },
    {
      provide: RUNTIME,
      useFactory: (config: ResolvedConfig, telemetry: Telemetry): Runtime => ({
        now: Date.now,
        logger: new Logger('ResourceServer'),
        httpTimeoutMs: config.httpTimeoutMs,
        maxResponseBytes: 512 * 1024,
        ...(telemetry.enabled ? { telemetry } : {}),
      }),
      inject: [RESOLVED_CONFIG, TELEMETRY],
    },
    redisClientProvider,
    {
      provide: Revocations,
      useFactory: (config: ResolvedConfig, runtime: Runtime, redis: OwnedRedis) =>
        new Revocations(
          config.revocation,
          runtime,
          redis.client &&
            new RedisRevocationBackend(
              redis.client,
              `${config.redis!.keyPrefix}:revocations`,
              (config.revocation.maxTokenLifetime + 60) * 1000,
            ),
        ),
      inject: [RESOLVED_CONFIG, RUNTIME, REDIS_CLIENT],
    },
    RevocationService,
    {
      provide: REPLAY_STORE,
      useFactory: (config: ResolvedConfig, runtime: Runtime, redis: OwnedRedis): ReplayStore =>
        redis.client
          ? new RedisReplayStore(redis.client, `${config.redis!.keyPrefix}:replay:`, runtime.now)
          : new MemoryReplayStore(100_000, runtime.now),
      inject: [RESOLVED_CONFIG, RUNTIME, REDIS_CLIENT],
    },
    RevocationEventsService,
    {
      provide: AccessTokenVerifier,
      useFactory: (
        config: ResolvedConfig,
        runtime: Runtime,
        revocations: Revocations,
        redis: OwnedRedis,
        cacheManager?: CacheManagerLike,
      ) =>
        new AccessTokenVerifier(config, runtime, {
          revocations,
          introspection: introspectionStore(config, runtime, redis, cacheManager),
        }),
      inject: [RESOLVED_CONFIG, RUNTIME, Revocations, REDIS_CLIENT, { token: CACHE_MANAGER, optional: true }],
    },
    {
      provide: TRANSPORTS,
      useFactory: async (
        config: ResolvedConfig,
        adapterHost: HttpAdapterHost,
        options: ResourceServerModuleOptions,
        verifier: AccessTokenVerifier,
      ): Promise<TransportAdapter[]> => {
        const http = httpTransportSettings(config, (token) => verifier.isVerified(token));
        return [
          new HttpTransport(config.realm, config.tokenLocations, adapterHost, http, options.problemDetails === true),
          new GraphqlTransport(config.realm, config.tokenLocations, http),
          ...(await messageTransports(options, config)),
        ];
      },
      inject: [RESOLVED_CONFIG, HttpAdapterHost, RESOURCE_SERVER_OPTIONS, AccessTokenVerifier],
    },
    {
      provide: PIPELINE_OBSERVER,
      useFactory: (options: ResourceServerModuleOptions, telemetry: Telemetry, verifier: AccessTokenVerifier) => {
        if (options.onRefusal !== undefined && typeof options.onRefusal !== 'function') {
          throw new ResourceServerConfigError(['`onRefusal` must be a function (refusal) => void']);
        }
        return new PipelineObserver(telemetry, options.onRefusal, (iss) => verifier.issuer(iss) !== undefined);
      },
      inject: [RESOURCE_SERVER_OPTIONS, TELEMETRY, AccessTokenVerifier],
    },
    {
      provide: SenderConstraints,
      // The DPoP replay store: one the app provides, else with `redis` the shared one (a proof replayed
      // against another instance is caught too), else the bounded in-memory one.
      useFactory: (config: ResolvedConfig, shared: ReplayStore, redis: OwnedRedis, replayStore?: DpopReplayStore) =>
        createSenderConstraints(config, replayStore ?? (redis.client ? shared : undefined)),
      inject: [RESOLVED_CONFIG, REPLAY_STORE, REDIS_CLIENT, { token: DPOP_REPLAY_STORE, optional: true }],
    },
    ProtectedResourceMetadataService,
    AuthorizationPipeline,
    AccessTokenGuard,
    UserInfoService,
    SocketAuthenticator,
    GraphqlWsAuth,
    ResourceServerHealthIndicator,
    { provide: APP_FILTER, useClass: ResourceServerExceptionFilter },
    // Route requirements are checked before every handler, whichever guard authenticated the call.
    RequirementsGuard,
    { provide: APP_INTERCEPTOR, useClass: RequirementsInterceptor },
  ],
  // The guard needs only the pipeline (and Nest's Reflector): exported, so `@UseGuards(AccessTokenGuard)`
  // resolves in every module of the app, and so does a subclass of the guard.
  exports: [
    AccessTokenVerifier,
    AccessTokenGuard,
    AuthorizationPipeline,
    UserInfoService,
    SocketAuthenticator,
    GraphqlWsAuth,
    RequirementsGuard,
    ResourceServerHealthIndicator,
    RevocationService,
    RevocationEventsService,
  ],
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
