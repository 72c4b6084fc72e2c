import type { ArgumentsHost } from '@nestjs/common';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import type { UserInfo } from '../core/userinfo/userinfo-client.js';

// A symbol key, not `request.user`: nothing else (another passport strategy, a body parser) can set
// or overwrite it from request data, so a handler never mistakes someone else's object for a verified
// caller. `Symbol.for`, so that the ESM and the CommonJS build of the library agree on it.
const CALLER = Symbol.for('nestjs-resource-server.caller');

/** What the pipeline leaves on an accepted call. */
export interface Caller {
  readonly principal: VerifiedPrincipal;
  /** Loads the caller's userinfo (cached, single flight). */
  readonly userInfo: { get(principal: VerifiedPrincipal): Promise<UserInfo> };
}

/**
 * The object that lives exactly as long as one call of a transport and carries its caller: the HTTP
 * request, the GraphQL context, the WebSocket client, the RPC context. Undefined for a context type
 * this library does not know.
 */
export function carrierOf(host: ArgumentsHost): object | undefined {
  const carrier = ((): unknown => {
    switch (host.getType<string>()) {
      case 'http':
        return host.switchToHttp().getRequest();
      case 'graphql':
        return host.getArgByIndex(2);
      case 'ws':
        return host.switchToWs().getClient();
      case 'rpc':
        // TCP, Redis, NATS, ...: the per-message context; gRPC: the call's metadata.
        return host.switchToRpc().getContext();
      default:
        return undefined;
    }
  })();
  return typeof carrier === 'object' && carrier !== null ? carrier : undefined;
}

/** Attaches the verified caller to a carrier. Symbol keys stay out of JSON and `Object.keys`. */
export function attachCaller(carrier: object, caller: Caller): void {
  Object.defineProperty(carrier, CALLER, { value: caller, configurable: true, enumerable: false, writable: false });
}

/** The verified caller of a carrier, if the pipeline accepted it. */
export function callerOf(carrier: object | undefined): Caller | undefined {
  return carrier === undefined ? undefined : (carrier as { [CALLER]?: Caller })[CALLER];
}

// The handlers whose requirements were checked against the caller of a carrier. A set, because one
// GraphQL context carries every resolver of an operation. `Symbol.for` for both builds, as above.
const ENFORCED = Symbol.for('nestjs-resource-server.enforced');

/** Records that a handler's requirements were checked against the carrier's caller. */
export function markEnforced(carrier: object, handler: object): void {
  let handlers = (carrier as { [ENFORCED]?: WeakSet<object> })[ENFORCED];
  if (!handlers) {
    handlers = new WeakSet();
    Object.defineProperty(carrier, ENFORCED, {
      value: handlers,
      configurable: true,
      enumerable: false,
      writable: false,
    });
  }
  handlers.add(handler);
}

/** Whether a handler's requirements were checked against the carrier's caller. */
export function wasEnforced(carrier: object, handler: object): boolean {
  return (carrier as { [ENFORCED]?: WeakSet<object> })[ENFORCED]?.has(handler) === true;
}
