// RFC 6750 §3: the WWW-Authenticate challenge of the Bearer scheme.
import type { ResourceServerError } from './resource-server.error.js';
import { InsufficientScopeError, UpstreamError } from './resource-server.error.js';

// RFC 6750 §3: error_description and scope values are limited to %x20-21 / %x23-5B / %x5D-7E,
// so neither a quote nor a backslash can ever appear and no escaping is needed.
const UNSAFE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

export function param(name: string, value: string): string {
  return `${name}="${value.replace(UNSAFE, '')}"`;
}

/**
 * Builds the `WWW-Authenticate` value for an error: a bare `Bearer realm="..."` for a missing token
 * or an upstream outage, otherwise with `error`, `error_description` and (for 403) `scope`.
 * @example buildChallenge('api', new InvalidTokenError('expired'))
 * // 'Bearer realm="api", error="invalid_token", error_description="The access token expired"'
 */
export function buildChallenge(realm: string, error?: ResourceServerError): string {
  const params = [param('realm', realm)];
  if (error?.bearerError) {
    params.push(param('error', error.bearerError), param('error_description', error.message));
    if (error instanceof InsufficientScopeError) params.push(param('scope', error.requiredScopes.join(' ')));
  }
  return `Bearer ${params.join(', ')}`;
}

/** The JSON body every failed request gets: one shape, Nest's usual field names. */
export interface ErrorBody {
  statusCode: number;
  /** The RFC 6750 code where there is one, else a short reason such as `unauthorized`. */
  error: string;
  message: string;
}

const FALLBACK_ERROR: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  502: 'bad_gateway',
  503: 'temporarily_unavailable',
  504: 'gateway_timeout',
};

/** The response body for an error. */
export function errorBody(error: ResourceServerError): ErrorBody {
  return {
    statusCode: error.status,
    error: error.bearerError ?? FALLBACK_ERROR[error.status] ?? 'error',
    message: error.message,
  };
}

/** The response headers for an error: the challenge, and `Retry-After` for an upstream outage. */
export function errorHeaders(realm: string, error: ResourceServerError): [name: string, value: string][] {
  const headers: [string, string][] = [['WWW-Authenticate', buildChallenge(realm, error)]];
  if (error instanceof UpstreamError && error.retryAfterSeconds !== undefined) {
    headers.push(['Retry-After', String(error.retryAfterSeconds)]);
  }
  return headers;
}
