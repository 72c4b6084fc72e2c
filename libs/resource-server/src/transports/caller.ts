import type { ArgumentsHost } from '@nestjs/common';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import type { UserInfo } from '../core/userinfo/userinfo-client.js';

// Callers live in a WeakMap keyed by their carrier, not in a property such as `request.user`: nothing
// else (another passport strategy, a body parser, request data) can set or overwrite them, so a
// handler never mistakes someone else's object for a verified caller; and the carrier's shape is left
// alone (a new property on an Express request, whose prototype Express swaps per request, cost more
// than the rest of a cached verification). One map per process, under a `Symbol.for` key, so that the
// ESM and the CommonJS build of the library agree on it.
const CALLERS: WeakMap<object, Attachment> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('nestjs-resource-server.callers')
] ??= new WeakMap()) as WeakMap<object, Attachment>;

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
  // By argument index, which is what `switchToHttp().getRequest()` & co. return: those allocate an
  // object and three closures, and copy them onto the context, on every call.
  const carrier = ((): unknown => {
    switch (host.getType<string>()) {
      case 'http': // [request, response, next]
        return host.getArgByIndex(0);
      case 'graphql': // [root, args, context, info]
        return host.getArgByIndex(2);
      case 'ws': // [client, data, pattern]
        return host.getArgByIndex(0);
      case 'rpc': // [data, context]
        // TCP, Redis, NATS, ...: the per-message context; gRPC: the call's metadata.
        return host.getArgByIndex(1);
      default:
        return undefined;
    }
  })();
  return typeof carrier === 'object' && carrier !== null ? carrier : undefined;
}

// What the carrier holds: the caller, and the handlers whose requirements were checked against that
// caller (one for an HTTP request; a set when one GraphQL context carries several resolvers). A new
// caller on the same carrier starts with no handler checked. Plain data, no methods: another copy of
// the library in the process shares the map (see above) and reads the same fields.
interface Attachment extends Caller {
  enforced: object | Set<object> | undefined;
}

function enforce(attachment: Attachment, handler: object): void {
  const { enforced } = attachment;
  if (enforced === undefined || enforced === handler) attachment.enforced = handler;
  else if (enforced instanceof Set) enforced.add(handler);
  else attachment.enforced = new Set([enforced, handler]);
}

function attachmentOf(carrier: object | undefined): Attachment | undefined {
  return carrier === undefined ? undefined : CALLERS.get(carrier);
}

/**
 * Attaches the verified caller to a carrier, with the handler whose requirements were just checked
 * against it, if any. The carrier itself is not modified.
 */
export function attachCaller(
  carrier: object,
  principal: VerifiedPrincipal,
  userInfo: Caller['userInfo'],
  enforcedHandler?: object,
): void {
  const current = attachmentOf(carrier);
  if (current !== undefined && current.principal === principal && current.userInfo === userInfo) {
    if (enforcedHandler !== undefined) enforce(current, enforcedHandler);
    return;
  }
  const attachment: Attachment = { principal, userInfo, enforced: enforcedHandler };
  CALLERS.set(carrier, attachment);
}

/** The verified caller of a carrier, if the pipeline accepted it. */
export function callerOf(carrier: object | undefined): Caller | undefined {
  return attachmentOf(carrier);
}

/** Records that a handler's requirements were checked against the carrier's caller (which must be attached). */
export function markEnforced(carrier: object, handler: object): void {
  const attachment = attachmentOf(carrier);
  if (attachment !== undefined) enforce(attachment, handler);
}

/** Whether a handler's requirements were checked against the carrier's current caller. */
export function wasEnforced(carrier: object, handler: object): boolean {
  const enforced = attachmentOf(carrier)?.enforced;
  return enforced === handler || (enforced instanceof Set && enforced.has(handler));
}
