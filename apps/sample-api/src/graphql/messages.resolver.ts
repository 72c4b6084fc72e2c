import { BadRequestException } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Principal, Public, Scopes, type VerifiedPrincipal } from 'nestjs-resource-server';
import { MessagesService } from '../messages/messages.service.js';
import { MeModel, MessageModel } from './models.js';

/** The GraphQL face of the message board; the global guard protects it like the REST routes. */
@Resolver()
export class MessagesResolver {
  constructor(private readonly board: MessagesService) {}

  @Public()
  @Query(() => String)
  health(): string {
    return 'ok';
  }

  /** Any valid access token. */
  @Query(() => MeModel)
  me(@Principal() caller: VerifiedPrincipal): MeModel {
    return { sub: caller.subject ?? caller.clientId ?? 'unknown', scopes: [...caller.scopes] };
  }

  @Scopes('read:messages')
  @Query(() => [MessageModel])
  messages(): readonly MessageModel[] {
    return this.board.list();
  }

  @Scopes('write:messages')
  @Mutation(() => MessageModel)
  postMessage(
    @Args('text', { type: () => String }) text: string,
    @Principal() caller: VerifiedPrincipal,
  ): MessageModel {
    if (text.trim() === '' || text.length > 500) throw new BadRequestException('text must have 1 to 500 characters');
    return this.board.create(text, caller.subject ?? caller.clientId ?? 'unknown');
  }
}
