import { Module } from '@nestjs/common';
import { MessagesService } from './messages.service.js';

/** The one message board, shared by the REST controller and the GraphQL resolvers. */
@Module({ providers: [MessagesService], exports: [MessagesService] })
export class MessagesModule {}
