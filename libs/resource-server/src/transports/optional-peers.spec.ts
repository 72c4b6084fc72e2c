// An app without the optional peers: the library loads and boots, HTTP works, and WebSocket and RPC
// contexts stay denied. The packages are made unresolvable for this file only.
import { describe, expect, it, jest } from '@jest/globals';

const notInstalled = (name: string) => () => {
  throw Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' });
};
jest.unstable_mockModule('@nestjs/websockets', notInstalled('@nestjs/websockets'));
jest.unstable_mockModule('@nestjs/microservices', notInstalled('@nestjs/microservices'));
jest.unstable_mockModule('@grpc/grpc-js', notInstalled('@grpc/grpc-js'));

describe('without @nestjs/websockets, @nestjs/microservices and @grpc/grpc-js', () => {
  it('boots with the HTTP adapter only', async () => {
    const { Test } = await import('@nestjs/testing');
    const { AuthorizationPipeline, ResourceServerModule, SocketAuthenticator } = await import('../index.js');
    const moduleRef = await Test.createTestingModule({
      imports: [ResourceServerModule.forRoot({ issuer: 'https://issuer.example', audience: 'api' })],
    }).compile();
    const pipeline = moduleRef.get(AuthorizationPipeline);
    expect(['http', 'ws', 'rpc'].map((type) => pipeline.transport(type)?.type)).toEqual(['http', undefined, undefined]);
    expect(() => moduleRef.get(SocketAuthenticator).protect({ use: () => undefined })).toThrow(
      /needs @nestjs\/websockets/,
    );
    await moduleRef.close();
  });
});
