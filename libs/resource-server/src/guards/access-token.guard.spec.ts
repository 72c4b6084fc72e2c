// The guard on a context type no transport adapter serves: it must deny (never fail open), unless the
// handler is explicitly @Public(), and say so once per type in the log. 'ws' and 'rpc' have adapters
// (their Nest packages are installed here), so they are no longer among the denied types. The guard comes from a real
// Nest module; only the ExecutionContext is built by hand, because a context type that no Nest
// transport produces cannot be made any other way.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleLogger, type ExecutionContext } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { AccessTokenGuard } from './access-token.guard.js';
import { Public } from '../decorators/public.decorator.js';
import { AuthorizationPipeline } from '../pipeline/authorization-pipeline.js';
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
  const warnings: string[] = [];

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [ResourceServerModule.forRoot({ issuer: 'https://issuer.example', audience: 'api' })],
    }).compile();
    moduleRef.useLogger(
      new (class extends ConsoleLogger {
        override warn(message: unknown): void {
          warnings.push(String(message));
        }
      })(),
    );
    guard = moduleRef.get(AccessTokenGuard);
  });

  afterAll(async () => {
    await moduleRef.close();
  });

  it.each(['kafka-streams', 'custom'])('denies a %s call', (type) => {
    expect(guard.canActivate(contextOf(type, 'guarded'))).toBe(false);
  });

  it('logs a denied context type once, not per call', () => {
    warnings.length = 0;
    for (let i = 0; i < 3; i++) guard.canActivate(contextOf('queue', 'guarded'));
    expect(warnings.filter((w) => w.includes('"queue"'))).toHaveLength(1);
  });

  it('serves ws and rpc through their adapters, and nothing it does not know', () => {
    const pipeline = moduleRef.get(AuthorizationPipeline);
    expect(['http', 'ws', 'rpc', 'kafka-streams'].map((type) => pipeline.transport(type)?.type)).toEqual([
      'http',
      'ws',
      'rpc',
      undefined,
    ]);
  });

  it('does not log a served context type as denied', () => {
    warnings.length = 0;
    const rpc = {
      ...contextOf('rpc', 'guarded'),
      getArgByIndex: () => ({}),
      switchToRpc: () => ({ getData: () => ({}), getContext: () => ({}) }),
    } as unknown as ExecutionContext;
    expect(() => guard.canActivate(rpc)).toThrow(
      expect.objectContaining({
        error: { status: 'error', error: 'unauthorized', message: 'A bearer access token is required' },
      }),
    );
    expect(warnings).toEqual([]);
  });

  it('lets an explicitly @Public() handler through in any context', () => {
    expect(guard.canActivate(contextOf('rpc', 'open'))).toBe(true);
  });
});
