import { Resolver, Subscription } from '@nestjs/graphql';
import { Scopes } from 'nestjs-resource-server';
import { MessagesService, type Message } from '../messages/messages.service.js';
import { MessageModel } from './models.js';

/** `Subscription.messagePosted` over graphql-ws (Express/Apollo only). */
@Resolver()
export class MessagesSubscriptionResolver {
  constructor(private readonly messages: MessagesService) {}

  @Scopes('read:messages')
  @Subscription(() => MessageModel, { resolve: (message: Message) => message })
  messagePosted(): AsyncIterableIterator<Message> {
    return this.messages.posted.subscribe();
  }
}
