import type { ArgumentsHost } from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { inspect } from 'node:util';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import type { UserInfo } from '../core/userinfo/userinfo-client.js';

// Where a carrier's caller is kept, never in a property such as `request.user` that request data or
// another Passport strategy could set. Both places are shared by every copy of the library in the
// process (the ESM and the CommonJS build) through `Symbol.for` keys:
// - most carriers (a Fastify request, a GraphQL context, a WebSocket client, an RPC context) get a
//   property under a registered symbol: request data cannot create one (JSON has no symbols), and a
//   record is only believed on the carrier it was made for (a copy `{ ...request }` has no caller).
//   A WeakMap entry per request cost a Fastify request about 1.5 us (insertion, then the collector's
//   ephemeron work); the property costs a cached shape transition;
// - Node's IncomingMessage (an Express request) is the exception: Express swaps its prototype on every
//   request, and a symbol read or write there misses on the request and walks its six prototypes
//   (measured slower than the map in the server); there the process-wide WeakMap is used, and the
//   request is left untouched;
// - a carrier that cannot take a property (frozen, sealed) also goes to the WeakMap.
const SLOT = Symbol.for('nestjs-resource-server.caller');
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
// caller on the same carrier starts with no handler checked. Data only (the one method hides the
// claims from `console.log(request)`): another copy of the library reads the same fields.
class Attachment implements Caller {
  constructor(
    /** The carrier, for one kept in a property; undefined in the WeakMap (a value that references its key
     * keeps the key alive through every minor collection: Express requests then died only in major ones). */
    readonly carrier: object | undefined,
    readonly principal: VerifiedPrincipal,
    readonly userInfo: Caller['userInfo'],
    public enforced: object | Set<object> | undefined,
  ) {}

  [inspect.custom](): string {
    return '[verified caller]';
  }
}

function enforce(attachment: Attachment, handler: object): void {
  const { enforced } = attachment;
  if (enforced === undefined || enforced === handler) attachment.enforced = handler;
  else if (enforced instanceof Set) enforced.add(handler);
  else attachment.enforced = new Set([enforced, handler]);
}

function inMap(carrier: object): boolean {
  return carrier instanceof IncomingMessage || !Object.isExtensible(carrier);
}

function attachmentOf(carrier: object | undefined): Attachment | undefined {
  if (carrier === undefined) return undefined;
  if (inMap(carrier)) return CALLERS.get(carrier);
  const attachment = (carrier as { [SLOT]?: Attachment })[SLOT];
  return attachment?.carrier === carrier ? attachment : undefined;
}

/**
 * Attaches the verified caller to a carrier, with the handler whose requirements were just checked
 * against it, if any.
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
  if (inMap(carrier)) CALLERS.set(carrier, new Attachment(undefined, principal, userInfo, enforcedHandler));
  else (carrier as { [SLOT]?: Attachment })[SLOT] = new Attachment(carrier, principal, userInfo, enforcedHandler);
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
