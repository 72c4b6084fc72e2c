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
import { AuthorizationPipeline } from './pipeline/authorization-pipeline.js';
import { HttpTransport } from './transports/http.transport.js';
import { GraphqlTransport } from './transports/graphql.transport.js';
import { GraphqlWsAuth } from './transports/graphql-ws.auth.js';
import type { TransportAdapter } from './transports/transport-adapter.js';
import { CacheManagerResultStore, type CacheManagerLike } from './core/cache/result-store.js';
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
      provide: AccessTokenVerifier,
      useFactory: (config: ResolvedConfig, telemetry: Telemetry, cacheManager?: CacheManagerLike) => {
        const runtime: Runtime = {
          now: Date.now,
          logger: new Logger('ResourceServer'),
          httpTimeoutMs: config.httpTimeoutMs,
          maxResponseBytes: 512 * 1024,
          ...(telemetry.enabled ? { telemetry } : {}),
        };
        if (config.introspection?.store !== 'cache-manager') return new AccessTokenVerifier(config, runtime);
        if (!cacheManager) {
          throw new Error(
            "introspection.store is 'cache-manager' but no CACHE_MANAGER is registered: import CacheModule.register({ isGlobal: true }) from @nestjs/cache-manager",
          );
        }
        return new AccessTokenVerifier(config, runtime, { introspection: new CacheManagerResultStore(cacheManager) });
      },
      inject: [RESOLVED_CONFIG, TELEMETRY, { token: CACHE_MANAGER, optional: true }],
    },
    {
      provide: TRANSPORTS,
      useFactory: async (config: ResolvedConfig, adapterHost: HttpAdapterHost, options: ResourceServerModuleOptions): Promise<TransportAdapter[]> => [
        new HttpTransport(config.realm, config.tokenLocations, adapterHost, httpTransportSettings(config), options.problemDetails === true),
        new GraphqlTransport(config.realm, config.tokenLocations, httpTransportSettings(config)),
        ...(await messageTransports(options, config)),
      ],
      inject: [RESOLVED_CONFIG, HttpAdapterHost, RESOURCE_SERVER_OPTIONS],
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
      useFactory: (config: ResolvedConfig, replayStore?: DpopReplayStore) => createSenderConstraints(config, replayStore),
      inject: [RESOLVED_CONFIG, { token: DPOP_REPLAY_STORE, optional: true }],
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
