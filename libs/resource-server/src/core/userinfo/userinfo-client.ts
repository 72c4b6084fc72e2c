// OpenID Connect Core 1.0 §5.3: the userinfo request, made with the caller's own access token.
// §5.3.2: the response is JSON, or a JWT signed by the issuer (application/jwt), verified with the
// issuer's keys. §5.3.4: a response whose `sub` differs from the token's is discarded, never served.
import { InvalidTokenError, UpstreamError } from '../../errors/resource-server.error.js';
import { HttpClientError, httpRequest } from '../issuer/http-client.js';
import type { VerifiedPrincipal } from '../claims/principal.js';

/** Standard OpenID Connect claims (Core §5.1) plus whatever the provider adds. */
export interface UserInfo {
  sub: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  preferred_username?: string;
  profile?: string;
  picture?: string;
  website?: string;
  email?: string;
  email_verified?: boolean;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: Record<string, unknown>;
  updated_at?: number;
  /** Provider-specific claims, e.g. `phone`, `phone_verified`, `kyc_status`. */
  [claim: string]: unknown;
}

/** What a userinfo call needs besides the caller. */
export interface UserInfoRequest {
  endpoint: string;
  issuer: string;
  timeoutMs: number;
  maxBytes: number;
  /** Verifies a compact JWS signed by the issuer and returns its payload. */
  verifySigned(compact: string): Promise<Readonly<Record<string, unknown>>>;
}

function invalid(reason: string, cause?: unknown): UpstreamError {
  return new UpstreamError('userinfo_invalid', 502, { cause: cause ?? new Error(reason) });
}

async function signedBody(
  request: UserInfoRequest,
  body: string,
  principal: VerifiedPrincipal,
): Promise<Record<string, unknown>> {
  let claims: Readonly<Record<string, unknown>>;
  try {
    claims = await request.verifySigned(body.trim());
  } catch (error) {
    // The issuer's keys being unavailable stays a 503; anything else is a bad response, not a bad token.
    if (error instanceof UpstreamError) throw error;
    throw invalid('signed userinfo does not verify', error);
  }
  if (claims.iss !== undefined && claims.iss !== request.issuer) throw invalid('signed userinfo names another issuer');
  const aud = claims.aud;
  if (aud !== undefined && principal.clientId !== undefined) {
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(principal.clientId)) throw invalid('signed userinfo is for another client');
  }
  return { ...claims };
}

function jsonBody(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (cause) {
    throw invalid('userinfo is not JSON', cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('userinfo is not a JSON object');
  return value as Record<string, unknown>;
}

/** Fetches the caller's userinfo. Throws a `ResourceServerError` (401, 502, 503, 504) on any failure. */
export async function fetchUserInfo(request: UserInfoRequest, principal: VerifiedPrincipal): Promise<UserInfo> {
  let response;
  try {
    response = await httpRequest(request.endpoint, {
      headers: { authorization: `Bearer ${principal.token}`, accept: 'application/json, application/jwt' },
      timeoutMs: request.timeoutMs,
      maxBytes: request.maxBytes,
    });
  } catch (error) {
    if (error instanceof HttpClientError && error.failure === 'timeout')
      throw new UpstreamError('userinfo_timeout', 504, { cause: error });
    throw new UpstreamError('userinfo_unavailable', 502, { cause: error });
  }
  // The issuer no longer honours this token (revoked, expired there): the caller's problem.
  if (response.status === 401) throw new InvalidTokenError('userinfo_rejected');
  if (response.status !== 200)
    throw new UpstreamError('userinfo_unavailable', 502, {
      cause: new Error(`userinfo answered HTTP ${response.status}`),
    });
  const type = (response.headers.get('content-type') ?? '').toLowerCase();
  let info: Record<string, unknown>;
  if (/^application\/jwt\b/.test(type)) info = await signedBody(request, response.body, principal);
  else if (/^application\/([\w.+-]+\+)?json\b/.test(type)) info = jsonBody(response.body);
  else throw invalid(`userinfo content-type ${type || '(none)'}`);
  if (typeof info.sub !== 'string' || info.sub !== principal.subject) {
    throw invalid('userinfo sub does not match the token sub (OIDC Core 5.3.4)');
  }
  return info as UserInfo;
}
