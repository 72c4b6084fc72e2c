// Nest 12, ES modules, Fastify, Jest in native ESM mode: the packed library as such a team installs it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module.js';
import { startLocalIssuer, type LocalIssuer } from './local-issuer.js';

const AUDIENCE = 'https://api.example.test';

describe.each(['/messages', '/passport/messages'])('GET %s', (path) => {
  let issuer: LocalIssuer;
  let app: NestFastifyApplication;
  let url: string;
  const get = (token?: string) =>
    fetch(`${url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    issuer = await startLocalIssuer(AUDIENCE);
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forIssuer(issuer.issuer, AUDIENCE)],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('answers 200 to a valid token with the scope', async () => {
    const res = await get(issuer.token());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'alice', messages: ['hello'] });
  });

  it('answers 403 insufficient_scope with a challenge to a token without it', async () => {
    const res = await get(issuer.token({ scope: 'write:messages' }));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="api", error="insufficient_scope", .*scope="read:messages"/,
    );
    expect(await res.json()).toMatchObject({ statusCode: 403, error: 'insufficient_scope' });
  });

  it('answers 401 with a bare challenge to a request without a token', async () => {
    const res = await get();
    expect(res.status).toBe(401);
    // A bare Bearer challenge (no error: RFC 6750 §3.1), then the DPoP one (DPoP is allowed by default).
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", DPoP realm="api", algs="[^"]+"$/);
    expect(await res.json()).toMatchObject({ statusCode: 401, error: 'unauthorized' });
  });
});
