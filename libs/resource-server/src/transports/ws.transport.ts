// WebSockets (`@nestjs/websockets`, socket.io or `ws`): the token comes with the handshake, the HTTP
// request that opened the connection, and every event is checked against it; a refused event is
// answered with Nest's `exception` event (`{ status: 'error', error, message, scope? }`) and the
// socket stays open. The handshake itself is refused earlier by `SocketAuthenticator`.
import type { ArgumentsHost, ExecutionContext } from '@nestjs/common';
import { extractToken, type TokenLocation, type TokenSource } from '../core/credentials/token-extractor.js';
import { oneToken, tokenOfValue } from '../core/credentials/message-token.js';
import { errorPayload } from '../errors/payload.js';
import { MissingTokenError, type ResourceServerError } from '../errors/resource-server.error.js';
import type { ExceptionClass } from './optional-peers.js';
import type { Credential, TransportAdapter } from './transport-adapter.js';

/** The handshake as both adapters give it: socket.io's `socket.handshake` (+ `socket.request`), or the upgrade request of `ws`. */
export interface Handshake {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed query parameters (socket.io), or none: then `url` is parsed. */
  readonly query?: unknown;
  readonly url?: string;
  readonly rawHeaders?: readonly string[];
  /** socket.io's `auth` object of the client (`io(url, { auth: { token } })`). */
  readonly auth?: unknown;
}

// The token a `ws` connection was admitted with: the upgrade request is gone by the time events come.
const HANDSHAKE_TOKEN = Symbol.for('nestjs-resource-server.ws-token');

/** Remembers on a `ws` client the token its handshake was admitted with. */
export function rememberToken(client: object, token: string): void {
  Object.defineProperty(client, HANDSHAKE_TOKEN, { value: token, configurable: true, enumerable: false });
}

interface SocketIoClient {
  handshake?: Handshake;
  request?: { rawHeaders?: readonly string[] };
}

/** The WebSocket adapter of the pipeline. */
export class WsTransport implements TransportAdapter {
  readonly type = 'ws';
  private readonly locations: ReadonlySet<TokenLocation>;
  // A socket.io handshake never changes during the connection, so its token is read once, not per
  // event: reading it builds a token source and, without an Authorization header, throws and catches
  // a MissingTokenError, which cost more than the whole cached verification.
  private readonly handshakeTokens = new WeakMap<object, string>();

  constructor(
    queryToken: boolean,
    private readonly WsException: ExceptionClass,
  ) {
    this.locations = new Set<TokenLocation>(queryToken ? ['query'] : []);
  }

  /** The token of a handshake: `auth.token` (raw or `Bearer`), the `Authorization` header, or (when configured) `?access_token=`. */
  handshakeToken(handshake: Handshake): string {
    const fromAuth = tokenOfValue((handshake.auth as { token?: unknown } | undefined)?.token, true);
    const source: TokenSource = {
      headers: handshake.headers,
      method: 'GET',
      rawHeaders: handshake.rawHeaders,
      query: handshake.query ?? (this.locations.has('query') ? queryOf(handshake.url) : undefined),
    };
    let fromHttp: string | undefined;
    try {
      fromHttp = extractToken(source, this.locations);
    } catch (error) {
      if (!(error instanceof MissingTokenError)) throw error;
    }
    return oneToken([fromAuth, fromHttp]);
  }

  credential(context: ExecutionContext): Credential {
    // The client by index: `switchToWs()` allocates on every call (see carrierOf).
    const client = context.getArgByIndex<SocketIoClient & { [HANDSHAKE_TOKEN]?: string }>(0);
    // `ws`: the token its handshake was admitted with (none if the gateway does not protect its server).
    if (client[HANDSHAKE_TOKEN] !== undefined) return { token: client[HANDSHAKE_TOKEN], scheme: 'bearer' };
    if (!client.handshake) throw new MissingTokenError();
    let token = this.handshakeTokens.get(client);
    if (token === undefined) {
      token = this.handshakeToken({ ...client.handshake, rawHeaders: client.request?.rawHeaders });
      this.handshakeTokens.set(client, token);
    }
    return { token, scheme: 'bearer' };
  }

  /** A `WsException` carrying the payload: Nest's WebSocket filter emits it as is (a JSON frame on `ws`). */
  reject(error: ResourceServerError): Error {
    return new this.WsException(errorPayload(error));
  }

  /** Answers a library error raised in a handler, for a gateway that applies the library's filter. */
  respond(error: ResourceServerError, host: ArgumentsHost): void {
    sendException(host.switchToWs().getClient(), errorPayload(error));
  }
}

function queryOf(url: string | undefined): Record<string, string | string[]> | undefined {
  if (url === undefined) return undefined;
  const params = new URL(url, 'http://localhost').searchParams;
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    query[key] = all.length === 1 ? all[0] : all;
  }
  return query;
}

/** Sends an `exception` event: socket.io `emit`, or a `{ event, data }` JSON frame on a native WebSocket (as Nest's filter does). */
export function sendException(client: unknown, payload: object): void {
  const socket = client as {
    readyState?: unknown;
    send?: (data: string) => void;
    emit?: (event: string, data: unknown) => void;
  };
  if (typeof socket.readyState === 'number' && typeof socket.send === 'function') {
    if (socket.readyState === 1) socket.send(JSON.stringify({ event: 'exception', data: payload }));
  } else socket.emit?.('exception', payload);
}
