// The guard outside HTTP: RPC, WebSocket and GraphQL contexts are not supported yet, so the guard
// must deny them (never fail open), unless the handler is explicitly @Public(). The guard comes from
// a real Nest module; only the ExecutionContext is built by hand, because starting a microservice or
// a WebSocket server would test Nest's transports, not this rule.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { AccessTokenGuard } from './access-token.guard.js';
import { Public } from '../decorators/public.decorator.js';
import { ResourceServerModule } from '../resource-server.module.js';

class Handlers {
  guarded(): void {}
  @Public()
  open(): void {}
}

function contextOf(type: string, handler: keyof Handlers): ExecutionContext {
  const unreachable = () => {
    throw new Error('the guard must not read the request of a non-HTTP context');
  };
  return {
    getType: () => type,
    getClass: () => Handlers,
    getHandler: () => Handlers.prototype[handler],
    getArgs: () => [],
    getArgByIndex: () => undefined,
    switchToHttp: unreachable,
    switchToRpc: unreachable,
    switchToWs: unreachable,
  } as unknown as ExecutionContext;
}

describe('AccessTokenGuard outside HTTP', () => {
  let moduleRef: TestingModule;
  let guard: AccessTokenGuard;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [ResourceServerModule.forRoot({ issuer: 'https://issuer.example', audience: 'api' })],
    }).compile();
    moduleRef.useLogger(false);
    guard = moduleRef.get(AccessTokenGuard);
  });

  afterAll(async () => {
    await moduleRef.close();
  });

  it.each(['rpc', 'ws', 'graphql'])('denies a %s call', (type) => {
    expect(guard.canActivate(contextOf(type, 'guarded'))).toBe(false);
  });

  it('lets an explicitly @Public() handler through in any context', () => {
    expect(guard.canActivate(contextOf('rpc', 'open'))).toBe(true);
  });
});
