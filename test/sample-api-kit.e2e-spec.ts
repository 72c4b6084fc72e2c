// The sample API tested the way the README's "Testing your API" tells users to: its real AppModule
// (configured through @nestjs/config) pointed at the test kit's issuer with one line.
import { createPlatformApp, initForRequests } from './helpers/start-app.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { createTestIssuer, useTestIssuer, type TestIssuer } from 'nestjs-resource-server/testing';
import { AppModule } from '../apps/sample-api/src/app.module.js';
import { expectChallenge } from './helpers/challenge.js';

describe('sample API with the test kit', () => {
  let issuer: TestIssuer;
  let app: INestApplication;
  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    issuer = await createTestIssuer({
      audience: 'http://localhost:3000',
      userInfo: { name: 'Demo', email: 'demo@example.test' },
    });
    // The app's own configuration needs an issuer to start; the kit replaces the module options anyway.
    process.env.OIDC_ISSUER = 'https://unused.example.com';
    process.env.OIDC_AUDIENCE = 'http://localhost:3000';
    const moduleRef = await useTestIssuer(Test.createTestingModule({ imports: [AppModule] }), issuer).compile();
    app = await createPlatformApp(moduleRef, { logger: false });
    await initForRequests(app);
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('GET /messages with read:messages answers 200', async () => {
    await api()
      .get('/messages')
      .set('Authorization', `Bearer ${issuer.token({ scopes: ['read:messages'] })}`)
      .expect(200);
  });

  it('POST /messages without write:messages answers 403 naming the scope', async () => {
    const res = await api()
      .post('/messages')
      .set('Authorization', `Bearer ${issuer.token({ scopes: ['read:messages'] })}`)
      .send({ text: 'hi' });
    expectChallenge(res, { status: 403, error: 'insufficient_scope', scope: 'write:messages' });
  });

  it('GET /messages/audit needs the role auditor', async () => {
    await api()
      .get('/messages/audit')
      .set('Authorization', `Bearer ${issuer.token({ roles: ['auditor'] })}`)
      .expect(200);
    await api()
      .get('/messages/audit')
      .set('Authorization', `Bearer ${issuer.token({ roles: ['reader'] })}`)
      .expect(403);
  });

  it('GET /me describes the caller, also for an opaque token', async () => {
    const res = await api()
      .get('/me')
      .set('Authorization', `Bearer ${issuer.opaqueToken({ sub: 'ada', scopes: ['read:messages'] })}`)
      .expect(200);
    expect(res.body).toMatchObject({ sub: 'ada', scopes: ['read:messages'], issuer: issuer.issuer });
  });

  it('GET /profile serves the issuer userinfo', async () => {
    const res = await api()
      .get('/profile')
      .set('Authorization', `Bearer ${issuer.token({ sub: 'ada' })}`)
      .expect(200);
    expect(res.body).toMatchObject({ sub: 'ada', name: 'Demo', email: 'demo@example.test' });
  });

  it.each([
    ['expired', () => issuer.expiredToken({ scopes: ['read:messages'] })],
    ['for another audience', () => issuer.wrongAudienceToken({ scopes: ['read:messages'] })],
    ['forged', () => issuer.forgedToken({ scopes: ['read:messages'] })],
  ])('refuses a token that is %s with 401 invalid_token', async (_name, token) => {
    expectChallenge(await api().get('/messages').set('Authorization', `Bearer ${token()}`), {
      status: 401,
      error: 'invalid_token',
    });
  });
});
