import { createParamDecorator, Logger, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { errorPayload } from '../errors/payload.js';
import { MissingTokenError } from '../errors/resource-server.error.js';
import { callerOf, carrierOf, type Caller } from '../transports/caller.js';
import { loadedPeers } from '../transports/optional-peers.js';

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
    logger.warn(
      `A handler of ${context.getClass().name} asked for the verified caller, but no AccessTokenGuard admitted one: apply the guard (and do not mark the handler @Public)`,
    );
  }
  throw missingCaller(context.getType());
}

// Outside HTTP the library's filter may not be reached (gateways never get global filters; a hybrid
// app's microservice only with `inheritAppConfig`): answer in the transport's own exception.
function missingCaller(type: string): Error {
  const error = new MissingTokenError();
  const peers = loadedPeers();
  if (type === 'rpc' && peers?.RpcException) return new peers.RpcException(errorPayload(error));
  if (type === 'ws' && peers?.WsException) return new peers.WsException(errorPayload(error));
  return error;
}

/** A pipe as parameter decorators take it: a class or an instance. */
export type ParamPipe = Type<PipeTransform> | PipeTransform;

/**
 * The type of this library's parameter decorators: optional data, then pipes. Spelled out with names
 * that Nest 11 and Nest 12 both export, so the published types compile against either.
 * @example
 * ```ts
 * const Subject: ParamDecoratorFactory<'subject'> = Principal;
 * ```
 */
export type ParamDecoratorFactory<Data> = (data?: Data, ...pipes: ParamPipe[]) => ParameterDecorator;

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
export const Principal: ParamDecoratorFactory<keyof VerifiedPrincipal> = createParamDecorator(
  (field: keyof VerifiedPrincipal | undefined, context: ExecutionContext) => {
    const principal = requireCaller(context).principal;
    return field === undefined ? principal : principal[field];
  },
);

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
export const AccessToken: (...pipes: ParamPipe[]) => ParameterDecorator = createParamDecorator(
  (_: unknown, context: ExecutionContext) => requireCaller(context).principal.token,
);
