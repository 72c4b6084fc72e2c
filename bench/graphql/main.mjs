// The GraphQL workload's server: Apollo on Express with nestjs-resource-server's global guard, and
// two fields with the same body, `messages` (needs read:messages) and `publicMessages` (@Public()).
// Plain .mjs (no build step) calling the decorator functions as the TypeScript compiler would; the
// library comes from its build (libs/resource-server/dist, made by `npm run build`).
//
// Env: OIDC_ISSUER, OIDC_AUDIENCE, PORT.
import 'reflect-metadata';
import { ApolloDriver } from '@nestjs/apollo';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Field, GraphQLModule, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { AccessTokenGuard, Public, ResourceServerModule, Scopes } from 'nestjs-resource-server';

const issuer = process.env.OIDC_ISSUER;
const audience = process.env.OIDC_AUDIENCE;
const port = Number(process.env.PORT ?? 3002);
if (!issuer || !audience) throw new Error('OIDC_ISSUER and OIDC_AUDIENCE are required');

const property = (cls, name, ...decorators) => {
  for (const decorator of decorators.reverse()) decorator(cls.prototype, name);
};
const method = (cls, name, ...decorators) => {
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
  for (const decorator of decorators.reverse()) decorator(cls.prototype, name, descriptor);
};

class Message {}
property(
  Message,
  'id',
  Field(() => Int),
);
property(
  Message,
  'text',
  Field(() => String),
);
property(
  Message,
  'author',
  Field(() => String),
);
ObjectType('Message')(Message);

// The same body as the sample API's Query.messages.
const MESSAGES = [{ id: 1, text: 'Hello from the sample API', author: 'system' }];

class MessagesResolver {
  messages() {
    return MESSAGES;
  }
  publicMessages() {
    return MESSAGES;
  }
}
method(
  MessagesResolver,
  'messages',
  Scopes('read:messages'),
  Query(() => [Message]),
);
method(
  MessagesResolver,
  'publicMessages',
  Public(),
  Query(() => [Message]),
);
Resolver()(MessagesResolver);
Reflect.defineMetadata('design:paramtypes', [], MessagesResolver);

class HealthController {
  health() {
    return { status: 'ok' };
  }
}
method(HealthController, 'health', Public(), Get('health'));
Controller()(HealthController);

class AppModule {}
Module({
  imports: [
    ResourceServerModule.forRoot({ issuer, audience }),
    GraphQLModule.forRoot({
      driver: ApolloDriver,
      path: '/graphql',
      autoSchemaFile: true,
      includeStacktraceInErrorResponses: false,
    }),
  ],
  controllers: [HealthController],
  providers: [MessagesResolver, { provide: APP_GUARD, useExisting: AccessTokenGuard }],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(port, '127.0.0.1');
console.log(`graphql bench app listening on http://127.0.0.1:${port} (issuer ${issuer}, audience ${audience})`);
