// applyResourceServerSecurity on a tiny app without a global guard: only @UseGuards routes are
// secured, @AnyScope becomes alternative requirements, a global prefix and custom operation ids do
// not matter, options name the endpoints, problemDetails switches the documented body.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, Post, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApiResponse, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  AccessTokenGuard,
  AnyScope,
  applyResourceServerSecurity,
  Public,
  ResourceServerModule,
  Scopes,
} from 'nestjs-resource-server';
import { createTestIssuer, type TestIssuer } from 'nestjs-resource-server/testing';

@Controller('open')
class OpenController {
  @Get() list() {
    return [];
  }
}

@Controller('reports')
@UseGuards(AccessTokenGuard)
class ReportsController {
  @AnyScope('reports:read', 'reports:admin') @Scopes('tenant') @Get() list() {
    return [];
  }
  @Public() @Get('ping') ping() {
    return 'pong';
  }
  @ApiResponse({ status: 202, description: 'Queued' }) @Scopes('reports:write') @Post() create() {
    return {};
  }
}

/** A guard of the app's own, extending the library's: its routes are documented as guarded too. */
class TenantGuard extends AccessTokenGuard {}

@Controller('tenants')
class TenantsController {
  @UseGuards(TenantGuard) @Scopes('tenants:read') @Get() list() {
    return [];
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- an OpenAPI document read as JSON */
type Doc = {
  paths: Record<string, Record<string, { security?: unknown; responses: Record<string, any>; operationId: string }>>;
  components: any;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

describe('applyResourceServerSecurity', () => {
  let issuer: TestIssuer;
  let app: INestApplication;
  let doc: Doc;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    @Module({
      imports: [ResourceServerModule.forRoot(issuer.moduleOptions({ problemDetails: true }))],
      controllers: [OpenController, ReportsController, TenantsController],
    })
    class ReportsApp {}
    const moduleRef = await Test.createTestingModule({ imports: [ReportsApp] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api');
    const config = new DocumentBuilder().setTitle('Reports').build();
    doc = (await applyResourceServerSecurity(
      app,
      () => SwaggerModule.createDocument(app, config, { operationIdFactory: (c, m) => `op-${c}-${m}` }),
      { tokenUrl: 'https://id.example.com/oauth/token', authorizationUrl: 'https://id.example.com/authorize' },
    )) as unknown as Doc;
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('secures only the routes behind @UseGuards(AccessTokenGuard)', () => {
    expect(doc.paths['/api/open']!.get!.security).toBeUndefined();
    expect(doc.paths['/api/open']!.get!.responses).not.toHaveProperty('401');
    expect(doc.paths['/api/reports/ping']!.get!.security).toEqual([]);
  });

  it('counts a subclass of the guard in @UseGuards as the guard', () => {
    expect(doc.paths['/api/tenants']!.get!.security).toEqual([{ oauth2: ['tenants:read'] }, { bearer: [] }]);
  });

  it('lists one requirement object per @AnyScope choice, each with the @Scopes scopes', () => {
    expect(doc.paths['/api/reports']!.get!.security).toEqual([
      { oauth2: ['tenant', 'reports:read'] },
      { oauth2: ['tenant', 'reports:admin'] },
      { bearer: [] },
    ]);
  });

  it('keeps the responses the app declares and adds problem+json 401/403', () => {
    const create = doc.paths['/api/reports']!.post!;
    expect(Object.keys(create.responses).sort()).toEqual(['202', '401', '403']);
    expect(create.responses['401'].content).toEqual({
      'application/problem+json': { schema: { $ref: '#/components/schemas/ResourceServerProblem' } },
    });
    expect(doc.components.schemas.ResourceServerProblem.required).toEqual(['type', 'title', 'status']);
    expect(create.operationId).toBe('op-ReportsController-create');
  });

  it('uses the endpoints given in options and lists every scope seen', () => {
    expect(doc.components.securitySchemes.oauth2.flows).toEqual({
      clientCredentials: { tokenUrl: 'https://id.example.com/oauth/token', scopes: expect.any(Object) },
      authorizationCode: {
        authorizationUrl: 'https://id.example.com/authorize',
        tokenUrl: 'https://id.example.com/oauth/token',
        scopes: expect.any(Object),
      },
    });
    expect(Object.keys(doc.components.securitySchemes.oauth2.flows.clientCredentials.scopes)).toEqual([
      'reports:admin',
      'reports:read',
      'reports:write',
      'tenant',
      'tenants:read',
    ]);
  });

  it('leaves the handlers metadata as it found it', () => {
    expect(Reflect.getMetadata('swagger/apiExtension', ReportsController.prototype.list)).toBeUndefined();
  });
});

describe('applyResourceServerSecurity with a global guard given to useGlobalGuards', () => {
  it('documents every route as guarded', async () => {
    const issuer = await createTestIssuer();
    @Module({
      imports: [ResourceServerModule.forRoot(issuer.moduleOptions({ issuer: issuer.issuer }))],
      controllers: [OpenController],
    })
    class GlobalApp {}
    const moduleRef = await Test.createTestingModule({ imports: [GlobalApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalGuards(app.get(AccessTokenGuard));
    try {
      const doc = (await applyResourceServerSecurity(app, () =>
        SwaggerModule.createDocument(app, new DocumentBuilder().build()),
      )) as unknown as Doc;
      expect(doc.paths['/open']!.get!.security).toEqual([{ oauth2: [] }, { bearer: [] }]);
      expect(doc.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toBe(`${issuer.issuer}/token`);
    } finally {
      await app.close();
      await issuer.close();
    }
  });
});

describe('applyResourceServerSecurity without reachable discovery', () => {
  it('documents the bearer scheme only, and still every operation', async () => {
    const issuer = await createTestIssuer();
    issuer.setFault('discovery', 'status500');
    @Module({
      imports: [ResourceServerModule.forRoot(issuer.moduleOptions())],
      controllers: [ReportsController],
    })
    class DownApp {}
    const moduleRef = await Test.createTestingModule({ imports: [DownApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      const doc = (await applyResourceServerSecurity(app, () =>
        SwaggerModule.createDocument(app, new DocumentBuilder().build()),
      )) as unknown as Doc;
      expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearer']);
      expect(doc.paths['/reports']!.get!.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/reports']!.get!.responses['401'].content).toHaveProperty('application/json');
    } finally {
      await app.close();
      await issuer.close();
    }
  });
});
