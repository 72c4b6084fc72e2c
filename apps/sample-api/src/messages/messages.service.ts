import { Injectable } from '@nestjs/common';
import { MessageFeed } from './message-feed.js';

export interface Message {
  id: number;
  text: string;
  author: string;
  createdAt: string;
}

/** An in-memory message board, bounded so a demo left running cannot grow without limit. */
@Injectable()
export class MessagesService {
  static readonly MAX_MESSAGES = 1000;
  private readonly messages: Message[] = [
    { id: 1, text: 'Hello from the sample API', author: 'system', createdAt: new Date(0).toISOString() },
  ];
  private nextId = 2;
  /** Every message created, for GraphQL subscribers. */
  readonly posted = new MessageFeed<Message>();

  list(): readonly Message[] {
    return this.messages;
  }

  create(text: string, author: string): Message {
    const message = { id: this.nextId++, text, author, createdAt: new Date().toISOString() };
    this.messages.push(message);
    if (this.messages.length > MessagesService.MAX_MESSAGES) this.messages.shift();
    this.posted.publish(message);
    return message;
  }
}
