import { Controller, Get, Module, Req, UseGuards, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard, PassportModule } from '@nestjs/passport';
import {
  AccessTokenGuard,
  Principal,
  Public,
  ResourceServerModule,
  Scopes,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { ResourceServerJwtStrategy } from 'nestjs-resource-server/passport';

@Controller('messages')
export class MessagesController {
  @Scopes('read:messages')
  @Get()
  list(@Principal('subject') sub: string) {
    return { sub, messages: ['hello'] };
  }
}

@Controller('passport')
@Public()
@UseGuards(AuthGuard('jwt'))
export class PassportController {
  @Scopes('read:messages')
  @Get('messages')
  list(@Req() req: { user: VerifiedPrincipal }) {
    return { sub: req.user.subject, messages: ['hello'] };
  }
}

@Module({})
export class AppModule {
  static forIssuer(issuer: string, audience: string): DynamicModule {
    return {
      module: AppModule,
      imports: [ResourceServerModule.forRoot({ issuer, audience, allowInsecureRequests: true }), PassportModule],
      controllers: [MessagesController, PassportController],
      providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }, ResourceServerJwtStrategy],
    };
  }
}
