import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { RevocationService, Scopes, type RevocationRequest } from 'nestjs-resource-server';

/** POST /admin/revocations with `{ sub }`, `{ jti }` or `{ sid }`: revoked on every instance. 204. */
@Controller('admin/revocations')
export class RevocationsController {
  constructor(private readonly revocations: RevocationService) {}

  @Scopes('admin:messages')
  @Post()
  @HttpCode(204)
  async revoke(@Body() body: unknown): Promise<void> {
    const { sub, jti, sid } = (typeof body === 'object' && body !== null ? body : {}) as RevocationRequest;
    await this.revocations.revoke({ sub, jti, sid });
  }
}
