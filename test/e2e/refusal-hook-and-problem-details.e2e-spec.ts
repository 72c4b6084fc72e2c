// The application's refusal hook (audit logs) and RFC 9457 problem+json bodies: both from the one
// pipeline, whatever refused the call; the challenge is the same either way.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, UseGuards, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AccessTokenGuard,
  ResourceServerModule,
  Roles,
  Scopes,
  UserInfo,
  type Refusal,
  type ResourceServerModuleOptions,
} from 'nestjs-resource-server';
import { createTestIssuer, type TestIssuer } from 'nestjs-resource-server/testing';

@Controller('audit')
@UseGuards(AccessTokenGuard)
class AuditedController {
  @Scopes('read') @Get() read() {
    return { ok: true };
  }
  @Roles('admin') @Get('admin') admin() {
    return { ok: true };
  }
  @Get('profile') profile(@UserInfo() info: unknown) {
    return info;
  }
}

async function boot(options: ResourceServerModuleOptions): Promise<INestApplication> {
  @Module({ imports: [ResourceServerModule.forRoot(options) as DynamicModule], controllers: [AuditedController] })
  class AuditedApp {}
  const moduleRef = await Test.createTestingModule({ imports: [AuditedApp] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('onRefusal and problemDetails', () => {
  let issuer: TestIssuer;
  let app: INestApplication;
  const refusals: Refusal[] = [];
  const get = (path: string, token?: string) => {
    const call = request(app.getHttpServer()).get(path);
    return token ? call.set('Authorization', `Bearer ${token}`) : call;
  };

  beforeAll(async () => {
    issuer = await createTestIssuer();
    app = await boot(issuer.moduleOptions({ problemDetails: true, onRefusal: (refusal) => refusals.push(refusal) }));
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('calls the hook on every refusal with code, status, issuer and route, never the token', async () => {
    refusals.length = 0;
    const expired = issuer.expiredToken({ scopes: ['read'] });
    await get('/audit?secret=1', expired).expect(401);
    await get('/audit', issuer.token({ scopes: ['write'] })).expect(403);
    await get('/audit/admin', issuer.token()).expect(403);
    await get('/audit').expect(401);
    await get('/audit', issuer.token({ scopes: ['read'] })).expect(200);
    expect(refusals).toEqual([
      {
        code: 'expired',
        status: 401,
        bearerError: 'invalid_token',
        issuer: issuer.issuer,
        transport: 'http',
        route: 'AuditedController.read',
        request: { method: 'GET', path: '/audit' },
      },
      {
        code: 'insufficient_scope',
        status: 403,
        bearerError: 'insufficient_scope',
        issuer: issuer.issuer,
        transport: 'http',
        route: 'AuditedController.read',
        request: { method: 'GET', path: '/audit' },
      },
      {
        code: 'insufficient_role',
        status: 403,
        bearerError: undefined,
        issuer: issuer.issuer,
        transport: 'http',
        route: 'AuditedController.admin',
        request: { method: 'GET', path: '/audit/admin' },
      },
      {
        code: 'missing_token',
        status: 401,
        bearerError: undefined,
        issuer: undefined,
        transport: 'http',
        route: 'AuditedController.read',
        request: { method: 'GET', path: '/audit' },
      },
    ]);
    expect(JSON.stringify(refusals)).not.toContain(expired.split('.')[1]);
  });

  it('names no issuer for a token claiming one that is not configured', async () => {
    refusals.length = 0;
    const other = await createTestIssuer();
    await get('/audit', other.token({ scopes: ['read'] })).expect(401);
    await other.close();
    expect(refusals[0]).toMatchObject({ code: 'untrusted_issuer', issuer: undefined });
  });

  it('answers with application/problem+json bodies and the same RFC 6750 challenge', async () => {
    const res = await get('/audit', issuer.token({ scopes: ['write'] }));
    expect(res.status).toBe(403);
    // The Bearer challenge, then the DPoP one (DPoP is 'allowed' by default): the same as without problemDetails.
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the scope this resource requires", scope="read", ' +
        'DPoP realm="api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"',
    );
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toEqual({
      type: 'https://www.rfc-editor.org/rfc/rfc6750#section-3.1',
      title: 'Insufficient scope',
      status: 403,
      detail: 'The access token lacks the scope this resource requires',
      error: 'insufficient_scope',
    });
    const missing = await get('/audit');
    expect(missing.headers['www-authenticate']).toBe(
      'Bearer realm="api", DPoP realm="api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"',
    );
    expect(JSON.parse(missing.text)).toMatchObject({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      error: 'unauthorized',
    });
  });

  it('answers failures raised after the guard (a userinfo outage) as problem+json too, without calling the hook', async () => {
    refusals.length = 0;
    issuer.route('GET', '/userinfo', (_req, res) => void res.writeHead(500).end());
    const res = await get('/audit/profile', issuer.token());
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({
      type: 'about:blank',
      title: 'Bad gateway',
      status: 502,
      error: 'bad_gateway',
    });
    expect(refusals).toEqual([]);
  });

  it('keeps working when the hook throws', async () => {
    const throwing = await boot(
      issuer.moduleOptions({
        onRefusal: () => {
          throw new Error('audit log down');
        },
      }),
    );
    const res = await request(throwing.getHttpServer()).get('/audit');
    await throwing.close();
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'unauthorized', message: 'A bearer access token is required' });
  });

  it('refuses an onRefusal that is not a function at bootstrap', async () => {
    await expect(boot(issuer.moduleOptions({ onRefusal: 'log' as unknown as () => void }))).rejects.toThrow(
      /`onRefusal` must be a function/,
    );
  });
});
