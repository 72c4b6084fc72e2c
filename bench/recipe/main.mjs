// "The plain recipe": the usual NestJS JWT setup, @nestjs/passport + passport-jwt + jwks-rsa,
// written without decorator syntax (plain .mjs, no build step) by calling Nest's decorator
// functions directly, which is exactly what the TypeScript compiler emits for `@Decorator()`.
//
// Env: OIDC_ISSUER, OIDC_AUDIENCE, PORT (JWKS from `${OIDC_ISSUER}/jwks` unless JWKS_URI is set).
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, UnauthorizedException, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';

const issuer = process.env.OIDC_ISSUER;
const audience = process.env.OIDC_AUDIENCE;
const port = Number(process.env.PORT ?? 3001);
if (!issuer || !audience) throw new Error('OIDC_ISSUER and OIDC_AUDIENCE are required');
const jwksUri = process.env.JWKS_URI ?? `${issuer}/jwks`;

// @Injectable() class JwtStrategy extends PassportStrategy(Strategy) { ... }
class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({ jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
      issuer,
      audience,
      algorithms: ['RS256'],
    });
  }

  // Same authorization as the sample API's GET /messages: the token must carry read:messages.
  validate(payload) {
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes('read:messages')) throw new UnauthorizedException();
    return payload;
  }
}
Injectable()(JwtStrategy);
Reflect.defineMetadata('design:paramtypes', [], JwtStrategy);

// The same bodies as the sample API's GET /health and GET /messages.
const MESSAGES = [{ id: 1, text: 'Hello from the sample API', author: 'system', createdAt: new Date(0).toISOString() }];

class AppController {
  health() {
    return { status: 'ok' };
  }
  messages() {
    return MESSAGES;
  }
}
const method = (cls, name, ...decorators) => {
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
  for (const decorator of decorators.reverse()) decorator(cls.prototype, name, descriptor);
};
method(AppController, 'health', Get('health'));
method(AppController, 'messages', UseGuards(AuthGuard('jwt')), Get('messages'));
Controller()(AppController);
Reflect.defineMetadata('design:paramtypes', [], AppController);

class AppModule {}
Module({ imports: [PassportModule], controllers: [AppController], providers: [JwtStrategy] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(port, '127.0.0.1');
console.log(`recipe listening on http://127.0.0.1:${port} (issuer ${issuer}, audience ${audience})`);
