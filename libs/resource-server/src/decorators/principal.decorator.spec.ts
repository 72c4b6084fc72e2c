// `@Principal()` where no guard admitted a caller fails closed in each transport's own exception, so
// the answer reaches the client even where the library's filter does not (gateways, hybrid apps).
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { WsException } from '@nestjs/websockets';
import { MissingTokenError } from '../errors/resource-server.error.js';
import { loadOptionalPeers } from '../transports/optional-peers.js';
import { requireCaller } from './principal.decorator.js';

const MISSING = { status: 'error', error: 'unauthorized', message: 'A bearer access token is required' };
const contextOf = (type: string) =>
  ({
    getType: () => type,
    getClass: () => class Handlers {},
    getArgByIndex: () => ({}),
    switchToHttp: () => ({ getRequest: () => ({}) }),
    switchToWs: () => ({ getClient: () => ({}) }),
    switchToRpc: () => ({ getContext: () => ({}) }),
  }) as unknown as ExecutionContext;

describe('requireCaller without an admitted caller', () => {
  beforeAll(async () => {
    await loadOptionalPeers();
  });

  it.each([
    ['ws', WsException],
    ['rpc', RpcException],
  ])('throws the %s exception carrying the unauthorized payload', (type, Exception) => {
    let thrown: unknown;
    try {
      requireCaller(contextOf(type));
    } catch (error) {
      thrown = error;
    }
    expect([thrown instanceof Exception, (thrown as WsException).getError()]).toEqual([true, MISSING]);
  });

  it('throws MissingTokenError over HTTP, for the filter to answer with the challenge', () => {
    expect(() => requireCaller(contextOf('http'))).toThrow(MissingTokenError);
  });
});
