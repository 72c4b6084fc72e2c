// The readiness check (GET /health/ready of the sample API, a @nestjs/terminus health indicator):
// keys per issuer, their age, refresh errors and stale keys, introspection reachability; during a
// JWKS outage with keys in hand (up, stale keys served) and without any (down, 503).
import { createPlatformApp, initForRequests } from '../helpers/start-app.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { ResourceServerModuleOptions } from 'nestjs-resource-server';
import { createTestIssuer, useTestIssuer, type TestIssuer } from 'nestjs-resource-server/testing';
import { AppModule } from '../../apps/sample-api/src/app.module.js';

const AUDIENCE = 'http://localhost:3000';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GET /health/ready', () => {
  let issuer: TestIssuer | undefined;
  let app: INestApplication | undefined;
  const api = () => request(app!.getHttpServer());

  async function boot(overrides: Partial<ResourceServerModuleOptions> = {}): Promise<TestIssuer> {
    issuer = await createTestIssuer({ audience: AUDIENCE });
    process.env.OIDC_ISSUER = 'https://unused.example.com';
    process.env.OIDC_AUDIENCE = AUDIENCE;
    const moduleRef = await useTestIssuer(
      Test.createTestingModule({ imports: [AppModule] }),
      issuer,
      overrides,
    ).compile();
    app = await createPlatformApp(moduleRef, { logger: false });
    await initForRequests(app);
    return issuer;
  }

  afterEach(async () => {
    await app?.close();
    await issuer?.close();
    app = issuer = undefined;
  });

  it('is public and up with the issuer keys loaded; GET /health is unchanged', async () => {
    const { issuer: iss } = await boot();
    const res = await api().get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.resource_server).toEqual({
      status: 'up',
      issuers: { [iss]: { keys: 1, keyAgeSeconds: 0, refreshFailing: false, servingStaleKeys: false } },
      introspection: { reachable: undefined },
    });
    await api().get('/health').expect(200, { status: 'ok' });
  });

  it('during a JWKS outage with keys in hand: up, stale keys served, the refresh error named; tokens still pass', async () => {
    const test = await boot({
      keySet: { cacheMaxAgeMs: 1, maxStaleAgeMs: 600_000, retryIntervalMs: 1, refetchCooldownMs: 0 },
    });
    await api().get('/health/ready').expect(200);
    test.setFault('jwks', 'status500');
    await sleep(20);
    await api()
      .get('/messages')
      .set('Authorization', `Bearer ${test.token({ scopes: ['read:messages'] })}`)
      .expect(200);
    // The refresh runs in the background: ask again (bounded) until it has failed.
    let res = await api().get('/health/ready').expect(200);
    for (let i = 0; i < 100 && !res.body.details.resource_server.issuers[test.issuer].refreshFailing; i++) {
      await sleep(50);
      res = await api().get('/health/ready').expect(200);
    }
    const state = res.body.details.resource_server.issuers[test.issuer];
    expect(state).toMatchObject({ keys: 1, refreshFailing: true, servingStaleKeys: true });
    expect(state.lastRefreshError).toMatch(/HTTP 500/);
    expect(res.body.details.resource_server.status).toBe('up');
  });

  it('with no keys to be had: down, 503, with the reason', async () => {
    const test = await boot();
    test.setFault('jwks', 'reset');
    const res = await api().get('/health/ready').expect(503);
    expect(res.body.status).toBe('error');
    expect(res.body.error.resource_server).toMatchObject({
      status: 'down',
      issuers: { [test.issuer]: { keys: 0, refreshFailing: true } },
    });
    expect(res.body.error.resource_server.issuers[test.issuer].lastRefreshError).toMatch(/request failed/);
  });

  it('reports the introspection endpoint unreachable after a failed introspection', async () => {
    const test = await boot();
    const opaque = test.opaqueToken({ scopes: ['read:messages'] });
    await api().get('/messages').set('Authorization', `Bearer ${opaque}`).expect(200);
    expect((await api().get('/health/ready').expect(200)).body.details.resource_server.introspection).toEqual({
      reachable: true,
    });
    test.route('POST', '/introspect', (_req, res) => void res.writeHead(500).end());
    await api()
      .get('/messages')
      .set('Authorization', `Bearer ${test.opaqueToken({ scopes: ['read:messages'] })}`)
      .expect(503);
    const res = await api().get('/health/ready').expect(503);
    expect(res.body.error.resource_server.introspection).toMatchObject({
      reachable: false,
      lastError: expect.stringMatching(/HTTP 500/),
    });
  });
});
