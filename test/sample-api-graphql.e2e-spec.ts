// The sample API's GraphQL contract at POST /graphql (Apollo on Express, Mercurius on Fastify: this
// suite runs once per platform), with tokens minted on a local JWKS endpoint.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../apps/sample-api/src/app.module.js';
import { expectRefusedField, gql } from './helpers/graphql.js';
import { startLocalIssuer, type LocalIssuer } from './helpers/issuer-server.js';
import { generateTestKey } from './helpers/keys.js';
import { createPlatformApp, initForRequests } from './helpers/start-app.js';
import { mintAccessToken, nowSeconds, tamperPayload } from './helpers/tokens.js';

const AUDIENCE = 'http://localhost:3000';

/** Boots the sample API's AppModule as main.ts configures it, against `issuer`. */
async function bootSampleApi(issuer: string): Promise<INestApplication> {
  process.env.OIDC_ISSUER = issuer;
  process.env.OIDC_AUDIENCE = AUDIENCE;
  for (const name of ['OIDC_TOKEN_TYPE', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_PROVIDER'])
    delete process.env[name];
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = await createPlatformApp(moduleRef, { logger: false });
  await initForRequests(app);
  return app;
}

describe(`sample API GraphQL at POST /graphql (${process.env.HTTP_PLATFORM || 'express'})`, () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let app: INestApplication;
  const api = () => request(app.getHttpServer());
  const token = (claims: Record<string, unknown> = {}) =>
    mintAccessToken(key, { iss: issuer.issuer, aud: AUDIENCE, sub: 'alice', scope: 'read:messages', ...claims });

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    app = await bootSampleApi(issuer.issuer);
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('Query.health is public', async () => {
    const res = await gql(api(), '{ health }');
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { data: { health: 'ok' } } });
  });

  it('Query.me answers sub and scopes for any valid token', async () => {
    const res = await gql(api(), '{ me { sub scopes } }', token({ scope: 'openid profile' }));
    expect(res.body).toEqual({ data: { me: { sub: 'alice', scopes: ['openid', 'profile'] } } });
  });

  it('Query.messages needs read:messages', async () => {
    const res = await gql(api(), '{ messages { id text author } }', token());
    expect(res.body.data.messages[0]).toEqual({ id: 1, text: 'Hello from the sample API', author: 'system' });
    const denied = await gql(api(), '{ health messages { id } }', token({ scope: 'openid' }));
    expect(denied.body.data).toBeNull(); // [Message!]! is non-null: the refusal nulls the whole data
    expectRefusedField(denied, {
      path: ['messages'],
      code: 'FORBIDDEN',
      error: 'insufficient_scope',
      scope: 'read:messages',
    });
  });

  it('Mutation.postMessage needs write:messages and shows up in Query.messages', async () => {
    const denied = await gql(api(), 'mutation { postMessage(text: "nope") { id } }', token());
    expectRefusedField(denied, {
      path: ['postMessage'],
      code: 'FORBIDDEN',
      error: 'insufficient_scope',
      scope: 'write:messages',
    });
    const posted = await gql(
      api(),
      'mutation { postMessage(text: "hi from GraphQL") { id text author } }',
      token({ scope: 'write:messages' }),
    );
    expect(posted.body.data.postMessage).toMatchObject({ text: 'hi from GraphQL', author: 'alice' });
    const list = await gql(api(), '{ messages { text } }', token());
    expect(list.body.data.messages.map((m: { text: string }) => m.text)).toContain('hi from GraphQL');
  });

  it.each<[string, () => string | undefined, string, string | null]>([
    ['no token', () => undefined, 'unauthorized', null],
    [
      'an expired token',
      () => token({ exp: nowSeconds() - 60, iat: nowSeconds() - 120 }),
      'invalid_token',
      'invalid_token',
    ],
    ['a forged token', () => tamperPayload(token(), { sub: 'mallory' }), 'invalid_token', 'invalid_token'],
  ])('%s: UNAUTHENTICATED with the challenge on the HTTP response', async (_name, make, error, challenge) => {
    const res = await gql(api(), '{ me { sub } }', make());
    expect(res.body.data).toBeNull();
    expectRefusedField(res, { path: ['me'], code: 'UNAUTHENTICATED', error, challenge });
  });

  it('the REST routes are unchanged next to GraphQL', async () => {
    await api().get('/health').expect(200, { status: 'ok' });
    expect((await api().get('/messages').set('Authorization', `Bearer ${token()}`)).status).toBe(200);
  });
});
