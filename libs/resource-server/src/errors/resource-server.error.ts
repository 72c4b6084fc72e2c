import { MESSAGES, type ErrorCode } from './messages.js';

/** RFC 6750 §3.1 error codes, and RFC 9449 §7.1 / §9 for the DPoP scheme. */
export type BearerErrorCode =
  'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce';

/**
 * Base of every error the resource server raises for a request. Framework-free: the guard turns it
 * into an HTTP answer (status, `WWW-Authenticate` challenge, JSON body). `cause` keeps the
 * underlying error for logs; it is never sent to the client.
 */
export abstract class ResourceServerError extends Error {
  /** HTTP status the request is answered with. */
  abstract readonly status: number;
  /** The RFC 6750 error code for the challenge, or undefined for a bare challenge. */
  abstract readonly bearerError: BearerErrorCode | undefined;

  constructor(
    /** Stable machine-readable code, see {@link MESSAGES}. */
    readonly code: ErrorCode,
    options?: { cause?: unknown; description?: string },
  ) {
    super(options?.description ?? MESSAGES[code], { cause: options?.cause });
    this.name = new.target.name;
  }
}

/** No token at all (RFC 6750 §3.1: the challenge carries no error code). 401. */
export class MissingTokenError extends ResourceServerError {
  readonly status = 401;
  readonly bearerError = undefined;
  constructor() {
    super('missing_token');
  }
}

/** The request is malformed: several tokens, a broken Authorization header. 400 `invalid_request`. */
export class InvalidRequestError extends ResourceServerError {
  readonly status = 400;
  readonly bearerError = 'invalid_request' as const;
}

/** The token is expired, forged, malformed or not meant for us. 401 `invalid_token`. */
export class InvalidTokenError extends ResourceServerError {
  readonly status = 401;
  readonly bearerError = 'invalid_token' as const;
}

/** The token is valid but lacks what the route requires. 403 `insufficient_scope`. */
export class InsufficientScopeError extends ResourceServerError {
  readonly status = 403;
  readonly bearerError = 'insufficient_scope' as const;
  constructor(
    /** The scopes the route requires, named in the challenge's `scope` parameter. */
    readonly requiredScopes: readonly string[],
  ) {
    super('insufficient_scope');
  }
}

/**
 * The token is valid but the caller lacks a role or fails a claim requirement (`@Roles`,
 * `@RequireClaims`). 403 with a bare challenge: `insufficient_scope` is kept for scopes.
 */
export class ForbiddenError extends ResourceServerError {
  readonly status = 403;
  readonly bearerError = undefined;
  constructor(
    code: 'insufficient_role' | 'claims_rejected',
    /** The roles the route requires, for logs. */
    readonly requiredRoles: readonly string[] = [],
    /** Why, for logs only (a misused decorator, say). */
    readonly detail?: string,
  ) {
    super(code, { cause: detail === undefined ? undefined : new Error(detail) });
  }
}

/**
 * The issuer (discovery, JWKS) could not be reached or answered garbage: not the caller's fault,
 * so not a 401. 503 by default with `Retry-After`; the `cause` says what failed.
 */
export class UpstreamError extends ResourceServerError {
  readonly bearerError = undefined;
  constructor(
    code: ErrorCode,
    readonly status: 502 | 503 | 504 = 503,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(code, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  /** Seconds after which a retry may succeed, sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;
}

/**
 * The DPoP proof of the request is missing, malformed or does not match it (RFC 9449 §4.3, §7.1).
 * 401 `invalid_dpop_proof`, answered with a `DPoP` challenge.
 */
export class InvalidDpopProofError extends ResourceServerError {
  readonly status = 401;
  readonly bearerError = 'invalid_dpop_proof' as const;
}

/**
 * The resource server wants a (fresh) server nonce in the DPoP proof (RFC 9449 §9). 401
 * `use_dpop_nonce`, with the nonce to use in the `DPoP-Nonce` response header.
 */
export class UseDpopNonceError extends ResourceServerError {
  readonly status = 401;
  readonly bearerError = 'use_dpop_nonce' as const;
  constructor(
    /** The nonce the client must put in its next proof. */
    readonly nonce: string,
  ) {
    super('dpop_nonce_required');
  }
}
