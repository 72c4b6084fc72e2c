/**
 * The pipeline wherever a user puts it (issue "One authorization pipeline for every transport"):
 * `@UseGuards(AccessTokenGuard)` in a feature module, exactly as the README shows; a subclass with its
 * own requirement hook; the principal never serialising its token; `@Principal()` where no guard
 * admitted a caller; two Authorization headers; library errors raised inside a microservice handler.
 * Real HTTP and a real TCP microservice with a real `ClientProxy`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  UseGuards,
  type ExecutionContext,
  type INestMicroservice,
} from '@nestjs/common';
import { ClientProxyFactory, MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { connect } from 'node:net';
import { firstValueFrom } from 'rxjs';
import request from 'supertest';
import {
  AccessToken,
  AccessTokenGuard,
  AccessTokenVerifier,
  Principal,
  Public,
  ResourceServerModule,
  Scopes,
  type RouteRequirements,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, createPlatformApp, startApp } from '../helpers/start-app.js';
import { AUDIENCE, bearer, minter } from './support.js';

// The README's per-route example, in a feature module that does not import ResourceServerModule.
@Controller('reports')
@UseGuards(AccessTokenGuard)
class ReportsController {
  @Scopes('read:reports')
  @Get()
  list() {
    return ['q1'];
  }

  @Get('principal')
  principal(@Principal() caller: VerifiedPrincipal) {
    return caller; // a handler that returns the principal must not leak the token
  }

  @Get('token')
  token(@AccessToken() token: string) {
    return { length: token.length };
  }
}

/** A guard of the app's own: every handler it guards also needs `audit`. */
@Injectable()
class AuditGuard extends AccessTokenGuard {
  protected override getRequirements(context: ExecutionContext): RouteRequirements {
    const base = super.getRequirements(context);
    return { ...base, scopes: { ...base.scopes, all: [...base.scopes.all, 'audit'] } };
  }
}

@Controller('audit')
@UseGuards(AuditGuard)
class AuditController {
  @Get()
  log() {
    return { ok: true };
  }
}

@Controller('open')
class OpenController {
  @Public()
  @Get('who')
  who(@Principal() caller: VerifiedPrincipal) {
    return { sub: caller.subject };
  }
}

@Module({ controllers: [ReportsController, AuditController], providers: [AuditGuard] })
class ReportsModule {}

@Controller()
class RpcController {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  /** Verifies by hand, as the README tells message handlers to. */
  @MessagePattern('verify')
  async verify(@Payload() data: { token: string }) {
    const principal = await this.verifier.verify(data.token);
    return { sub: principal.subject };
  }

  @MessagePattern('whoami')
  whoami(@Principal() caller: VerifiedPrincipal) {
    return { sub: caller.subject };
  }
}

/** Sends a raw HTTP/1.1 request (Node's client cannot repeat a header) and resolves with the status line and body. */
function rawRequest(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${lines.join('\r\n')}\r\n\r\n`));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('the pipeline wherever it is applied', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;
  let http: ReturnType<typeof request>;
  let port: number;

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    mint = minter(key, issuer.issuer);
    @Module({
      imports: [ResourceServerModule.forRoot({ issuer: issuer.issuer, audience: AUDIENCE }), ReportsModule],
      controllers: [OpenController],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = closeLater(await createPlatformApp(moduleRef, { logger: false }));
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
    http = request(`http://127.0.0.1:${port}`);
  });

  afterAll(closeAll);

  describe('@UseGuards(AccessTokenGuard) on a controller of a feature module', () => {
    it('boots and admits a token with the scope', async () => {
      const res = await http.get('/reports').set(bearer(mint({ scope: 'read:reports' })));
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: ['q1'] });
    });

    it('refuses a token without the scope with 403 insufficient_scope', async () => {
      expectChallenge(await http.get('/reports').set(bearer(mint({ scope: 'other' }))), {
        status: 403,
        error: 'insufficient_scope',
        scope: 'read:reports',
      });
    });

    it('refuses a call without a token with a bare 401 challenge', async () => {
      expectChallenge(await http.get('/reports'), { status: 401 });
    });
  });

  describe('a subclass of the guard', () => {
    it('adds its own requirement through getRequirements', async () => {
      expectChallenge(await http.get('/audit').set(bearer(mint({ scope: 'read' }))), {
        status: 403,
        error: 'insufficient_scope',
        scope: 'audit',
      });
      expect((await http.get('/audit').set(bearer(mint({ scope: 'audit' })))).status).toBe(200);
    });
  });

  describe('the token is never serialised with the principal', () => {
    it('leaves the token out of a returned principal', async () => {
      const token = mint({ sub: 'alice' });
      const res = await http.get('/reports/principal').set(bearer(token));
      expect(res.status).toBe(200);
      expect({
        sub: res.body.subject,
        hasToken: 'token' in res.body,
        echoed: res.text.includes(token.split('.')[2]!),
      }).toEqual({
        sub: 'alice',
        hasToken: false,
        echoed: false,
      });
    });

    it('still hands the token to @AccessToken()', async () => {
      const token = mint();
      expect((await http.get('/reports/token').set(bearer(token))).body).toEqual({ length: token.length });
    });
  });

  it('answers @Principal() on a route no guard protects with 401, not 500', async () => {
    expectChallenge(await http.get('/open/who').set(bearer(mint())), { status: 401 });
  });

  describe('two Authorization headers', () => {
    it('are a 400 invalid_request, whichever comes first', async () => {
      const valid = mint({ scope: 'read:reports' });
      for (const pair of [
        [valid, 'forged'],
        ['forged', valid],
      ]) {
        const answer = await rawRequest(port, [
          'GET /reports HTTP/1.1',
          'Host: 127.0.0.1',
          'Connection: close',
          ...pair.map((t) => `Authorization: Bearer ${t}`),
        ]);
        expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
        expect(answer).toMatch(/www-authenticate: Bearer realm="api", error="invalid_request"/i);
      }
    });

    it('one Authorization header still passes', async () => {
      const answer = await rawRequest(port, [
        'GET /reports HTTP/1.1',
        'Host: 127.0.0.1',
        'Connection: close',
        `Authorization: Bearer ${mint({ scope: 'read:reports' })}`,
      ]);
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    });
  });
});

describe('library errors inside a microservice handler', () => {
  const key = generateTestKey('ES256');
  let client: ClientProxy;
  let mint: ReturnType<typeof minter>;

  beforeAll(async () => {
    const issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    mint = minter(key, issuer.issuer);
    @Module({
      imports: [ResourceServerModule.forRoot({ issuer: issuer.issuer, audience: AUDIENCE })],
      controllers: [RpcController],
    })
    class RpcModule {}
    const moduleRef = await Test.createTestingModule({ imports: [RpcModule] }).compile();
    const service: INestMicroservice = closeLater(
      moduleRef.createNestMicroservice({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port: 0 },
        logger: false,
      }),
    );
    await service.listen();
    const address = (
      service as unknown as { serverInstance: { server: { address(): { port: number } } } }
    ).serverInstance.server.address();
    client = closeLater(
      ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port: address.port } }),
    );
    await client.connect();
  });

  afterAll(closeAll);

  const send = (pattern: string, data: unknown) =>
    firstValueFrom(client.send(pattern, data)).catch((error: unknown) => ({ rejected: error }));

  it('answers a valid token', async () => {
    expect(await send('verify', { token: mint({ sub: 'svc' }) })).toEqual({ sub: 'svc' });
  });

  it('replies with the error payload when verify() refuses the token, instead of no reply', async () => {
    expect(await send('verify', { token: 'not-a-token' })).toEqual({
      rejected: { status: 'error', error: 'invalid_token', message: 'The access token is malformed' },
    });
  });

  it('replies unauthorized to @Principal() in a handler no guard admitted', async () => {
    expect(await send('whoami', {})).toEqual({
      rejected: { status: 'error', error: 'unauthorized', message: 'A bearer access token is required' },
    });
  });
});

describe('startApp still protects the default routes', () => {
  it('boots the global guard the e2e suites use', async () => {
    const key = generateTestKey('ES256');
    const issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    const app = await startApp({ issuer: issuer.issuer, audience: AUDIENCE });
    expect((await app.get('/me', minter(key, issuer.issuer)())).status).toBe(200);
    await closeAll();
  });
});
