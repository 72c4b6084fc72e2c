/**
 * The routes most e2e suites probe the guard with. {@link startApp} mounts both controllers unless a
 * suite names its own.
 */
import { Controller, Get, Post } from '@nestjs/common';
import { AccessToken, AnyScope, Principal, Public, Scopes, type VerifiedPrincipal } from 'nestjs-resource-server';

/**
 * GET /open (public), /me (the caller), /read (read:messages), /admin (read+admin), /any (read or
 * admin), POST /write (write:messages).
 * @example await startApp(options, { controllers: [ProbeController] });
 */
@Controller()
export class ProbeController {
  @Public()
  @Get('open')
  open() {
    return { open: true };
  }

  @Get('me')
  me(@Principal() principal: VerifiedPrincipal, @AccessToken() token: string) {
    return {
      sub: principal.subject,
      scopes: principal.scopes,
      clientId: principal.clientId,
      tokenLength: token.length,
    };
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

/**
 * GET /scoped/both: read:messages on the class, admin:messages on the handler (both required).
 * @example await startApp(options, { controllers: [ProbeController, ScopedController] });
 */
@Scopes('read:messages')
@Controller('scoped')
export class ScopedController {
  @Scopes('admin:messages')
  @Get('both')
  both() {
    return { ok: true };
  }
}
