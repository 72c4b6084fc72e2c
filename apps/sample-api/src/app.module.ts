import { Module } from '@nestjs/common';
import { ConditionalModule, ConfigModule, type ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TerminusModule } from '@nestjs/terminus';
import { AccessTokenGuard, backChannelLogoutController, ResourceServerModule } from 'nestjs-resource-server';
import { ResourceServerJwtStrategy } from 'nestjs-resource-server/passport';
import { RevocationsController } from './admin/revocations.controller.js';
import { oidcConfig } from './config/oidc.config.js';
import { ApolloGraphqlModule, MercuriusGraphqlModule } from './graphql/graphql-api.module.js';
import { HealthController } from './health.controller.js';
import { MeController } from './me.controller.js';
import { MessagesController } from './messages/messages.controller.js';
import { MessagesGateway } from './messages/messages.gateway.js';
import { MessagesModule } from './messages/messages.module.js';
import { MessagesRpcController } from './messages/messages.rpc.controller.js';
import { ProfileController } from './profile.controller.js';
import { PassportController } from './passport/passport.controller.js';
import { httpPlatform } from './settings.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [oidcConfig] }),
    // Readiness at GET /health/ready; failures are answered 503 with details, not logged per probe.
    TerminusModule.forRoot({ logger: false }),
    ResourceServerModule.forRootAsync({
      inject: [oidcConfig.KEY],
      useFactory: (oidc: ConfigType<typeof oidcConfig>) => ({
        provider: oidc.provider,
        // One audience for every issuer is enough for the sample; each entry could have its own.
        issuers: oidc.issuers.map((issuer) => ({ issuer, audience: oidc.audience })),
        tokenType: oidc.tokenType,
        ...(oidc.tokenType === 'jwt'
          ? {}
          : { introspection: { clientId: oidc.clientId, clientSecret: oidc.clientSecret } }),
        warmUp: true,
        dpop: oidc.dpop,
        // RFC 9728: GET /.well-known/oauth-protected-resource describes this API; 401s point to it.
        ...(oidc.resource
          ? { resourceMetadata: { resource: oidc.resource, resourceName: 'Sample messages API' } }
          : {}),
        ...(oidc.redisUrl ? { redis: { url: oidc.redisUrl } } : {}),
        ...(oidc.backChannelClientId
          ? { revocation: { backChannelLogout: { clientId: oidc.backChannelClientId } } }
          : {}),
      }),
    }),
    // For the /passport routes: AuthGuard('jwt') with the library's strategy.
    PassportModule,
    MessagesModule,
    // GraphQL at /graphql: Apollo on Express (HTTP_PLATFORM unset or express), Mercurius on Fastify.
    ConditionalModule.registerWhen(ApolloGraphqlModule, (env) => httpPlatform(env) === 'express', { debug: false }),
    ConditionalModule.registerWhen(MercuriusGraphqlModule, (env) => httpPlatform(env) === 'fastify', { debug: false }),
  ],
  controllers: [
    HealthController,
    MeController,
    MessagesController,
    ProfileController,
    MessagesRpcController,
    PassportController,
    RevocationsController,
    // POST /oidc/backchannel-logout (public: the signed logout token is the credential).
    backChannelLogoutController('oidc/backchannel-logout'),
  ],
  // Every route requires a valid token unless marked @Public().
  // MessagesService comes from MessagesModule: one instance for REST, GraphQL, Socket.IO and RPC.
  providers: [MessagesGateway, { provide: APP_GUARD, useExisting: AccessTokenGuard }, ResourceServerJwtStrategy],
})
export class AppModule {}
