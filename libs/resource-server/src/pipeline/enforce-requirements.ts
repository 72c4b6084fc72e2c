// Route requirements behind any authentication guard: `@Scopes`, `@AnyScope`, `@Roles`, `@AnyRole`
// and `@RequireClaims` are checked against the verified caller whoever authenticated it (the
// library's guard, its Passport strategy). A route with requirements that no verified caller reached
// is refused: requirements are never silently ignored.
import { Logger, type ExecutionContext } from '@nestjs/common';
import { authorize, hasRequirements, type Requirements } from '../core/authorization/requirements.js';
import { ForbiddenError } from '../errors/resource-server.error.js';
import { callerOf, carrierOf, markEnforced, wasEnforced } from '../transports/caller.js';

const logger = new Logger('ResourceServer');
const reported = new WeakSet<object>();

/**
 * Checks the handler's requirements against the verified caller of the call, unless the pipeline
 * already did for this handler. Throws a 403 `ResourceServerError` when they are not met, or when
 * the route has requirements and no verified caller (no `AccessTokenGuard`, no library strategy).
 * The handler's requirements are only looked up when they are not known to be checked: most calls
 * were admitted by the library's guard, and then this is one lookup on the carrier.
 */
export function enforceRequirements(
  context: ExecutionContext,
  requirements: { get(context: ExecutionContext): Requirements },
): void {
  const handler = context.getHandler();
  const carrier = carrierOf(context);
  if (carrier && wasEnforced(carrier, handler)) return;
  const required = requirements.get(context);
  if (!hasRequirements(required)) return;
  const caller = callerOf(carrier);
  if (!caller) throw unchecked(context, handler);
  authorize(caller.principal, required);
  if (carrier) markEnforced(carrier, handler);
}

function unchecked(context: ExecutionContext, handler: object): ForbiddenError {
  const route = `${context.getClass().name}.${(handler as { name?: string }).name ?? '(handler)'}`;
  if (!reported.has(handler)) {
    reported.add(handler);
    logger.warn(
      `Refused a call to ${route}: it has scope/role/claim requirements but no verified caller reached it. ` +
        `Authenticate it with AccessTokenGuard or the library's Passport strategy (nestjs-resource-server/passport), and do not mark it @Public()`,
    );
  }
  return new ForbiddenError('claims_rejected', [], `requirements of ${route} were not checked by any guard`);
}
