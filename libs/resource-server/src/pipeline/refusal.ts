// The application's hook on every refused call (for audit logs), fed from the pipeline: one place
// for every transport. It gets codes and names, never the token or its claims.
import type { ResourceServerError } from '../errors/resource-server.error.js';
import type { ErrorCode } from '../errors/messages.js';

/**
 * What an `onRefusal` hook learns about one refused call.
 * @example
 * ```ts
 * ResourceServerModule.forRoot({
 *   issuer: 'https://id.example.com/',
 *   audience: 'https://api.example.com',
 *   onRefusal: (refusal: Refusal) => console.warn(`${refusal.code} ${refusal.status} ${refusal.route}`),
 * });
 * ```
 */
export interface Refusal {
  /** Stable code, e.g. `expired`, `insufficient_scope`, `keys_unavailable`. */
  readonly code: ErrorCode;
  /** The status the call is answered with (401, 403, 400, 503, ...). */
  readonly status: number;
  /** The RFC 6750 error code, when there is one. */
  readonly bearerError: string | undefined;
  /** The trusted issuer of the token, when known (never a value taken from an untrusted token). */
  readonly issuer: string | undefined;
  /** The context type: `http`, `graphql`, `ws`, `rpc`, ... */
  readonly transport: string;
  /** `Controller.handler` of the refused route. */
  readonly route: string;
  /** HTTP only: method and path of the request, without its query string. */
  readonly request?: { readonly method: string; readonly path: string };
}

/** Builds the refusal record for a failure. */
export function refusalOf(
  error: ResourceServerError,
  issuer: string | undefined,
  transport: string,
  route: string,
  request: Refusal['request'],
): Refusal {
  return {
    code: error.code,
    status: error.status,
    bearerError: error.bearerError,
    issuer,
    transport,
    route,
    ...(request ? { request } : {}),
  };
}
