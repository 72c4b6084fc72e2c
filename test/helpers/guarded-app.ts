import { Controller, Get, Module, Post, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  AccessToken,
  AccessTokenGuard,
  AnyScope,
  Principal,
  Public,
  ResourceServerModule,
  Scopes,
  type ResourceServerModuleOptions,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';

@Controller()
class ProbeController {
  @Public()
  @Get('open')
  open() {
    return { open: true };
  }

  @Get('me')
  me(@Principal() principal: VerifiedPrincipal, @AccessToken() token: string) {
    return { sub: principal.subject, scopes: principal.scopes, clientId: principal.clientId, tokenLength: token.length };
  }

  @Scopes('read:messages')
  @Get('read')
  read() {
    return { ok: true };
  }

  @Scopes('read:messages', 'admin:messages')
  @Get('admin')
  admin() {
    return { ok: true };
  }

  @AnyScope('read:messages', 'admin:messages')
  @Get('any')
  any() {
    return { ok: true };
  }

  @Scopes('write:messages')
  @Post('write')
  write() {
    return { ok: true };
  }
}

@Scopes('read:messages')
@Controller('scoped')
class ScopedController {
  @Scopes('admin:messages')
  @Get('both')
  both() {
    return { ok: true };
  }
}

/**
 * Boots a tiny app with the guard applied globally and the probe routes above, over real HTTP.
 * Routes: GET /open (public), /me, /read (read:messages), /admin (read+admin), /any (read or admin),
 * POST /write (write:messages), GET /scoped/both (class read:messages + handler admin:messages).
 */
export async function bootGuardedApp(options: ResourceServerModuleOptions): Promise<INestApplication> {
  @Module({
    imports: [ResourceServerModule.forRoot(options)],
    controllers: [ProbeController, ScopedController],
    providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
  })
  class ProbeModule {}
  const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}
