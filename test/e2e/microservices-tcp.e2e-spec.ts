/**
 * Microservice handlers over TCP (issue "GraphQL, WebSockets and microservices"): the token from the
 * message (payload `authorization` or its `headers`), the same decorators, and every refusal reaching
 * the caller as `{ status: 'error', error, message, scope? }` - standalone with the global guard, and
 * in hybrid apps with and without `inheritAppConfig`. A real TCP `ClientProxy`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Module, UseGuards } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  AccessTokenGuard,
  Principal,
  Public,
  ResourceServerModule,
  Roles,
  Scopes,
  UserInfo,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { EXPIRED, MISSING, noScope, outcome, tcpClient, tcpPort, UNKNOWN_KEY } from '../helpers/rpc.js';
import { closeAll, closeLater } from '../helpers/start-app.js';
import { mintAccessToken, nowSeconds } from '../helpers/tokens.js';
import { AUDIENCE, minter } from './support.js';

@Controller()
class RpcController {
  @MessagePattern('whoami')
  whoami(@Principal() caller: VerifiedPrincipal) {
    return { sub: caller.subject };
  }

  @Scopes('read')
  @MessagePattern('read')
  read(@Payload() data: { n?: number }) {
    return { read: data.n ?? 0 };
  }

  @Roles('admin')
  @MessagePattern('admin')
  admin() {
    return 'admin';
  }

  @MessagePattern('email')
  email(@UserInfo('email') email: string) {
    return { email };
  }

  @Public()
  @MessagePattern('ping')
  ping() {
    return 'pong';
  }
}

/** The same handlers, guarded per controller, for the hybrid app. */
@Controller()
@UseGuards(AccessTokenGuard)
class HybridController {
  @Scopes('read')
  @MessagePattern('hybrid.read')
  read() {
    return 'ok';
  }
}

describe('microservices over TCP', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;
  let forged: string;
  let expired: string;
  const options = () => ({ issuer: issuer.issuer, audience: AUDIENCE, clockTolerance: 0 });

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    issuer.route('GET', '/userinfo', (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sub: 'alice', email: 'alice@example.test' }));
    });
    mint = minter(key, issuer.issuer);
    forged = mintAccessToken(generateTestKey('ES256'), { iss: issuer.issuer, aud: AUDIENCE, scope: 'read' });
    expired = mint({ scope: 'read', exp: nowSeconds() - 60, iat: nowSeconds() - 120 });
  });

  afterAll(closeAll);

  describe('TCP, global guard', () => {
    let client: ClientProxy;
    let port: number;
    const send = (pattern: string, data: object) => outcome(client.send(pattern, data));

    beforeAll(async () => {
      @Module({
        imports: [ResourceServerModule.forRoot(options())],
        controllers: [RpcController],
        providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
      })
      class RpcModule {}
      const moduleRef = await Test.createTestingModule({ imports: [RpcModule] }).compile();
      const service = closeLater(
        moduleRef.createNestMicroservice({
          transport: Transport.TCP,
          options: { host: '127.0.0.1', port: 0 },
          logger: false,
        }),
      );
      await service.listen();
      port = tcpPort(service);
      client = await tcpClient(port);
    });

    it('reads `authorization` from the payload or from its `headers`', async () => {
      expect([
        await send('whoami', { authorization: `Bearer ${mint({ sub: 'alice' })}` }),
        await send('whoami', { headers: { authorization: `Bearer ${mint({ sub: 'bob' })}` } }),
        await send('read', { authorization: `Bearer ${mint({ scope: 'read' })}`, n: 2 }),
      ]).toEqual([{ value: { sub: 'alice' } }, { value: { sub: 'bob' } }, { value: { read: 2 } }]);
    });

    it('reads `authorization` from the packet metadata a client sets in its dispatch hook', async () => {
      const service = await tcpClient(port);
      service.setOnDispatchHook((packet) => {
        packet.metadata = { authorization: `Bearer ${mint({ sub: 'svc', scope: 'read' })}` };
      });
      expect([await outcome(service.send('whoami', {})), await outcome(service.send('read', { n: 1 }))]).toEqual([
        { value: { sub: 'svc' } },
        { value: { read: 1 } },
      ]);
    });

    it.each([
      ['missing', {}, MISSING],
      ['expired', { authorization: 'Bearer EXPIRED' }, EXPIRED],
      ['forged', { authorization: 'Bearer FORGED' }, UNKNOWN_KEY],
      [
        'without the Bearer scheme',
        { authorization: 'TOKEN' },
        { status: 'error', error: 'invalid_request', message: 'The Authorization header is malformed' },
      ],
      [
        'sent twice',
        { authorization: 'Bearer TOKEN', headers: { authorization: 'Bearer TOKEN' } },
        { status: 'error', error: 'invalid_request', message: 'The request carries more than one access token' },
      ],
    ])('replies with the error payload to a %s token', async (_, data: Record<string, unknown>, rejected) => {
      const text = JSON.stringify(data)
        .replaceAll('EXPIRED', expired)
        .replaceAll('FORGED', forged)
        .replaceAll('TOKEN', mint({ scope: 'read' }));
      expect(await send('read', JSON.parse(text) as object)).toEqual({ rejected });
    });

    it('replies insufficient_scope with the scope, and forbidden for a missing role', async () => {
      const token = `Bearer ${mint({ scope: 'other' })}`;
      expect([await send('read', { authorization: token }), await send('admin', { authorization: token })]).toEqual([
        { rejected: noScope('read') },
        {
          rejected: {
            status: 'error',
            error: 'forbidden',
            message: 'The access token lacks the role this resource requires',
          },
        },
      ]);
    });

    it('hands @UserInfo() the caller userinfo, and lets @Public() patterns through', async () => {
      expect([
        await send('email', { authorization: `Bearer ${mint({ sub: 'alice' })}` }),
        await send('ping', {}),
      ]).toEqual([{ value: { email: 'alice@example.test' } }, { value: 'pong' }]);
    });
  });

  describe('TCP in a hybrid app without inheritAppConfig', () => {
    let client: ClientProxy;

    beforeAll(async () => {
      @Module({
        imports: [ResourceServerModule.forRoot(options())],
        controllers: [HybridController, RpcController],
        providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
      })
      class HybridModule {}
      const moduleRef = await Test.createTestingModule({ imports: [HybridModule] }).compile();
      const app = closeLater(moduleRef.createNestApplication({ logger: false }));
      app.connectMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
      await app.startAllMicroservices();
      await app.listen(0, '127.0.0.1');
      client = await tcpClient(tcpPort(app));
    });

    it('admits a token with the scope and replies to a refusal with the payload', async () => {
      expect([
        await outcome(client.send('hybrid.read', { authorization: `Bearer ${mint({ scope: 'read' })}` })),
        await outcome(client.send('hybrid.read', { authorization: `Bearer ${mint({ scope: 'other' })}` })),
        await outcome(client.send('hybrid.read', {})),
      ]).toEqual([{ value: 'ok' }, { rejected: noScope('read') }, { rejected: MISSING }]);
    });

    it('fails closed where the global guard does not reach (Nest applies APP_GUARD only with inheritAppConfig)', async () => {
      expect([
        await outcome(client.send('whoami', { authorization: `Bearer ${mint({ sub: 'dave' })}` })),
        await outcome(client.send('whoami', {})),
      ]).toEqual([{ rejected: MISSING }, { rejected: MISSING }]);
    });
  });

  describe('TCP in a hybrid app with inheritAppConfig', () => {
    it('applies the global guard to the microservice', async () => {
      @Module({
        imports: [ResourceServerModule.forRoot(options())],
        controllers: [RpcController],
        providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
      })
      class InheritingModule {}
      const moduleRef = await Test.createTestingModule({ imports: [InheritingModule] }).compile();
      const app = closeLater(moduleRef.createNestApplication({ logger: false }));
      app.connectMicroservice(
        { transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } },
        { inheritAppConfig: true },
      );
      await app.startAllMicroservices();
      const client = await tcpClient(tcpPort(app));
      expect([
        await outcome(client.send('whoami', { authorization: `Bearer ${mint({ sub: 'erin' })}` })),
        await outcome(client.send('read', { authorization: `Bearer ${mint({ scope: 'other' })}` })),
        await outcome(client.send('read', { authorization: `Bearer ${forged}` })),
      ]).toEqual([{ value: { sub: 'erin' } }, { rejected: noScope('read') }, { rejected: UNKNOWN_KEY }]);
    });
  });
});
