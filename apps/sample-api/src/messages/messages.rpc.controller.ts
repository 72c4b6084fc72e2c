import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Principal, Scopes, type VerifiedPrincipal } from 'nestjs-resource-server';
import { MessagesService, type Message } from './messages.service.js';

/** The TCP microservice (`RPC_PORT`): send `{ authorization: 'Bearer <token>' }` as the payload. */
@Controller()
export class MessagesRpcController {
  constructor(private readonly messages: MessagesService) {}

  @Scopes('read:messages')
  @MessagePattern('messages.list')
  list(): readonly Message[] {
    return this.messages.list();
  }

  /** Any valid token. */
  @MessagePattern('me')
  me(@Principal() caller: VerifiedPrincipal) {
    return { sub: caller.subject ?? null, clientId: caller.clientId ?? null, scopes: caller.scopes };
  }
}
