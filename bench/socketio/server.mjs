// The socket.io bench server: one namespace whose handshake SocketAuthenticator protects, and two
// events with the same handler, `guarded` (@Scopes('read:messages'), checked per event by the global
// guard) and `open` (@Public(): no per-event check). Plain .mjs calling Nest's decorator functions
// directly, like bench/recipe/main.mjs. Env: OIDC_ISSUER, OIDC_AUDIENCE, PORT.
import 'reflect-metadata';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { AccessTokenGuard, Public, ResourceServerModule, Scopes, SocketAuthenticator } from 'nestjs-resource-server';

const { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience } = process.env;
if (!issuer || !audience) throw new Error('OIDC_ISSUER and OIDC_AUDIENCE are required');
const BODY = [{ id: 1, text: 'Hello from the bench', author: 'system' }];

class BenchGateway {
  constructor(sockets) {
    this.sockets = sockets;
  }
  afterInit(server) {
    this.sockets.protect(server);
  }
  guarded() {
    return BODY;
  }
  open() {
    return BODY;
  }
}
const method = (name) => [BenchGateway.prototype, name, Object.getOwnPropertyDescriptor(BenchGateway.prototype, name)];
Scopes('read:messages')(...method('guarded'));
SubscribeMessage('guarded')(...method('guarded'));
Public()(...method('open'));
SubscribeMessage('open')(...method('open'));
Inject(SocketAuthenticator)(BenchGateway, undefined, 0);
WebSocketGateway({ namespace: '/bench' })(BenchGateway);

class HealthController {
  health() {
    return { status: 'ok' };
  }
}
Public()(
  ...[HealthController.prototype, 'health', Object.getOwnPropertyDescriptor(HealthController.prototype, 'health')],
);
Get('health')(
  HealthController.prototype,
  'health',
  Object.getOwnPropertyDescriptor(HealthController.prototype, 'health'),
);
Controller()(HealthController);

class AppModule {}
Module({
  imports: [ResourceServerModule.forRoot({ issuer, audience, warmUp: true })],
  controllers: [HealthController],
  providers: [BenchGateway, { provide: APP_GUARD, useExisting: AccessTokenGuard }],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
