/**
 * WebSocket gateways (issue "GraphQL, WebSockets and microservices"): the handshake authenticated
 * before the connection exists, per-event requirements through the same decorators, refusals as
 * `exception` events that leave the socket open, and the connection closed when its token expires.
 * Real socket.io (global guard) and real `ws` (`@UseGuards`) servers and clients.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, UseGuards, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { MessageBody, SubscribeMessage, WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import type { WebSocketServer } from 'ws';
import {
  AccessToken,
  AccessTokenGuard,
  AnyScope,
  Principal,
  Public,
  ResourceServerModule,
  Roles,
  Scopes,
  SocketAuthenticator,
  TOKEN_EXPIRED_CLOSE_CODE,
  UserInfo,
  type ResourceServerModuleOptions,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { ioCall, ioConnect, ioConnected, nextFrame, wsCall, wsConnect, wsConnected } from '../helpers/sockets.js';
import { closeAll, closeLater } from '../helpers/start-app.js';
import { mintAccessToken, nowSeconds } from '../helpers/tokens.js';
import { AUDIENCE, minter } from './support.js';

@WebSocketGateway({ namespace: '/chat' })
class ChatGateway implements OnGatewayInit {
  constructor(private readonly sockets: SocketAuthenticator) {}
  afterInit(server: Namespace): void {
    this.sockets.protect(server);
  }

  @SubscribeMessage('whoami')
  whoami(@Principal() caller: VerifiedPrincipal, @AccessToken() token: string) {
    return { sub: caller.subject, tokenLength: token.length };
  }

  @Scopes('read')
  @SubscribeMessage('read')
  read(@MessageBody() body: { n?: number }) {
    return { read: body.n ?? 0 };
  }

  @AnyScope('a', 'b')
  @SubscribeMessage('either')
  either() {
    return 'ok';
  }

  @Roles('admin')
  @SubscribeMessage('admin')
  admin() {
    return 'admin';
  }

  @SubscribeMessage('email')
  email(@UserInfo('email') email: string) {
    return { email };
  }

  @Public()
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }

  @Public()
  @SubscribeMessage('connection-caller')
  connectionCaller(@Principal('subject') sub: string) {
    return { sub };
  }
}

@WebSocketGateway({ path: '/ws' })
@UseGuards(AccessTokenGuard)
class NativeGateway implements OnGatewayInit {
  constructor(private readonly sockets: SocketAuthenticator) {}
  afterInit(server: WebSocketServer): void {
    this.sockets.protect(server);
  }

  @SubscribeMessage('whoami')
  whoami(@Principal() caller: VerifiedPrincipal) {
    return { event: 'whoami', data: { sub: caller.subject } };
  }

  @Scopes('read')
  @SubscribeMessage('read')
  read() {
    return { event: 'read', data: 'ok' };
  }
}

async function boot(metadata: ModuleMetadata, options: ResourceServerModuleOptions, native: boolean): Promise<string> {
  @Module({ ...metadata, imports: [ResourceServerModule.forRoot(options)] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app: INestApplication = closeLater(moduleRef.createNestApplication({ logger: false }));
  if (native) app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  return `127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
}

const MISSING = { error: 'unauthorized', message: 'A bearer access token is required' };
const EXPIRED = { error: 'invalid_token', message: 'The access token expired' };

describe('WebSockets', () => {
  const key = generateTestKey('ES256');
  const stranger = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;
  let forged: string;
  let expired: string;
  let chat: string;
  let native: string;
  let withQuery: { chat: string; native: string };

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    issuer.route('GET', '/userinfo', (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sub: 'alice', email: 'alice@example.test' }));
    });
    mint = minter(key, issuer.issuer);
    forged = mintAccessToken(stranger, { iss: issuer.issuer, aud: AUDIENCE, scope: 'read' });
    expired = mint({ scope: 'read', exp: nowSeconds() - 60, iat: nowSeconds() - 120 });
    const options = { issuer: issuer.issuer, audience: AUDIENCE, clockTolerance: 0 };
    chat = `http://${await boot({ providers: [ChatGateway, { provide: APP_GUARD, useExisting: AccessTokenGuard }] }, options, false)}/chat`;
    native = `ws://${await boot({ providers: [NativeGateway] }, options, true)}/ws`;
    const queryOptions = { ...options, websockets: { queryToken: true } };
    withQuery = {
      chat: `http://${await boot({ providers: [ChatGateway, { provide: APP_GUARD, useExisting: AccessTokenGuard }] }, queryOptions, false)}/chat`,
      native: `ws://${await boot({ providers: [NativeGateway] }, queryOptions, true)}/ws`,
    };
  });

  afterAll(closeAll);

  describe('socket.io handshake', () => {
    it('admits auth.token, raw or with the Bearer scheme, and the Authorization header', async () => {
      for (const options of [
        { auth: { token: mint({ sub: 'alice' }) } },
        { auth: { token: `Bearer ${mint({ sub: 'alice' })}` } },
        { headers: { authorization: `Bearer ${mint({ sub: 'alice' })}` } },
      ]) {
        const socket = await ioConnected(chat, options);
        expect(await ioCall(socket, 'whoami')).toEqual({ ack: { sub: 'alice', tokenLength: expect.any(Number) } });
      }
    });

    it.each([
      [
        'missing',
        () => ({}),
        { message: 'unauthorized', data: { error: 'unauthorized', error_description: MISSING.message } },
      ],
      [
        'expired',
        () => ({ auth: { token: expired } }),
        { message: 'invalid_token', data: { error: 'invalid_token', error_description: EXPIRED.message } },
      ],
      [
        'forged',
        () => ({ auth: { token: forged } }),
        {
          message: 'invalid_token',
          data: { error: 'invalid_token', error_description: 'The access token was signed with an unknown key' },
        },
      ],
      [
        'malformed',
        () => ({ auth: { token: 'Bearer not a token' } }),
        {
          message: 'invalid_request',
          data: { error: 'invalid_request', error_description: 'The Authorization header is malformed' },
        },
      ],
      [
        'sent twice',
        () => ({ auth: { token: mint() }, headers: { authorization: `Bearer ${mint()}` } }),
        {
          message: 'invalid_request',
          data: { error: 'invalid_request', error_description: 'The request carries more than one access token' },
        },
      ],
      [
        'in the query string (not configured)',
        () => ({ query: { access_token: mint() } }),
        { message: 'unauthorized', data: { error: 'unauthorized', error_description: MISSING.message } },
      ],
    ])('refuses a %s token with connect_error', async (_, options, refused) => {
      expect(await ioConnect(chat, options())).toEqual({ refused });
    });
  });

  describe('socket.io events', () => {
    it('answers an event whose requirements the token meets', async () => {
      const socket = await ioConnected(chat, { auth: { token: mint({ scope: 'read b' }) } });
      expect([await ioCall(socket, 'read', { n: 3 }), await ioCall(socket, 'either')]).toEqual([
        { ack: { read: 3 } },
        { ack: 'ok' },
      ]);
    });

    it('refuses an event with insufficient scope with `exception`, and the socket stays usable', async () => {
      const socket = await ioConnected(chat, { auth: { token: mint({ scope: 'other' }) } });
      expect(await ioCall(socket, 'read')).toEqual({
        exception: {
          status: 'error',
          error: 'insufficient_scope',
          message: 'The access token lacks the scope this resource requires',
          scope: 'read',
        },
      });
      expect(await ioCall(socket, 'either')).toEqual({
        exception: {
          status: 'error',
          error: 'insufficient_scope',
          message: 'The access token lacks the scope this resource requires',
          scope: 'a b',
        },
      });
      expect(await ioCall(socket, 'admin')).toEqual({
        exception: {
          status: 'error',
          error: 'forbidden',
          message: 'The access token lacks the role this resource requires',
        },
      });
      expect([socket.connected, await ioCall(socket, 'whoami')]).toEqual([
        true,
        { ack: expect.objectContaining({ sub: 'test-user' }) },
      ]);
    });

    it('admits a role and hands @UserInfo() the caller userinfo', async () => {
      const socket = await ioConnected(chat, { auth: { token: mint({ sub: 'alice', roles: ['admin'] }) } });
      expect([await ioCall(socket, 'admin'), await ioCall(socket, 'email')]).toEqual([
        { ack: 'admin' },
        { ack: { email: 'alice@example.test' } },
      ]);
    });

    it('answers a @Public() event; @Principal() there is the caller the handshake admitted', async () => {
      const socket = await ioConnected(chat, { auth: { token: mint({ sub: 'pat' }) } });
      expect([await ioCall(socket, 'ping'), await ioCall(socket, 'connection-caller')]).toEqual([
        { ack: 'pong' },
        { ack: { sub: 'pat' } },
      ]);
    });
  });

  describe('ws handshake', () => {
    it('admits the Authorization header', async () => {
      const ws = await wsConnected(native, { authorization: `Bearer ${mint({ sub: 'bob' })}` });
      expect(await wsCall(ws, 'whoami')).toEqual({ event: 'whoami', data: { sub: 'bob' } });
    });

    it.each([
      ['missing', {}, { status: 401, challenge: 'Bearer realm="api"', body: { statusCode: 401, ...MISSING } }],
      [
        'expired',
        { authorization: `Bearer EXPIRED` },
        {
          status: 401,
          challenge: 'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
          body: { statusCode: 401, ...EXPIRED },
        },
      ],
      [
        'forged',
        { authorization: 'Bearer FORGED' },
        {
          status: 401,
          challenge: expect.stringContaining('error="invalid_token"'),
          body: expect.objectContaining({ statusCode: 401, error: 'invalid_token' }),
        },
      ],
      [
        'malformed',
        { authorization: 'Bearer a b' },
        {
          status: 400,
          challenge: expect.stringContaining('error="invalid_request"'),
          body: expect.objectContaining({ statusCode: 400, error: 'invalid_request' }),
        },
      ],
    ])('refuses a %s token with the HTTP status and challenge', async (_, headers: Record<string, string>, refused) => {
      const value = headers.authorization?.replace('EXPIRED', expired).replace('FORGED', forged);
      expect(await wsConnect(native, value === undefined ? {} : { authorization: value })).toEqual({ refused });
    });
  });

  describe('ws events', () => {
    it('answers an event whose scope the token has', async () => {
      const ws = await wsConnected(native, { authorization: `Bearer ${mint({ scope: 'read' })}` });
      expect(await wsCall(ws, 'read')).toEqual({ event: 'read', data: 'ok' });
    });

    it('sends the refusal of an event as an `exception` frame, and the socket stays open', async () => {
      const ws = await wsConnected(native, { authorization: `Bearer ${mint({ scope: 'other' })}` });
      expect(await wsCall(ws, 'read')).toEqual({
        event: 'exception',
        data: {
          status: 'error',
          error: 'insufficient_scope',
          message: 'The access token lacks the scope this resource requires',
          scope: 'read',
        },
      });
      expect(await wsCall(ws, 'whoami')).toEqual({ event: 'whoami', data: { sub: 'test-user' } });
    });
  });

  describe('websockets.queryToken', () => {
    it('admits ?access_token= on both adapters when configured, and refuses a forged one', async () => {
      const socket = await ioConnected(withQuery.chat, { query: { access_token: mint({ sub: 'quinn' }) } });
      const ws = await wsConnected(`${withQuery.native}?access_token=${mint({ sub: 'quinn' })}`);
      expect([await ioCall(socket, 'whoami'), await wsCall(ws, 'whoami')]).toEqual([
        { ack: { sub: 'quinn', tokenLength: expect.any(Number) } },
        { event: 'whoami', data: { sub: 'quinn' } },
      ]);
      expect(await wsConnect(`${withQuery.native}?access_token=${forged}`)).toEqual({
        refused: expect.objectContaining({ status: 401 }),
      });
    });
  });

  describe('expiry', () => {
    it('disconnects a socket.io client when its token expires, telling it why', async () => {
      const socket = await ioConnected(chat, { auth: { token: mint({ scope: 'read', exp: nowSeconds() + 2 }) } });
      expect(await ioCall(socket, 'read')).toEqual({ ack: { read: 0 } });
      const exception = new Promise((resolve) => socket.once('exception', resolve));
      const reason = new Promise((resolve) => socket.once('disconnect', resolve));
      expect([await exception, await reason]).toEqual([{ status: 'error', ...EXPIRED }, 'io server disconnect']);
    });

    it('closes a ws connection when its token expires', async () => {
      const ws = await wsConnected(native, { authorization: `Bearer ${mint({ exp: nowSeconds() + 2 })}` });
      const frame = nextFrame(ws);
      const closed = new Promise((resolve) =>
        ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
      );
      expect([await frame, await closed]).toEqual([
        { event: 'exception', data: { status: 'error', ...EXPIRED } },
        { code: TOKEN_EXPIRED_CLOSE_CODE, reason: EXPIRED.message },
      ]);
    });
  });
});
