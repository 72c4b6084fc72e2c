// The sample API's OpenAPI document, as Swagger UI gets it from /docs-json: security schemes at the
// development issuer's endpoints, each operation's scopes, 401/403 answers, public routes open.
import { createPlatformApp, initForRequests } from './helpers/start-app.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../apps/sample-api/src/app.module.js';
import { setupDocs } from '../apps/sample-api/src/docs.js';
import { startDevIssuer, type DevIssuer } from '../apps/sample-api/src/dev-issuer/dev-issuer.js';

type Operation = {
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    { headers?: Record<string, unknown>; content?: Record<string, { schema: { $ref: string } }> }
  >;
};

describe('sample API OpenAPI document (/docs-json)', () => {
  let issuer: DevIssuer;
  let app: INestApplication;
  let doc: { paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, any>> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- an OpenAPI document read as JSON
  const op = (path: string, method: string) => doc.paths[path]![method]!;

  beforeAll(async () => {
    issuer = await startDevIssuer({ port: 0, audience: 'http://localhost:3000' });
    process.env.OIDC_ISSUER = issuer.issuer;
    process.env.OIDC_AUDIENCE = 'http://localhost:3000';
    for (const name of ['OIDC_TOKEN_TYPE', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']) delete process.env[name];
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = await createPlatformApp(moduleRef, { logger: false });
    await setupDocs(app, { clientId: 'demo-client' });
    await initForRequests(app);
    const res = await request(app.getHttpServer()).get('/docs-json').expect(200);
    doc = res.body;
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('declares an OAuth 2.0 scheme at the issuer endpoints (client credentials, authorization code) and a bearer JWT scheme', () => {
    const { oauth2, bearer } = doc.components.securitySchemes!;
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(oauth2.type).toBe('oauth2');
    expect(oauth2.flows.clientCredentials.tokenUrl).toBe(`${issuer.issuer}/token`);
    expect(oauth2.flows.authorizationCode).toMatchObject({
      authorizationUrl: `${issuer.issuer}/auth`,
      tokenUrl: `${issuer.issuer}/token`,
    });
    expect(Object.keys(oauth2.flows.clientCredentials.scopes)).toEqual([
      'admin:messages',
      'read:messages',
      'write:messages',
    ]);
    expect(oauth2.flows.clientCredentials.scopes['read:messages']).toBe('Read messages');
  });

  it('lists the scopes each operation requires', () => {
    expect(op('/messages', 'get').security).toEqual([{ oauth2: ['read:messages'] }, { bearer: [] }]);
    expect(op('/messages', 'post').security).toEqual([{ oauth2: ['write:messages'] }, { bearer: [] }]);
    expect(op('/messages/admin', 'get').security).toEqual([
      { oauth2: ['read:messages', 'admin:messages'] },
      { bearer: [] },
    ]);
    // A role is not an OAuth scope: any token may try, and a 403 says what else is needed.
    expect(op('/messages/audit', 'get').security).toEqual([{ oauth2: [] }, { bearer: [] }]);
    expect(op('/me', 'get').security).toEqual([{ oauth2: [] }, { bearer: [] }]);
  });

  it('documents 401 and 403 with the error body and the challenge header, keeping the success answer', () => {
    const list = op('/messages', 'get');
    expect(Object.keys(list.responses).sort()).toEqual(['200', '401', '403']);
    for (const status of ['401', '403']) {
      expect(list.responses[status]!.headers).toHaveProperty('WWW-Authenticate');
      expect(list.responses[status]!.content!['application/json']!.schema.$ref).toBe(
        '#/components/schemas/ResourceServerError',
      );
    }
    expect((list.responses['403'] as { description: string }).description).toMatch(/read:messages/);
    expect((op('/messages/audit', 'get').responses['403'] as { description: string }).description).toMatch(
      /roles auditor/,
    );
    expect(Object.keys(op('/me', 'get').responses).sort()).toEqual(['200', '401']);
    expect(doc.components.schemas!.ResourceServerError.required).toEqual(['statusCode', 'error', 'message']);
  });

  it('gives public routes an empty security requirement and no 401', () => {
    expect(op('/health', 'get').security).toEqual([]);
    expect(Object.keys(op('/health', 'get').responses)).toEqual(['200']);
  });

  it('leaves no marker of its own in the document', () => {
    expect(JSON.stringify(doc)).not.toContain('x-nestjs-resource-server');
  });

  it('serves Swagger UI at /docs without a token', async () => {
    const res = await request(app.getHttpServer()).get('/docs').expect(200);
    expect(res.text).toContain('swagger-ui');
  });
});
