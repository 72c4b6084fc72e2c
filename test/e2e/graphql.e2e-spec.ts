// Issue 11, GraphQL over HTTP: the global guard on resolvers of both drivers (Apollo on Express,
// Mercurius on Fastify: this suite runs once per platform), real POSTs of GraphQL documents, tokens
// valid, expired, forged, missing and insufficient; refused fields as GraphQL errors with a path,
// the rest of the data intact, and the RFC 6750 challenge on the HTTP response.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, UseGuards } from '@nestjs/common';
import { Field, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AccessToken,
  AccessTokenGuard,
  ResourceServerModule,
  AnyRole,
  AnyScope,
  Principal,
  Public,
  RequireClaims,
  Roles,
  Scopes,
  UserInfo,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { expectRefusedField, gql, graphqlModule } from '../helpers/graphql.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, createPlatformApp, startApp, type RunningApp } from '../helpers/start-app.js';
import { nowSeconds, tamperPayload } from '../helpers/tokens.js';
import { AUDIENCE, minter } from './support.js';

@ObjectType('Caller')
class CallerModel {
  @Field(() => String) sub!: string;
  @Field(() => [String]) scopes!: string[];
  @Field(() => Number) tokenLength!: number;
}

@Resolver()
class ProbeResolver {
  @Public()
  @Query(() => String)
  open(): string {
    return 'open';
  }

  @Query(() => CallerModel, { nullable: true })
  caller(@Principal() principal: VerifiedPrincipal, @AccessToken() token: string): CallerModel {
    return { sub: principal.subject ?? '', scopes: [...principal.scopes], tokenLength: token.length };
  }

  @Scopes('read:messages')
  @Query(() => [String], { nullable: true })
  messages(): string[] {
    return ['hello'];
  }

  @Scopes('read:messages', 'admin')
  @Query(() => String, { nullable: true })
  admin(): string {
    return 'admin';
  }

  @AnyScope('a', 'b')
  @Query(() => String, { nullable: true })
  eitherScope(): string {
    return 'either';
  }

  @Roles('auditor')
  @Query(() => String, { nullable: true })
  audit(): string {
    return 'audit';
  }

  @AnyRole('x', 'y')
  @Query(() => String, { nullable: true })
  anyRole(): string {
    return 'any-role';
  }

  @RequireClaims((principal) => principal.claims.tenant === 'acme')
  @Query(() => String, { nullable: true })
  acme(): string {
    return 'acme';
  }

  @Scopes('read:messages')
  @Query(() => String)
  strict(): string {
    return 'strict';
  }

  @Query(() => String, { nullable: true })
  email(@UserInfo('email') email: string): string {
    return email;
  }

  @Scopes('write:messages')
  @Mutation(() => String, { nullable: true })
  post(): string {
    return 'posted';
  }
}

describe(`GraphQL over HTTP (${process.env.HTTP_PLATFORM || 'express'})`, () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;
  let rs: RunningApp;

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    issuer.route('GET', '/userinfo', (req, res) => {
      // A caller whose token says sub "broken" meets a failing userinfo endpoint.
      const payload = JSON.parse(
        Buffer.from(String(req.headers.authorization).split('.')[1] ?? '', 'base64url').toString() || '{}',
      );
      res.writeHead(payload.sub === 'broken' ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sub: 'alice', email: 'alice@example.test' }));
    });
    mint = minter(key, issuer.issuer);
    rs = await startApp(
      { issuer: issuer.issuer, audience: AUDIENCE },
      { controllers: [], imports: [graphqlModule()], providers: [ProbeResolver] },
    );
  });
  afterAll(closeAll);

  const alice = (claims: Record<string, unknown> = {}) => mint({ sub: 'alice', scope: 'read:messages', ...claims });

  it('a @Public() field needs no token, and sends no challenge', async () => {
    const res = await gql(rs.http, '{ open }');
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { data: { open: 'open' } } });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('a valid token: @Principal() and @AccessToken() in a resolver, scoped fields answered', async () => {
    const token = alice();
    const res = await gql(rs.http, '{ caller { sub scopes tokenLength } messages }', token);
    expect(res.body).toEqual({
      data: { caller: { sub: 'alice', scopes: ['read:messages'], tokenLength: token.length }, messages: ['hello'] },
    });
  });

  it("@UserInfo() in a resolver loads the caller's userinfo", async () => {
    const res = await gql(rs.http, '{ email }', alice());
    expect(res.body).toEqual({ data: { email: 'alice@example.test' } });
  });

  it("a library error raised inside a resolver (userinfo endpoint failing) is that field's error, not INTERNAL_SERVER_ERROR", async () => {
    const res = await gql(rs.http, '{ open email }', alice({ sub: 'broken' }));
    expect(res.body.data).toEqual({ open: 'open', email: null });
    const [error] = res.body.errors;
    expect({ path: error.path, code: error.extensions.code, error: error.extensions.error }).toEqual({
      path: ['email'],
      code: 'SERVICE_UNAVAILABLE',
      error: 'bad_gateway',
    });
    expect(res.text).not.toMatch(/INTERNAL_SERVER_ERROR|\bat .*:\d+:\d+/);
  });

  it('no token: UNAUTHENTICATED on each guarded field, public data intact, bare challenge', async () => {
    const res = await gql(rs.http, '{ open messages }');
    expect(res.body.data).toEqual({ open: 'open', messages: null });
    expectRefusedField(res, { path: ['messages'], code: 'UNAUTHENTICATED', error: 'unauthorized', challenge: null });
  });

  it.each([
    ['expired', () => alice({ exp: nowSeconds() - 60, iat: nowSeconds() - 120 })],
    ['forged (payload changed after signing)', () => tamperPayload(alice(), { scope: 'read:messages admin' })],
    ['for another audience', () => alice({ aud: 'https://other.example' })],
  ])('a token %s: UNAUTHENTICATED invalid_token with the challenge', async (_name, token) => {
    const res = await gql(rs.http, '{ open caller { sub } }', token());
    expect(res.body.data).toEqual({ open: 'open', caller: null });
    expectRefusedField(res, {
      path: ['caller'],
      code: 'UNAUTHENTICATED',
      error: 'invalid_token',
      challenge: 'invalid_token',
    });
  });

  it('a malformed Authorization header: UNAUTHENTICATED invalid_request with the challenge', async () => {
    const res = await rs.http
      .post('/graphql')
      .set('Authorization', 'Bearer a b')
      .send({ query: '{ open caller { sub } }' });
    expect(res.body.data).toEqual({ open: 'open', caller: null });
    expectRefusedField(res, {
      path: ['caller'],
      code: 'UNAUTHENTICATED',
      error: 'invalid_request',
      challenge: 'invalid_request',
    });
  });

  it('insufficient scope: FORBIDDEN naming the required scopes on that field only, no challenge', async () => {
    const res = await gql(rs.http, '{ messages admin }', alice());
    expect(res.body.data).toEqual({ messages: ['hello'], admin: null });
    expectRefusedField(res, {
      path: ['admin'],
      code: 'FORBIDDEN',
      error: 'insufficient_scope',
      scope: 'read:messages admin',
    });
  });

  it('@AnyScope, @Roles, @AnyRole and @RequireClaims refuse with FORBIDDEN and admit what they should', async () => {
    const denied = await gql(rs.http, '{ eitherScope audit anyRole acme }', alice());
    expect(denied.body.data).toEqual({ eitherScope: null, audit: null, anyRole: null, acme: null });
    expectRefusedField(denied, { path: ['eitherScope'], code: 'FORBIDDEN', error: 'insufficient_scope', scope: 'a b' });
    expectRefusedField(denied, { path: ['audit'], code: 'FORBIDDEN', error: 'forbidden' });
    expectRefusedField(denied, { path: ['acme'], code: 'FORBIDDEN', error: 'forbidden' });
    const admitted = await gql(
      rs.http,
      '{ eitherScope audit anyRole acme }',
      alice({ scope: 'b', roles: ['auditor', 'y'], tenant: 'acme' }),
    );
    expect(admitted.body).toEqual({
      data: { eitherScope: 'either', audit: 'audit', anyRole: 'any-role', acme: 'acme' },
    });
  });

  it('a refused non-null field nulls its parent (here the whole data), still FORBIDDEN with its path', async () => {
    const res = await gql(rs.http, '{ open strict }', alice({ scope: 'other' }));
    expect(res.body.data).toBeNull();
    expectRefusedField(res, {
      path: ['strict'],
      code: 'FORBIDDEN',
      error: 'insufficient_scope',
      scope: 'read:messages',
    });
  });

  it('a mutation needs its scope', async () => {
    const denied = await gql(rs.http, 'mutation { post }', alice());
    expect(denied.body.data).toEqual({ post: null });
    expectRefusedField(denied, {
      path: ['post'],
      code: 'FORBIDDEN',
      error: 'insufficient_scope',
      scope: 'write:messages',
    });
    const admitted = await gql(rs.http, 'mutation { post }', alice({ scope: 'write:messages' }));
    expect(admitted.body).toEqual({ data: { post: 'posted' } });
  });

  it('several requests with different tokens in parallel each get their own caller', async () => {
    const subs = Array.from({ length: 10 }, (_, i) => `user-${i}`);
    const answers = await Promise.all(subs.map((sub) => gql(rs.http, '{ caller { sub } }', mint({ sub }))));
    expect(answers.map((r) => r.body.data.caller.sub)).toEqual(subs);
  });
});

@Resolver()
@UseGuards(AccessTokenGuard)
class ReportsResolver {
  @Scopes('read:reports')
  @Query(() => [String], { nullable: true })
  reports(@Principal('subject') sub: string): string[] {
    return [`q1 for ${sub}`];
  }
}

/** A feature module of its own: the guard is applied with @UseGuards, no global guard in the app. */
@Module({ providers: [ReportsResolver] })
class ReportsModule {}

describe(`GraphQL with @UseGuards(AccessTokenGuard) in a feature module (${process.env.HTTP_PLATFORM || 'express'})`, () => {
  const key = generateTestKey('ES256');
  let mint: ReturnType<typeof minter>;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    const issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    mint = minter(key, issuer.issuer);
    @Module({
      imports: [
        ResourceServerModule.forRoot({ issuer: issuer.issuer, audience: AUDIENCE }),
        graphqlModule(),
        ReportsModule,
      ],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = closeLater(await createPlatformApp(moduleRef, { logger: false }));
    await app.listen(0, '127.0.0.1');
    http = request((await app.getUrl()).replace('[::1]', '127.0.0.1'));
  });
  afterAll(closeAll);

  it('admits a token with the scope and refuses others as GraphQL errors', async () => {
    expect((await gql(http, '{ reports }', mint({ sub: 'bob', scope: 'read:reports' }))).body).toEqual({
      data: { reports: ['q1 for bob'] },
    });
    expectRefusedField(await gql(http, '{ reports }', mint({ scope: 'read' })), {
      path: ['reports'],
      code: 'FORBIDDEN',
      error: 'insufficient_scope',
      scope: 'read:reports',
    });
    expectRefusedField(await gql(http, '{ reports }'), {
      path: ['reports'],
      code: 'UNAUTHENTICATED',
      error: 'unauthorized',
      challenge: null,
    });
  });
});
