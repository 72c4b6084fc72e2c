/**
 * Real WebSocket clients for the e2e suites: socket.io-client and `ws`, each connect and each call
 * resolving with what the server did (connected or refused; acknowledged, answered or refused with
 * `exception`), so every case reads as one assertion. Opened sockets are closed by `closeAll`.
 */
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { closeLater } from './start-app.js';

/** A socket.io connection attempt: the connected socket, or the `connect_error`. */
export type IoConnection = { socket: Socket } | { refused: { message: string; data: unknown } };

/** Connects to a socket.io namespace (websocket transport only: the handshake is one HTTP upgrade). */
export function ioConnect(
  url: string,
  options: { auth?: Record<string, unknown>; headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<IoConnection> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: options.auth,
    extraHeaders: options.headers,
    query: options.query,
  });
  closeLater({ close: () => socket.close() });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error: Error & { data?: unknown }) =>
      resolve({ refused: { message: error.message, data: error.data } }),
    );
  });
}

/** The connected socket of a connection that must succeed. */
export async function ioConnected(url: string, options?: Parameters<typeof ioConnect>[1]): Promise<Socket> {
  const connection = await ioConnect(url, options);
  if (!('socket' in connection)) throw new Error(`refused: ${JSON.stringify(connection.refused)}`);
  return connection.socket;
}

/** What became of an event: its acknowledgement, or the server's `exception` event. */
export type IoOutcome = { ack: unknown } | { exception: unknown };

/** Emits `event` with an acknowledgement and resolves with the ack or the `exception` that refused it. */
export function ioCall(socket: Socket, event: string, data?: unknown): Promise<IoOutcome> {
  return new Promise((resolve) => {
    const onException = (exception: unknown) => resolve({ exception });
    socket.once('exception', onException);
    socket.emit(event, data ?? {}, (ack: unknown) => {
      socket.off('exception', onException);
      resolve({ ack });
    });
  });
}

/** A `ws` connection attempt: the open socket, or the HTTP answer that refused the upgrade. */
export type WsConnection =
  { ws: WebSocket } | { refused: { status: number; challenge: string | undefined; body: unknown } };

/** Opens a `ws` connection with the given headers. */
export function wsConnect(url: string, headers: Record<string, string> = {}): Promise<WsConnection> {
  const ws = new WebSocket(url, { headers });
  closeLater({ close: () => ws.terminate() });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({
          refused: {
            status: response.statusCode ?? 0,
            challenge: response.headers['www-authenticate'],
            body: JSON.parse(body) as unknown,
          },
        }),
      );
    });
    ws.once('error', reject);
  });
}

/** The open socket of a connection that must succeed. */
export async function wsConnected(url: string, headers?: Record<string, string>): Promise<WebSocket> {
  const connection = await wsConnect(url, headers);
  if (!('ws' in connection)) throw new Error(`refused: ${JSON.stringify(connection.refused)}`);
  return connection.ws;
}

/** The next JSON frame the server sends. */
export function nextFrame(ws: WebSocket): Promise<{ event: string; data: unknown }> {
  return new Promise((resolve) =>
    ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { event: string; data: unknown })),
  );
}

/** Sends `{ event, data }` and resolves with the next frame: the handler's answer or an `exception`. */
export function wsCall(ws: WebSocket, event: string, data: unknown = {}): Promise<{ event: string; data: unknown }> {
  const frame = nextFrame(ws);
  ws.send(JSON.stringify({ event, data }));
  return frame;
}
