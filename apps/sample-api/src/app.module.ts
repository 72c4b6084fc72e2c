import { Module } from '@nestjs/common';
import { ConditionalModule, ConfigModule, type ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenGuard, ResourceServerModule } from 'nestjs-resource-server';
import { oidcConfig } from './config/oidc.config.js';
import { ApolloGraphqlModule, MercuriusGraphqlModule } from './graphql/graphql-api.module.js';
import { HealthController } from './health.controller.js';
import { MeController } from './me.controller.js';
import { MessagesController } from './messages/messages.controller.js';
import { MessagesModule } from './messages/messages.module.js';
import { ProfileController } from './profile.controller.js';
import { httpPlatform } from './settings.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [oidcConfig] }),
    ResourceServerModule.forRootAsync({
      inject: [oidcConfig.KEY],
      useFactory: (oidc: ConfigType<typeof oidcConfig>) => ({
        provider: oidc.provider,
        // One audience for every issuer is enough for the sample; each entry could have its own.
        issuers: oidc.issuers.map((issuer) => ({ issuer, audience: oidc.audience })),
        tokenType: oidc.tokenType,
        ...(oidc.tokenType === 'jwt' ? {} : { introspection: { clientId: oidc.clientId, clientSecret: oidc.clientSecret } }),
        warmUp: true,
      }),
    }),
    MessagesModule,
    // GraphQL at /graphql: Apollo on Express (HTTP_PLATFORM unset or express), Mercurius on Fastify.
    ConditionalModule.registerWhen(ApolloGraphqlModule, (env) => httpPlatform(env) === 'express', { debug: false }),
    ConditionalModule.registerWhen(MercuriusGraphqlModule, (env) => httpPlatform(env) === 'fastify', { debug: false }),
  ],
  controllers: [HealthController, MeController, MessagesController, ProfileController],
  // Every route requires a valid token unless marked @Public().
  providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
})
export class AppModule {}
