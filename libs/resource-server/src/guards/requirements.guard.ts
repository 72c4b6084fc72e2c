import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { enforceRequirements } from '../pipeline/enforce-requirements.js';
import { readRouteRequirements, RequirementsCache } from '../pipeline/route-requirements.js';

/**
 * Enforces `@Scopes`, `@AnyScope`, `@Roles`, `@AnyRole` and `@RequireClaims` against the caller
 * that an authentication guard placed before it verified (e.g. `AuthGuard('jwt')` with
 * `ResourceServerJwtStrategy`). Fails with 403 (`insufficient_scope` challenge for scopes), and
 * refuses a route with requirements when no verified caller is present.
 *
 * Optional: `ResourceServerModule` also checks these requirements in a global interceptor before
 * every handler. Use this guard to check them in the guard phase, before other interceptors run.
 * @example
 * ```ts
 * @Controller('messages')
 * @UseGuards(AuthGuard('jwt'), RequirementsGuard)
 * export class MessagesController {
 *   @Scopes('read:messages') @Get() list() { return []; }
 * }
 * ```
 */
@Injectable()
export class RequirementsGuard implements CanActivate {
  private readonly requirements = new RequirementsCache((context) => readRouteRequirements(this.reflector, context));

  constructor(protected readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    enforceRequirements(context, this.requirements);
    return true;
  }
}
