import { InsufficientScopeError, type ResourceServerError } from './resource-server.error.js';
import { errorBody } from './challenge.js';

/**
 * A failure as transports without HTTP headers carry it (RPC replies, WebSocket `exception` events),
 * in Nest's `{ status: 'error', message }` convention: the RFC 6750 code (or a short reason) as
 * `error`, and for a scope failure the scopes the handler requires.
 */
export interface ErrorPayload {
  readonly status: 'error';
  readonly error: string;
  readonly message: string;
  readonly scope?: string;
}

/** The payload of a failure. Never contains the token or a stack trace. */
export function errorPayload(error: ResourceServerError): ErrorPayload {
  const { error: code, message } = errorBody(error);
  if (error instanceof InsufficientScopeError)
    return { status: 'error', error: code, message, scope: error.requiredScopes.join(' ') };
  return { status: 'error', error: code, message };
}
