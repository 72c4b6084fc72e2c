// The WebSocket and RPC adapters as the module builds them: options checked at bootstrap, where each
// reads the token, and the errors they hand to Nest's filters.
import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { resolveConfig } from '../core/config/config.js';
import { InsufficientScopeError, InvalidTokenError } from '../errors/resource-server.error.js';
import type { ResourceServerModuleOptions } from '../resource-server-options.interface.js';
import { messageTransports } from './message-transports.js';
import { RpcTransport } from './rpc.transport.js';
import { WsTransport } from './ws.transport.js';

/** Stands in for WsException / RpcException where only the adapter's own logic is under test. */
class PayloadError extends Error {
  constructor(readonly error: string | object) {
    super('refused');
  }
}

const BASE = { issuer: 'https://issuer.example', audience: 'api' };
const build = (options: Partial<ResourceServerModuleOptions>) =>
  messageTransports({ ...BASE, ...options }, resolveConfig({ ...BASE, ...options }));

const rpcContext = (data: unknown, context: unknown = {}) =>
  ({
    getArgByIndex: (index: number) => [data, context][index],
    switchToRpc: () => ({ getData: () => data, getContext: () => context }),
  }) as unknown as ExecutionContext;

describe('messageTransports', () => {
  it('builds the ws and rpc adapters when their packages are installed', async () => {
    expect((await build({})).map((t) => t.constructor)).toEqual([WsTransport, RpcTransport]);
  });

  it('refuses invalid options at bootstrap, all at once', async () => {
    await expect(
      build({
        websockets: { queryToken: 'yes' as never },
        microservices: { tokenField: '', readToken: 'data.jwt' as never },
      }),
    ).rejects.toThrow(/websockets\.queryToken[\s\S]*microservices\.tokenField[\s\S]*microservices\.readToken/);
  });

  it('reads the configured field, or what readToken returns', async () => {
    const [, byField] = (await build({ microservices: { tokenField: 'x-token' } })) as [WsTransport, RpcTransport];
    expect(byField.credential(rpcContext({ 'x-token': 'Bearer abc' })).token).toBe('abc');
    const [, byReader] = (await build({
      microservices: { readToken: (data) => (data as { meta: { jwt: string } }).meta.jwt },
    })) as [WsTransport, RpcTransport];
    expect(byReader.credential(rpcContext({ meta: { jwt: 'raw.token' } })).token).toBe('raw.token');
  });
});

describe('RpcTransport', () => {
  const grpcMetadata = { get: () => [], getMap: () => ({}) };

  it('answers a failure raised in a handler with the payload', async () => {
    const [, rpc] = (await build({})) as [WsTransport, RpcTransport];
    const host = rpcContext({}, {});
    let received: unknown;
    rpc.respond(new InsufficientScopeError(['a', 'b']), host).subscribe({ error: (e: unknown) => (received = e) });
    expect(received).toEqual({
      status: 'error',
      error: 'insufficient_scope',
      message: 'The access token lacks the scope this resource requires',
      scope: 'a b',
    });
  });

  it('gives gRPC its status code even without @grpc/grpc-js for the trailers', () => {
    const rpc = new RpcTransport('api', 'authorization', undefined, PayloadError, undefined);
    let received: unknown;
    rpc
      .respond(new InvalidTokenError('expired'), rpcContext({}, grpcMetadata))
      .subscribe({ error: (e: unknown) => (received = e) });
    expect(received).toEqual({
      status: 'error',
      error: 'invalid_token',
      message: 'The access token expired',
      code: 16,
      details: 'The access token expired',
    });
  });
});

describe('WsTransport.handshakeToken', () => {
  const ws = (queryToken: boolean) => new WsTransport(queryToken, PayloadError);

  it('reads ?access_token= only when configured, from a parsed query or the upgrade URL', () => {
    expect(() => ws(false).handshakeToken({ headers: {}, url: '/ws?access_token=abc' })).toThrow(
      expect.objectContaining({ code: 'missing_token' }),
    );
    expect(ws(true).handshakeToken({ headers: {}, url: '/ws?access_token=abc' })).toBe('abc');
    expect(ws(true).handshakeToken({ headers: {}, query: { access_token: 'def', EIO: '4' } })).toBe('def');
    expect(() => ws(true).handshakeToken({ headers: {}, url: '/ws?access_token=a&access_token=b' })).toThrow(
      expect.objectContaining({ code: 'multiple_tokens' }),
    );
  });

  it('refuses two Authorization headers seen in the raw header list', () => {
    const headers = { authorization: 'Bearer a' };
    expect(() =>
      ws(false).handshakeToken({ headers, rawHeaders: ['Authorization', 'Bearer a', 'authorization', 'Bearer b'] }),
    ).toThrow(expect.objectContaining({ code: 'multiple_tokens' }));
  });
});
