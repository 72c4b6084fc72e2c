/**
 * Microservice handlers over gRPC (issue "GraphQL, WebSockets and microservices"): the token from the
 * call's metadata, refusals as gRPC statuses (UNAUTHENTICATED, PERMISSION_DENIED) with the message as
 * details and the RFC 6750 challenge as `www-authenticate` trailer. A real gRPC `ClientGrpc`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { Controller, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ClientProxyFactory, GrpcMethod, Transport, type ClientGrpc, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { fileURLToPath } from 'node:url';
import type { Observable } from 'rxjs';
import {
  AccessTokenGuard,
  Principal,
  ResourceServerModule,
  Scopes,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { EXPIRED, freePort, MISSING, noScope, outcome, UNKNOWN_KEY } from '../helpers/rpc.js';
import { closeAll, closeLater } from '../helpers/start-app.js';
import { mintAccessToken, nowSeconds } from '../helpers/tokens.js';
import { AUDIENCE, minter } from './support.js';

@Controller()
class GrpcController {
  @GrpcMethod('Probe', 'WhoAmI')
  whoAmI(_data: unknown, _metadata: Metadata, @Principal() caller?: VerifiedPrincipal) {
    return { sub: caller?.subject };
  }

  @Scopes('read')
  @GrpcMethod('Probe', 'Read')
  read() {
    return { sub: 'read' };
  }
}

interface ProbeService {
  whoAmI(data: object, metadata?: Metadata): Observable<{ sub: string }>;
  read(data: object, metadata?: Metadata): Observable<{ sub: string }>;
}

const PROTO = fileURLToPath(new URL('../fixtures/grpc/probe.proto', import.meta.url));
const NO_SCOPE = noScope('read');

describe('microservices over gRPC', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;
  let forged: string;
  let expired: string;
  const options = () => ({ issuer: issuer.issuer, audience: AUDIENCE, clockTolerance: 0 });

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    mint = minter(key, issuer.issuer);
    forged = mintAccessToken(generateTestKey('ES256'), { iss: issuer.issuer, aud: AUDIENCE, scope: 'read' });
    expired = mint({ scope: 'read', exp: nowSeconds() - 60, iat: nowSeconds() - 120 });
  });

  afterAll(closeAll);

  describe('gRPC', () => {
    let probe: ProbeService;
    const call = (method: keyof ProbeService, token?: string) => {
      const metadata = new Metadata();
      if (token !== undefined) metadata.set('authorization', token);
      return outcome(probe[method]({}, metadata)).then((result) => {
        if (!('rejected' in result)) return result;
        const error = result.rejected as { code: number; details: string; metadata: Metadata };
        return { code: error.code, details: error.details, challenge: error.metadata.get('www-authenticate')[0] };
      });
    };

    beforeAll(async () => {
      @Module({
        imports: [ResourceServerModule.forRoot(options())],
        controllers: [GrpcController],
        providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
      })
      class GrpcModule {}
      const url = `127.0.0.1:${await freePort()}`;
      const moduleRef = await Test.createTestingModule({ imports: [GrpcModule] }).compile();
      const service = closeLater(
        moduleRef.createNestMicroservice({
          transport: Transport.GRPC,
          options: { package: 'probe', protoPath: PROTO, url },
          logger: false,
        }),
      );
      await service.listen();
      const client = closeLater(
        ClientProxyFactory.create({ transport: Transport.GRPC, options: { package: 'probe', protoPath: PROTO, url } }),
      ) as unknown as ClientGrpc & ClientProxy;
      probe = client.getService<ProbeService>('Probe');
    });

    it('reads the token from the metadata', async () => {
      expect([
        await call('whoAmI', `Bearer ${mint({ sub: 'carol' })}`),
        await call('read', `Bearer ${mint({ scope: 'read' })}`),
      ]).toEqual([{ value: { sub: 'carol' } }, { value: { sub: 'read' } }]);
    });

    it.each([
      ['missing', undefined, GrpcStatus.UNAUTHENTICATED, MISSING.message, 'Bearer realm="api"'],
      [
        'expired',
        'EXPIRED',
        GrpcStatus.UNAUTHENTICATED,
        EXPIRED.message,
        `Bearer realm="api", error="invalid_token", error_description="${EXPIRED.message}"`,
      ],
      [
        'forged',
        'FORGED',
        GrpcStatus.UNAUTHENTICATED,
        UNKNOWN_KEY.message,
        `Bearer realm="api", error="invalid_token", error_description="${UNKNOWN_KEY.message}"`,
      ],
      [
        'insufficient',
        'OTHER',
        GrpcStatus.PERMISSION_DENIED,
        NO_SCOPE.message,
        `Bearer realm="api", error="insufficient_scope", error_description="${NO_SCOPE.message}", scope="read"`,
      ],
    ])(
      'refuses a %s token with its gRPC status and the challenge in the trailers',
      async (_, token, code, details, challenge) => {
        const value = { EXPIRED: expired, FORGED: forged, OTHER: mint({ scope: 'other' }) }[token ?? ''] ?? token;
        expect(await call('read', value === undefined ? undefined : `Bearer ${value}`)).toEqual({
          code,
          details,
          challenge,
        });
      },
    );
  });
});
