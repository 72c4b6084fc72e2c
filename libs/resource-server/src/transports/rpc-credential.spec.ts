// The places microservice transports keep headers, in the shapes their Nest contexts hand them over.
import { describe, expect, it } from '@jest/globals';
import { contextHeader, messageCredentials } from './rpc-credential.js';

const grpcMetadata = (values: unknown[]) => ({
  get: (key: string) => (key === 'authorization' ? values : []),
  getMap: () => ({}),
});

describe('contextHeader', () => {
  it.each([
    ['gRPC metadata', grpcMetadata(['Bearer g']), 'Bearer g'],
    ['gRPC metadata without the key', grpcMetadata([]), undefined],
    ['gRPC binary metadata', grpcMetadata([Buffer.from('Bearer b')]), 'Bearer b'],
    [
      'NATS headers',
      { getHeaders: () => ({ get: (k: string) => (k === 'authorization' ? 'Bearer n' : '') }) },
      'Bearer n',
    ],
    ['NATS without headers', { getHeaders: () => undefined }, undefined],
    [
      'Kafka record headers (Buffer)',
      { getMessage: () => ({ headers: { authorization: Buffer.from('Bearer k') } }) },
      'Bearer k',
    ],
    [
      'RMQ message properties',
      { getMessage: () => ({ properties: { headers: { authorization: 'Bearer r' } } }) },
      'Bearer r',
    ],
    [
      'MQTT 5 user properties',
      { getPacket: () => ({ properties: { userProperties: { authorization: 'Bearer m' } } }) },
      'Bearer m',
    ],
    [
      'TCP / Redis packet metadata',
      { getPattern: () => 'x', getMetadata: () => ({ authorization: 'Bearer t' }) },
      'Bearer t',
    ],
    ['TCP without packet metadata', { getPattern: () => 'x', getMetadata: () => undefined }, undefined],
    ['an older TCP context', { getPattern: () => 'x' }, undefined],
    ['no context', undefined, undefined],
  ])('reads %s', (_, context, value) => {
    expect(contextHeader(context, 'authorization')).toBe(value);
  });

  it('refuses repeated metadata values and values that are not text', () => {
    expect(() => contextHeader(grpcMetadata(['Bearer a', 'Bearer b']), 'authorization')).toThrow(
      expect.objectContaining({ code: 'multiple_tokens' }),
    );
    expect(() => contextHeader({ getMessage: () => ({ headers: { authorization: 42 } }) }, 'authorization')).toThrow(
      expect.objectContaining({ code: 'malformed_authorization' }),
    );
  });
});

describe('messageCredentials', () => {
  it('lists the payload field, the payload headers and the transport header', () => {
    expect(messageCredentials({ auth: 'Bearer p', headers: { auth: 'Bearer h' } }, grpcMetadata([]), 'auth')).toEqual([
      'Bearer p',
      'Bearer h',
      undefined,
    ]);
    expect(messageCredentials('a string payload', undefined, 'auth')).toEqual([undefined, undefined, undefined]);
  });
});
