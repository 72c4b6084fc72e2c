// The WebSocket handshake, authenticated before the connection exists: a socket.io middleware on the
// gateway's namespace (refused with `connect_error`), or `verifyClient` on a `ws` server (refused with
// the HTTP status and the RFC 6750 challenge). An admitted connection is closed when its token expires.
import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedConfig } from '../core/config/config.js';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { errorBody, errorHeaders } from '../errors/challenge.js';
import { errorPayload } from '../errors/payload.js';
import { InvalidTokenError } from '../errors/resource-server.error.js';
import { AuthorizationPipeline } from '../pipeline/authorization-pipeline.js';
import { RESOLVED_CONFIG } from '../resource-server.tokens.js';
import { attachCaller } from '../transports/caller.js';
import { UserInfoService } from '../userinfo/userinfo.service.js';
import { rememberToken, sendException, WsTransport, type Handshake } from '../transports/ws.transport.js';
import { scheduleExpiry } from './expiry.js';

/** A socket.io `Server` or `Namespace` (what a gateway's `afterInit` receives with the socket.io adapter). */
export interface SocketIoServerLike {
  use(middleware: (socket: SocketIoSocketLike, next: (error?: Error) => void) => void): unknown;
}
interface SocketIoSocketLike {
  handshake: Handshake;
  request?: { rawHeaders?: readonly string[] };
  emit(event: string, payload: unknown): unknown;
  disconnect(close?: boolean): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

/** A `ws` `WebSocketServer` (what a gateway's `afterInit` receives with the `ws` adapter). */
export interface WsServerLike {
  options: { verifyClient?: unknown };
  prependListener(event: 'connection', listener: (client: WsClientLike, request: object) => void): unknown;
}
interface WsClientLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}
type VerifyCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

// What the `ws` handshake leaves on the upgrade request for the `connection` event.
const ADMITTED = Symbol.for('nestjs-resource-server.ws-admitted');

/** The close code of a `ws` connection whose token expired (4000-4999: application codes; graphql-ws's 4401). */
export const TOKEN_EXPIRED_CLOSE_CODE = 4401;

/**
 * Authenticates the handshake of a gateway's connections. Call `protect(server)` from the gateway's
 * `afterInit`; per-event requirements still come from `@Scopes`, `@Roles`, ... and the guard.
 * @example
 * ```ts
 * import { WebSocketGateway, SubscribeMessage, type OnGatewayInit } from '@nestjs/websockets';
 * import type { Namespace } from 'socket.io';
 *
 * @WebSocketGateway({ namespace: '/messages' })
 * export class MessagesGateway implements OnGatewayInit {
 *   constructor(private readonly sockets: SocketAuthenticator) {}
 *   afterInit(server: Namespace) { this.sockets.protect(server); }
 *   @Scopes('read:messages') @SubscribeMessage('messages:list') list() { return []; }
 * }
 * ```
 */
@Injectable()
export class SocketAuthenticator {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly pipeline: AuthorizationPipeline,
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
    private readonly userInfo: UserInfoService,
  ) {}

  /** Refuses connections without a valid token on a socket.io server or namespace, or on a `ws` server. */
  protect(server: SocketIoServerLike | WsServerLike): void {
    const transport = this.pipeline.transport('ws');
    if (!(transport instanceof WsTransport))
      throw new Error('SocketAuthenticator needs @nestjs/websockets: install it');
    if (typeof (server as SocketIoServerLike).use === 'function')
      this.protectSocketIo(server as SocketIoServerLike, transport);
    else if (
      typeof (server as WsServerLike).prependListener === 'function' &&
      typeof (server as WsServerLike).options === 'object'
    ) {
      this.protectWs(server as WsServerLike, transport);
    } else
      throw new Error(
        'SocketAuthenticator.protect() takes the socket.io server or namespace, or the ws server, of a gateway',
      );
  }

  private protectSocketIo(server: SocketIoServerLike, transport: WsTransport): void {
    server.use((socket, next) => {
      this.admit(() => transport.handshakeToken({ ...socket.handshake, rawHeaders: socket.request?.rawHeaders }))
        .then((principal) => {
          this.admitted(socket, principal);
          const cancel = this.expireLater(principal, () => {
            socket.emit('exception', errorPayload(new InvalidTokenError('expired')));
            socket.disconnect(true);
          });
          socket.once('disconnect', cancel);
          next();
        })
        .catch((error: unknown) => {
          const { error: code, message } = errorBody(this.pipeline.normalize(error));
          next(Object.assign(new Error(code), { data: { error: code, error_description: message } }));
        });
    });
  }

  private protectWs(server: WsServerLike, transport: WsTransport): void {
    server.options.verifyClient = (info: { req: Handshake & object }, callback: VerifyCallback) => {
      this.admit(() => transport.handshakeToken(info.req))
        .then((principal) => {
          Object.defineProperty(info.req, ADMITTED, { value: principal, configurable: true });
          callback(true);
        })
        .catch((error: unknown) => {
          const failure = this.pipeline.normalize(error);
          const headers = Object.fromEntries(errorHeaders(this.config.realm, failure));
          callback(false, failure.status, JSON.stringify(errorBody(failure)), {
            ...headers,
            'Content-Type': 'application/json',
          });
        });
    };
    server.prependListener('connection', (client, request) => {
      const principal = (request as { [ADMITTED]?: VerifiedPrincipal })[ADMITTED];
      if (!principal) return; // cannot happen: verifyClient admitted it
      rememberToken(client, principal.token);
      this.admitted(client, principal);
      const cancel = this.expireLater(principal, () => {
        sendException(client, errorPayload(new InvalidTokenError('expired')));
        client.close(TOKEN_EXPIRED_CLOSE_CODE, 'The access token expired');
      });
      client.once('close', cancel);
    });
  }

  /** The connection's caller, for `@Principal()` in `@Public()` events; each guarded event replaces it with its own check's. */
  private admitted(client: object, principal: VerifiedPrincipal): void {
    attachCaller(client, principal, this.userInfo);
  }

  private async admit(token: () => string): Promise<VerifiedPrincipal> {
    return this.verifier.verify(token());
  }

  private expireLater(principal: VerifiedPrincipal, close: () => void): () => void {
    const tolerance = this.verifier.issuer(principal.issuer)?.config.clockTolerance ?? 0;
    return scheduleExpiry(principal.expiresAt, tolerance, close);
  }
}
