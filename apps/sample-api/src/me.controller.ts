import { Controller, Get } from '@nestjs/common';
import { Principal, type VerifiedPrincipal } from 'nestjs-resource-server';

/** Who is calling: any valid access token. */
@Controller('me')
export class MeController {
  @Get()
  me(@Principal() caller: VerifiedPrincipal) {
    return {
      sub: caller.subject ?? null,
      clientId: caller.clientId ?? null,
      scopes: caller.scopes,
      roles: caller.roles,
      kind: caller.kind,
      tenant: caller.tenant ?? null,
      issuer: caller.issuer,
      audience: caller.audience,
      expiresAt: caller.expiresAt,
    };
  }
}
