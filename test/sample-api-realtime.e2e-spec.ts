// The sample API's Socket.IO namespace `/messages` and its TCP microservice, as the README documents
// them: booted from its AppModule and its own microservice wiring, spoken to with socket.io-client
// and a TCP ClientProxy, with tokens from the embedded development issuer (oidc-provider) and minted
// on a local JWKS endpoint (expired, forged, insufficient).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { AppModule } from '../apps/sample-api/src/app.module.js';
import { startDevIssuer, type DevIssuer } from '../apps/sample-api/src/dev-issuer/dev-issuer.js';
import { startRpc } from '../apps/sample-api/src/microservice.js';
import { startLocalIssuer } from './helpers/issuer-server.js';
import { generateTestKey } from './helpers/keys.js';
import { EXPIRED, MISSING, noScope, outcome, tcpClient, tcpPort, UNKNOWN_KEY } from './helpers/rpc.js';
import { ioCall, ioConnect, ioConnected } from './helpers/sockets.js';
import { closeAll, closeLater, createPlatformApp } from './helpers/start-app.js';
import { mintAccessToken, nowSeconds } from './helpers/tokens.js';

const AUDIENCE = 'http://localhost:3000';
const NO_SCOPE = noScope;

interface Running {
  readonly messages: string;
  readonly rpc: ClientProxy;
}

async function boot(issuer: string, env: Record<string, string> = {}): Promise<Running> {
  process.env.OIDC_ISSUER = issuer;
  process.env.OIDC_AUDIENCE = AUDIENCE;
  for (const name of ['OIDC_TOKEN_TYPE', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']) delete process.env[name];
  Object.assign(process.env, env);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app: INestApplication = closeLater(await createPlatformApp(moduleRef, { logger: false }));
  await startRpc(app, 0, '127.0.0.1');
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  const rpc = await tcpClient(tcpPort(app));
  return { messages: `http://127.0.0.1:${port}/messages`, rpc };
}

const send = (rpc: ClientProxy, pattern: string, data: object) => outcome(rpc.send<unknown>(pattern, data));

afterAll(closeAll);

describe('sample API realtime contexts with the development issuer', () => {
  let issuer: DevIssuer;
  let running: Running;

  beforeAll(async () => {
    issuer = closeLater(await startDevIssuer({ port: 0, audience: AUDIENCE }));
    running = await boot(issuer.issuer, {
      OIDC_TOKEN_TYPE: 'auto',
      OIDC_CLIENT_ID: issuer.clientId,
      OIDC_CLIENT_SECRET: issuer.clientSecret,
    });
  });

  const clientToken = async (scope: string): Promise<string> => {
    const response = await fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };

  it('Socket.IO /messages: messages:post with write:messages, messages:list with read:messages', async () => {
    const socket = await ioConnected(running.messages, {
      auth: { token: await clientToken('read:messages write:messages') },
    });
    const posted = await ioCall(socket, 'messages:post', { text: 'over socket.io' });
    expect(posted).toEqual({
      ack: expect.objectContaining({ text: 'over socket.io', author: 'demo-client', id: expect.any(Number) }),
    });
    expect(await ioCall(socket, 'messages:list')).toEqual({
      ack: expect.arrayContaining([(posted as { ack: unknown }).ack]),
    });
  });

  it('Socket.IO /messages: a reader cannot post, and gets `exception` naming the scope', async () => {
    const socket = await ioConnected(running.messages, {
      auth: { token: `Bearer ${await clientToken('read:messages')}` },
    });
    expect(await ioCall(socket, 'messages:post', { text: 'no' })).toEqual({ exception: NO_SCOPE('write:messages') });
  });

  it('TCP: messages.list and me with authorization in the payload', async () => {
    const token = await clientToken('read:messages');
    expect([
      await send(running.rpc, 'messages.list', { authorization: `Bearer ${token}` }),
      await send(running.rpc, 'me', { authorization: `Bearer ${token}` }),
    ]).toEqual([
      { value: expect.arrayContaining([expect.objectContaining({ id: 1 })]) },
      { value: { sub: 'demo-client', clientId: 'demo-client', scopes: ['read:messages'] } },
    ]);
  });
});

describe('sample API realtime contexts with tokens minted on a local JWKS endpoint', () => {
  const key = generateTestKey('ES256');
  let running: Running;
  let token: (claims?: Record<string, unknown>) => string;
  let forged: string;

  beforeAll(async () => {
    const issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    token = (claims = {}) =>
      mintAccessToken(key, { iss: issuer.issuer, aud: AUDIENCE, sub: 'alice', scope: 'read:messages', ...claims });
    forged = mintAccessToken(generateTestKey('ES256'), {
      iss: issuer.issuer,
      aud: AUDIENCE,
      sub: 'alice',
      scope: 'read:messages',
    });
    running = await boot(issuer.issuer);
  });

  it('Socket.IO: refuses the handshake of a missing, expired or forged token', async () => {
    const expired = token({ exp: nowSeconds() - 60, iat: nowSeconds() - 120 });
    expect([
      await ioConnect(running.messages),
      await ioConnect(running.messages, { auth: { token: expired } }),
      await ioConnect(running.messages, { auth: { token: forged } }),
    ]).toEqual([
      { refused: { message: 'unauthorized', data: { error: 'unauthorized', error_description: MISSING.message } } },
      { refused: { message: 'invalid_token', data: { error: 'invalid_token', error_description: EXPIRED.message } } },
      {
        refused: { message: 'invalid_token', data: { error: 'invalid_token', error_description: UNKNOWN_KEY.message } },
      },
    ]);
  });

  it('Socket.IO: refuses messages:list without read:messages', async () => {
    const socket = await ioConnected(running.messages, { auth: { token: token({ scope: 'write:messages' }) } });
    expect(await ioCall(socket, 'messages:list')).toEqual({ exception: NO_SCOPE('read:messages') });
  });

  it('TCP: refuses missing, expired, forged and insufficient tokens with the error payload', async () => {
    const expired = token({ exp: nowSeconds() - 60, iat: nowSeconds() - 120 });
    expect([
      await send(running.rpc, 'messages.list', {}),
      await send(running.rpc, 'messages.list', { authorization: `Bearer ${expired}` }),
      await send(running.rpc, 'me', { authorization: `Bearer ${forged}` }),
      await send(running.rpc, 'messages.list', { authorization: `Bearer ${token({ scope: 'write:messages' })}` }),
    ]).toEqual([
      { rejected: MISSING },
      { rejected: EXPIRED },
      { rejected: UNKNOWN_KEY },
      { rejected: NO_SCOPE('read:messages') },
    ]);
  });
});
