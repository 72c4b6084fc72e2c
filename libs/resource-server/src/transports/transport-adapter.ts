import type { ArgumentsHost, ExecutionContext } from '@nestjs/common';
import type { ResourceServerError } from '../errors/resource-server.error.js';
import type { Presentation } from '../core/binding/sender-constraint.js';

/**
 * The credential a call presents: an access token, how it was presented, and any proof of
 * possession that came with it (a DPoP proof, a TLS client certificate).
 */
export interface Credential extends Presentation {
  /** The access token, exactly as presented. */
  readonly token: string;
  /** The authorization scheme it came with: `bearer` (RFC 6750) or `dpop` (RFC 9449, with `dpop` set). */
  readonly scheme: 'bearer' | 'dpop';
}

/**
 * What the pipeline needs to know about one kind of Nest context (`context.getType()`): where the
 * credential is, and what a failure looks like there. The rules themselves (verification,
 * scopes, roles) are never part of an adapter.
 * @example
 * ```ts
 * const queueTransport: TransportAdapter = {
 *   type: 'rpc',
 *   credential: (context) => ({ token: String(context.switchToRpc().getData().token), scheme: 'bearer' }),
 *   reject: (error) => error,
 *   respond: (error) => { throw error; },
 * };
 * ```
 */
export interface TransportAdapter {
  /** The context type it serves: `http`, `graphql`, `ws`, `rpc`, ... */
  readonly type: string;
  /**
   * The credential of the call. Throws `MissingTokenError` when there is none and
   * `InvalidRequestError` when the call is malformed (two tokens, a broken header).
   */
  credential(context: ExecutionContext): Credential;
  /** What a guard throws for a failure (after setting any response header it needs). */
  reject(error: ResourceServerError, context: ExecutionContext): unknown;
  /** How the library's exception filter answers a failure raised inside a handler. */
  respond(error: ResourceServerError, host: ArgumentsHost): unknown;
  /** Sets a header on the answer of an admitted call (e.g. a fresh `DPoP-Nonce`); transports without headers omit it. */
  setHeader?(context: ExecutionContext, name: string, value: string): void;
}
