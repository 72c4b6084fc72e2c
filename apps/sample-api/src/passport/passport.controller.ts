import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Public, Scopes, type VerifiedPrincipal } from 'nestjs-resource-server';
import { MessagesService, type Message } from '../messages/messages.service.js';

/**
 * The routes of a team on `@nestjs/passport`: `AuthGuard('jwt')`, whose `'jwt'` strategy is the
 * library's `ResourceServerJwtStrategy` (see app.module.ts). They answer exactly like the native
 * guard's routes: same statuses, challenges and body shape; `@Scopes` is enforced all the same.
 */
@Controller('passport')
// The app's global AccessTokenGuard steps aside: Passport authenticates these routes.
@Public()
@UseGuards(AuthGuard('jwt'))
export class PassportController {
  constructor(private readonly messages: MessagesService) {}

  /** `req.user` is the verified principal. */
  @Get('me')
  me(@Req() request: { user: VerifiedPrincipal }) {
    return { sub: request.user.subject ?? null, scopes: request.user.scopes };
  }

  @Scopes('read:messages')
  @Get('messages')
  list(): readonly Message[] {
    return this.messages.list();
  }
}
