import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenGuard, backChannelLogoutController, ResourceServerModule } from 'nestjs-resource-server';
import { RevocationsController } from './admin/revocations.controller.js';
import { oidcConfig } from './config/oidc.config.js';
import { HealthController } from './health.controller.js';
import { MeController } from './me.controller.js';
import { MessagesController } from './messages/messages.controller.js';
import { MessagesService } from './messages/messages.service.js';
import { ProfileController } from './profile.controller.js';

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
        ...(oidc.redisUrl ? { redis: { url: oidc.redisUrl } } : {}),
        ...(oidc.backChannelClientId ? { revocation: { backChannelLogout: { clientId: oidc.backChannelClientId } } } : {}),
      }),
    }),
  ],
  controllers: [
    HealthController,
    MeController,
    MessagesController,
    ProfileController,
    RevocationsController,
    // POST /oidc/backchannel-logout (public: the signed logout token is the credential).
    backChannelLogoutController('oidc/backchannel-logout'),
  ],
  // Every route requires a valid token unless marked @Public().
  providers: [MessagesService, { provide: APP_GUARD, useExisting: AccessTokenGuard }],
})
export class AppModule {}
