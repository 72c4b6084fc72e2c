// RFC 9457 problem details for HTTP APIs: the optional body format of every failure
// (`problemDetails: true`). The RFC 6750 code travels as the `error` extension member.
import { errorBody } from './challenge.js';
import type { ResourceServerError } from './resource-server.error.js';

/**
 * The media type of a problem details body (RFC 9457 §3).
 * @example
 * expect(response.headers['content-type']).toContain(PROBLEM_JSON);
 */
export const PROBLEM_JSON = 'application/problem+json';

/**
 * An RFC 9457 problem details body.
 * @example
 * ```ts
 * declare const responseText: string; // a 401 body with problemDetails: true
 * const problem: ProblemDetails = JSON.parse(responseText);
 * console.log(problem.error, problem.detail);
 * ```
 */
export interface ProblemDetails {
  /** A URI naming the problem type: RFC 6750 §3.1 for bearer token errors, else `about:blank`. */
  type: string;
  /** Short summary of the problem type. */
  title: string;
  status: number;
  /** What went wrong with this call (the same client-safe text as `message` in the JSON body). */
  detail: string;
  /** The RFC 6750 error code, or a short reason such as `unauthorized` (as `error` in the JSON body). */
  error: string;
}

const TITLES: Record<string, string> = {
  invalid_request: 'Invalid request',
  invalid_token: 'Invalid access token',
  insufficient_scope: 'Insufficient scope',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  bad_gateway: 'Bad gateway',
  temporarily_unavailable: 'Service unavailable',
  gateway_timeout: 'Gateway timeout',
};

/**
 * The problem details body for an error.
 * @example
 * problemBody(new InvalidTokenError('expired')); // { type: 'https://www.rfc-editor.org/rfc/rfc6750#section-3.1', status: 401, ... }
 */
export function problemBody(error: ResourceServerError): ProblemDetails {
  const body = errorBody(error);
  return {
    type: error.bearerError ? 'https://www.rfc-editor.org/rfc/rfc6750#section-3.1' : 'about:blank',
    title: TITLES[body.error] ?? 'Error',
    status: body.statusCode,
    detail: body.message,
    error: body.error,
  };
}
