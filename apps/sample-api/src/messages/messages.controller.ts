import { BadRequestException, Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { Principal, Roles, Scopes, type VerifiedPrincipal } from 'nestjs-resource-server';
import { MessagesService, type Message } from './messages.service.js';

@Controller('messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Scopes('read:messages')
  @Get()
  list(): readonly Message[] {
    return this.messages.list();
  }

  @Scopes('write:messages')
  @Post()
  @HttpCode(201)
  create(@Body() body: unknown, @Principal() caller: VerifiedPrincipal): Message {
    const text = (body as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.trim() === '' || text.length > 500) {
      throw new BadRequestException('Send JSON {"text": "..."} with 1 to 500 characters');
    }
    return this.messages.create(text, caller.subject ?? caller.clientId ?? 'unknown');
  }

  /** For auditors: needs the role `auditor` (from the issuer's role claims, per OIDC_PROVIDER). */
  @Roles('auditor')
  @Get('audit')
  audit() {
    const messages = this.messages.list();
    return { total: messages.length, authors: [...new Set(messages.map((m) => m.author))] };
  }

  @Scopes('read:messages', 'admin:messages')
  @Get('admin')
  admin() {
    return { total: this.messages.list().length, messages: this.messages.list() };
  }
}
