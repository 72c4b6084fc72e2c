import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { ResourceServerModule } from '../resource-server.module.js';
import { SocketAuthenticator, type WsServerLike } from './socket-authenticator.js';

describe('SocketAuthenticator.protect', () => {
  let moduleRef: TestingModule;
  let sockets: SocketAuthenticator;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [ResourceServerModule.forRoot({ issuer: 'https://issuer.example', audience: 'api' })],
    }).compile();
    sockets = moduleRef.get(SocketAuthenticator);
  });

  afterAll(async () => {
    await moduleRef.close();
  });

  it('says what it takes when handed something else', () => {
    expect(() => sockets.protect({} as WsServerLike)).toThrow(
      /takes the socket.io server or namespace, or the ws server/,
    );
  });

  it('installs verifyClient on a ws server', () => {
    const server = { options: {} as { verifyClient?: unknown }, prependListener: () => server };
    sockets.protect(server);
    expect(typeof server.options.verifyClient).toBe('function');
  });
});
