/**
 * GraphQL in the e2e suites: the driver of the run's platform (Apollo on Express with graphql-ws
 * subscriptions, Mercurius on Fastify), a POST helper and one assertion for a refused field.
 */
import { expect } from '@jest/globals';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import type request from 'supertest';
import { GraphqlWsAuth } from 'nestjs-resource-server';
import { parseChallenge } from './challenge.js';
import { httpPlatform } from './start-app.js';

/** The GraphQL driver of this run: Apollo (with graphql-ws) on Express, Mercurius on Fastify. */
export function graphqlModule(): DynamicModule {
  if (httpPlatform() === 'fastify') {
    return GraphQLModule.forRoot<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      path: '/graphql',
      autoSchemaFile: true,
    });
  }
  return GraphQLModule.forRootAsync<ApolloDriverConfig>({
    driver: ApolloDriver,
    inject: [GraphqlWsAuth],
    useFactory: (auth: GraphqlWsAuth) => ({
      path: '/graphql',
      autoSchemaFile: true,
      // Apollo's default in development; the library's errors must carry no frames even so.
      includeStacktraceInErrorResponses: true,
      subscriptions: { 'graphql-ws': auth.options() },
    }),
  });
}

/** POSTs a GraphQL document to /graphql, with `Authorization: Bearer <token>` when a token is given. */
export function gql(http: ReturnType<typeof request>, query: string, token?: string): request.Test {
  const post = http.post('/graphql').set('content-type', 'application/json').send({ query });
  return token === undefined ? post : post.set('Authorization', `Bearer ${token}`);
}

/** A GraphQL error as the response carries it. */
export interface GraphqlErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

/** What {@link expectRefusedField} should find. */
export interface ExpectedRefusal {
  path: (string | number)[];
  code: 'UNAUTHENTICATED' | 'FORBIDDEN';
  /** The RFC 6750 code (or short reason) in `extensions.error`. */
  error: string;
  scope?: string;
  /** The WWW-Authenticate challenge's `error` parameter; `null` for a bare challenge, undefined when none is expected. */
  challenge?: string | null;
}

const STACK_FRAME = /\bat .*:\d+:\d+/;

/**
 * Asserts one refused field: its error (code, RFC 6750 code, scope, path), no stack frame or
 * INTERNAL_SERVER_ERROR anywhere in the body, and the challenge header (or its absence).
 */
export function expectRefusedField(res: request.Response, expected: ExpectedRefusal): void {
  const errors = (res.body as { errors?: GraphqlErrorJson[] }).errors ?? [];
  const error = errors.find((e) => JSON.stringify(e.path) === JSON.stringify(expected.path));
  expect({
    path: error?.path,
    code: error?.extensions?.code,
    error: error?.extensions?.error,
    scope: error?.extensions?.scope,
  }).toEqual({
    path: expected.path,
    code: expected.code,
    error: expected.error,
    scope: expected.scope,
  });
  expect(res.text).not.toMatch(STACK_FRAME);
  expect(res.text).not.toContain('INTERNAL_SERVER_ERROR');
  expect(res.text).not.toContain('eyJ');
  const header = res.headers['www-authenticate'];
  if (expected.challenge === undefined) {
    expect(header).toBeUndefined();
    return;
  }
  const { scheme, params } = parseChallenge(String(header));
  expect({ scheme, error: params.error ?? null }).toEqual({ scheme: 'Bearer', error: expected.challenge });
}
