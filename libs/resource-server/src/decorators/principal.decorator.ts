import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal as VerifiedPrincipal } from '../core/claims/principal.js';
import { principalOf } from '../guards/request-principal.js';

function requirePrincipal(context: ExecutionContext): VerifiedPrincipal {
  const principal = principalOf(context.switchToHttp().getRequest());
  // A handler asking for the caller on a route the guard did not protect is a programming error:
  // fail closed rather than hand it an empty identity.
  if (!principal) throw new Error('No verified principal: apply AccessTokenGuard to this route (and do not mark it @Public)');
  return principal;
}

/**
 * Injects the verified caller, or one of its fields.
 * @example
 * ```ts
 * @Get('me') me(@Principal() caller: Principal) { return caller.subject; }
 * @Get('who') who(@Principal('subject') sub: string) { return sub; }
 * ```
 */
export const Principal = createParamDecorator((field: keyof VerifiedPrincipal | undefined, context: ExecutionContext) => {
  const principal = requirePrincipal(context);
  return field === undefined ? principal : principal[field];
});

/**
 * Injects the raw, verified access token (e.g. to call a downstream API on the caller's behalf).
 * @example
 * ```ts
 * @Get('orders') orders(@AccessToken() token: string) { return this.downstream.get('/orders', token); }
 * ```
 */
export const AccessToken = createParamDecorator((_: unknown, context: ExecutionContext) => requirePrincipal(context).token);
