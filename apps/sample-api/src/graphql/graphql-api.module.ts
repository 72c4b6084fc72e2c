// GraphQL at POST /graphql, code-first: Apollo on Express (with subscriptions over graphql-ws),
// Mercurius on Fastify. The app module imports the one that matches HTTP_PLATFORM.
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { GraphqlWsAuth } from 'nestjs-resource-server';
import { MessagesModule } from '../messages/messages.module.js';
import { MessagesSubscriptionResolver } from './messages-subscription.resolver.js';
import { MessagesResolver } from './messages.resolver.js';

@Module({
  imports: [
    MessagesModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [GraphqlWsAuth],
      useFactory: (auth: GraphqlWsAuth) => ({
        path: '/graphql',
        autoSchemaFile: true,
        sortSchema: true,
        includeStacktraceInErrorResponses: false,
        // The access token arrives in connection_init: { authorization: 'Bearer ...' }.
        subscriptions: { 'graphql-ws': auth.options() },
      }),
    }),
  ],
  providers: [MessagesResolver, MessagesSubscriptionResolver],
})
export class ApolloGraphqlModule {}

@Module({
  imports: [
    MessagesModule,
    GraphQLModule.forRoot<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      path: '/graphql',
      autoSchemaFile: true,
      sortSchema: true,
    }),
  ],
  providers: [MessagesResolver],
})
export class MercuriusGraphqlModule {}
