import { createParamDecorator, Logger, type ExecutionContext } from '@nestjs/common';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { MissingTokenError } from '../errors/resource-server.error.js';
import { callerOf, carrierOf, type Caller } from '../transports/caller.js';

const logger = new Logger('ResourceServer');
let warned = false;

/**
 * The verified caller of the current call, on any transport. A handler asking for it where no guard
 * admitted a caller (no `AccessTokenGuard`, or `@Public()`) gets a missing-token failure (401 over
 * HTTP): fail closed, never an empty identity, never a 500.
 */
export function requireCaller(context: ExecutionContext): Caller {
  const caller = callerOf(carrierOf(context));
  if (caller) return caller;
  if (!warned) {
    warned = true;
    logger.warn(`A handler of ${context.getClass().name} asked for the verified caller, but no AccessTokenGuard admitted one: apply the guard (and do not mark the handler @Public)`);
  }
  throw new MissingTokenError();
}

/**
 * Injects the verified caller, or one of its fields.
 * @example
 * ```ts
 * @Controller('me')
 * class MeController {
 *   @Get() me(@Principal() caller: VerifiedPrincipal) { return caller.subject; }
 *   @Get('sub') sub(@Principal('subject') sub: string) { return sub; }
 * }
 * ```
 */
export const Principal = createParamDecorator((field: keyof VerifiedPrincipal | undefined, context: ExecutionContext) => {
  const principal = requireCaller(context).principal;
  return field === undefined ? principal : principal[field];
});

/**
 * Injects the raw, verified access token (e.g. to call a downstream API on the caller's behalf).
 * @example
 * ```ts
 * @Controller('orders')
 * class OrdersController {
 *   @Get() orders(@AccessToken() token: string) { return fetch('https://orders.internal/', { headers: { authorization: `Bearer ${token}` } }); }
 * }
 * ```
 */
export const AccessToken = createParamDecorator((_: unknown, context: ExecutionContext) => requireCaller(context).principal.token);
