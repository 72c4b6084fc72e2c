// Nest 11, CommonJS, Jest in CommonJS mode, supertest: the packed library as such a team installs it.
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../src/app.module';
import { startLocalIssuer, type LocalIssuer } from './local-issuer';

const AUDIENCE = 'https://api.example.test';

describe.each(['/messages', '/passport/messages'])('GET %s', (path) => {
  let issuer: LocalIssuer;
  let app: INestApplication;

  beforeAll(async () => {
    issuer = await startLocalIssuer(AUDIENCE);
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forIssuer(issuer.issuer, AUDIENCE)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('answers 200 to a valid token with the scope', async () => {
    const res = await request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${issuer.token()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'alice', messages: ['hello'] });
  });

  it('answers 403 insufficient_scope with a challenge to a token without it', async () => {
    const res = await request(app.getHttpServer())
      .get(path)
      .set('Authorization', `Bearer ${issuer.token({ scope: 'write:messages' })}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer realm="api", error="insufficient_scope", .*scope="read:messages"/,
    );
    expect(res.body).toMatchObject({ statusCode: 403, error: 'insufficient_scope' });
  });

  it('answers 401 with a bare challenge to a request without a token', async () => {
    const res = await request(app.getHttpServer()).get(path);
    expect(res.status).toBe(401);
    // A bare Bearer challenge (no error: RFC 6750 §3.1), then the DPoP one (DPoP is allowed by default).
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", DPoP realm="api", algs="[^"]+"$/);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'unauthorized' });
  });
});
