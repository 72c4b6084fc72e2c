// RFC 6750 §3 and RFC 9449 §7.1: when both the Bearer and the DPoP scheme are accepted, a 401 or 403
// carries a challenge for each; the error goes into the challenge of the scheme the request used
// (a DPoP proof error always into the DPoP one). RFC 9449 §9: a nonce error comes with `DPoP-Nonce`.
// RFC 9728 §5.1: each challenge names the protected-resource metadata when it is served.
import { param } from './challenge.js';
import {
  InsufficientScopeError,
  InvalidDpopProofError,
  UpstreamError,
  UseDpopNonceError,
  type ResourceServerError,
} from './resource-server.error.js';

/** Which challenges an HTTP answer carries. */
export interface ChallengeSettings {
  readonly realm: string;
  /** Whether the Bearer scheme is accepted (some issuer's tokens may be sent as Bearer). */
  readonly bearer: boolean;
  /** Whether the DPoP scheme is accepted; its challenge then lists `algs`. */
  readonly dpop: boolean;
  readonly dpopAlgorithms: readonly string[];
  /** The RFC 9728 metadata URL, when served. */
  readonly resourceMetadata: string | undefined;
}

function challenge(
  scheme: 'Bearer' | 'DPoP',
  settings: ChallengeSettings,
  error: ResourceServerError | undefined,
): string {
  const params = [param('realm', settings.realm)];
  if (scheme === 'DPoP') params.push(param('algs', settings.dpopAlgorithms.join(' ')));
  if (error?.bearerError) {
    params.push(param('error', error.bearerError), param('error_description', error.message));
    if (error instanceof InsufficientScopeError) params.push(param('scope', error.requiredScopes.join(' ')));
  }
  if (settings.resourceMetadata !== undefined)
    params.push(`resource_metadata="${settings.resourceMetadata.replace(/["\\\s]/g, '')}"`);
  return `${scheme} ${params.join(', ')}`;
}

/**
 * The response headers for a failure of a request made with `scheme`: `WWW-Authenticate` with one
 * challenge per accepted scheme, `Retry-After` for an outage, `DPoP-Nonce` for `use_dpop_nonce`.
 * @example challengeHeaders({ realm: 'api', bearer: true, dpop: true, dpopAlgorithms: ['ES256'], resourceMetadata: undefined }, new MissingTokenError(), 'bearer')
 * // [['WWW-Authenticate', 'Bearer realm="api", DPoP realm="api", algs="ES256"']]
 */
export function challengeHeaders(
  settings: ChallengeSettings,
  error: ResourceServerError,
  scheme: 'bearer' | 'dpop',
): [name: string, value: string][] {
  const dpopError = error instanceof InvalidDpopProofError || error instanceof UseDpopNonceError;
  // Only accepted schemes are offered; the error goes to the request's scheme, or to the one offered.
  const bearer = settings.bearer || !settings.dpop;
  const errorScheme = dpopError || !bearer ? 'dpop' : settings.dpop ? scheme : 'bearer';
  const challenges: string[] = [];
  if (bearer) challenges.push(challenge('Bearer', settings, errorScheme === 'bearer' ? error : undefined));
  if (settings.dpop || dpopError)
    challenges.push(challenge('DPoP', settings, errorScheme === 'dpop' ? error : undefined));
  const headers: [string, string][] = [['WWW-Authenticate', challenges.join(', ')]];
  if (error instanceof UpstreamError && error.retryAfterSeconds !== undefined)
    headers.push(['Retry-After', String(error.retryAfterSeconds)]);
  if (error instanceof UseDpopNonceError) headers.push(['DPoP-Nonce', error.nonce]);
  return headers;
}
