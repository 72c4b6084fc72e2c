import { MessageBody, SubscribeMessage, WebSocketGateway, WsException, type OnGatewayInit } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import { Principal, Scopes, SocketAuthenticator, type VerifiedPrincipal } from 'nestjs-resource-server';
import { MessagesService, type Message } from './messages.service.js';

/**
 * The message board over Socket.IO, namespace `/messages` on the API's port. The handshake needs a
 * valid token (`auth: { token }`); each event needs its scope (the global guard checks it).
 */
@WebSocketGateway({ namespace: '/messages' })
export class MessagesGateway implements OnGatewayInit {
  constructor(
    private readonly messages: MessagesService,
    private readonly sockets: SocketAuthenticator,
  ) {}

  afterInit(server: Namespace): void {
    this.sockets.protect(server);
  }

  @Scopes('read:messages')
  @SubscribeMessage('messages:list')
  list(): readonly Message[] {
    return this.messages.list();
  }

  @Scopes('write:messages')
  @SubscribeMessage('messages:post')
  post(@MessageBody() body: unknown, @Principal() caller: VerifiedPrincipal): Message {
    const text = (body as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.trim() === '' || text.length > 500) {
      throw new WsException({
        status: 'error',
        error: 'invalid_message',
        message: 'Send { text } with 1 to 500 characters',
      });
    }
    return this.messages.create(text, caller.subject ?? caller.clientId ?? 'unknown');
  }
}
