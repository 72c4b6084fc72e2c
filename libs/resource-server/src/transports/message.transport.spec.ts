// The filter's answers for ws / rpc contexts when no adapter serves them, and the adapters' own
// `respond` on both kinds of WebSocket client.
import { describe, expect, it } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { InvalidTokenError } from '../errors/resource-server.error.js';
import { respondRpc, respondWs } from './message.transport.js';
import { WsTransport } from './ws.transport.js';

const EXPIRED = { status: 'error', error: 'invalid_token', message: 'The access token expired' };
const wsHost = (client: unknown) => ({ switchToWs: () => ({ getClient: () => client }) }) as unknown as ArgumentsHost;

function recordingClients() {
  const sent: unknown[] = [];
  return {
    sent,
    socketIo: { emit: (event: string, data: unknown) => sent.push({ emit: event, data }) },
    native: (readyState: number) => ({
      readyState,
      send: (frame: string) => sent.push(JSON.parse(frame)),
      emit: () => sent.push('local emit'),
    }),
  };
}

describe('respondRpc / respondWs', () => {
  it('errors the reply with the payload, and emits exception', () => {
    let received: unknown;
    respondRpc(new InvalidTokenError('expired')).subscribe({ error: (e: unknown) => (received = e) });
    const { sent, socketIo } = recordingClients();
    respondWs(new InvalidTokenError('expired'), wsHost(socketIo));
    expect([received, sent]).toEqual([EXPIRED, [{ emit: 'exception', data: EXPIRED }]]);
  });
});

describe('WsTransport.respond', () => {
  it('emits on socket.io, sends a frame on an open native WebSocket, and nothing on a closed one', () => {
    const transport = new WsTransport(
      false,
      class extends Error {
        constructor(readonly error: string | object) {
          super('refused');
        }
      },
    );
    const { sent, socketIo, native } = recordingClients();
    for (const client of [socketIo, native(1), native(3)])
      transport.respond(new InvalidTokenError('expired'), wsHost(client));
    expect(sent).toEqual([
      { emit: 'exception', data: EXPIRED },
      { event: 'exception', data: EXPIRED },
    ]);
  });
});
