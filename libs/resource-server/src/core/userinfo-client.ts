// OpenID Connect Core 1.0 §5.3: the userinfo request, made with the caller's own access token.
// §5.3.4: a response whose `sub` differs from the token's is discarded, never served.
import { InvalidTokenError, UpstreamError } from '../errors/resource-server.error.js';
import { HttpClientError, httpRequest } from './http-client.js';
import type { Principal } from './principal.js';
import type { Runtime } from './runtime.js';

/** Standard OpenID Connect claims (Core §5.1) plus whatever the provider adds. */
export interface UserInfo {
  sub: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
  picture?: string;
  locale?: string;
  updated_at?: number;
  [claim: string]: unknown;
}

function upstream(error: unknown): UpstreamError {
  if (error instanceof HttpClientError && error.failure === 'timeout') return new UpstreamError('userinfo_timeout', 504, { cause: error });
  return new UpstreamError('userinfo_unavailable', 502, { cause: error });
}

/** Fetches the caller's userinfo from `endpoint`. Throws a `ResourceServerError` on any failure. */
export async function fetchUserInfo(endpoint: string, principal: Principal, runtime: Runtime): Promise<UserInfo> {
  let response;
  try {
    response = await httpRequest(endpoint, {
      headers: { authorization: `Bearer ${principal.token}`, accept: 'application/json' },
      timeoutMs: runtime.httpTimeoutMs,
      maxBytes: runtime.maxResponseBytes,
    });
  } catch (error) {
    throw upstream(error);
  }
  if (response.status === 401) throw new InvalidTokenError('userinfo_rejected');
  if (response.status !== 200) throw upstream(new Error(`userinfo answered HTTP ${response.status}`));
  const type = response.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new UpstreamError('userinfo_invalid', 502, { cause: new Error(`userinfo content-type ${type || '(none)'}`) });
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch (cause) {
    throw new UpstreamError('userinfo_invalid', 502, { cause });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UpstreamError('userinfo_invalid', 502, { cause: new Error('userinfo is not a JSON object') });
  }
  const info = body as Record<string, unknown>;
  if (typeof info.sub !== 'string' || info.sub !== principal.subject) {
    throw new UpstreamError('userinfo_invalid', 502, { cause: new Error('userinfo sub does not match the token sub (OIDC Core 5.3.4)') });
  }
  return info as UserInfo;
}
