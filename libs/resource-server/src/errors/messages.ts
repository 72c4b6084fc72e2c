/**
 * The one table of error codes and the short, client-safe descriptions sent in
 * `error_description` and in the JSON body. Codes are stable: log on them, alert on them.
 * Descriptions never contain the token or anything taken from it.
 */
export const MESSAGES = {
  missing_token: 'A bearer access token is required',
  malformed_authorization: 'The Authorization header is malformed',
  malformed_parameter: 'The access_token parameter is malformed',
  multiple_tokens: 'The request carries more than one access token',
  token_too_large: 'The access token is too large',
  malformed_token: 'The access token is malformed',
  unsupported_algorithm: 'The access token algorithm is not allowed',
  unsupported_header: 'The access token uses an unsupported header parameter',
  wrong_token_type: 'The token is not an access token',
  untrusted_issuer: 'The access token issuer is not trusted',
  unknown_key: 'The access token was signed with an unknown key',
  key_mismatch: 'The access token does not match its signing key',
  bad_signature: 'The access token signature is invalid',
  expired: 'The access token expired',
  not_yet_valid: 'The access token is not yet valid',
  issued_in_future: 'The access token was issued in the future',
  too_old: 'The access token is too old',
  invalid_claim: 'The access token has an invalid claim',
  missing_claim: 'The access token lacks a required claim',
  audience_mismatch: 'The access token is not intended for this audience',
  insufficient_role: 'The access token lacks the role this resource requires',
  claims_rejected: 'The access token does not meet the requirements of this resource',
  insufficient_scope: 'The access token lacks the scope this resource requires',
  inactive_token: 'The access token is not active',
  sender_constrained_token: 'The access token is bound to a key and needs proof of possession',
  introspection_unavailable: 'The token issuer introspection endpoint is temporarily unavailable',
  introspection_busy: 'Too many tokens are being checked at the issuer right now, try again later',
  keys_unavailable: 'The token issuer keys are temporarily unavailable',
  discovery_unavailable: 'The token issuer metadata is temporarily unavailable',
  userinfo_rejected: 'The issuer rejected the access token at its userinfo endpoint',
  userinfo_unavailable: 'The issuer userinfo endpoint is unavailable',
  userinfo_timeout: 'The issuer userinfo endpoint did not answer in time',
  userinfo_invalid: 'The issuer userinfo endpoint answered with an invalid response',
  verification_failed: 'The access token could not be checked, try again later',
  replay_store_unavailable: 'The replay store is temporarily unavailable',
  revoked_token: 'The access token has been revoked',
  invalid_revocation: 'A revocation names exactly one of jti, sid or sub',
  revocation_list_full: 'The revocation list is full',
  unsupported_context: 'This transport is not supported by the access token guard',
  // Sender-constrained tokens: DPoP (RFC 9449) and mutual-TLS certificate binding (RFC 8705).
  unsupported_confirmation: 'The access token is bound by an unsupported confirmation method',
  dpop_bound_token_as_bearer: 'The access token is DPoP-bound and must be sent with the DPoP scheme',
  dpop_required: 'This resource requires a DPoP-bound access token',
  dpop_not_allowed: 'The DPoP scheme is not accepted for this access token',
  token_not_dpop_bound: 'The access token sent with the DPoP scheme is not DPoP-bound',
  dpop_proof_missing: 'The DPoP proof is missing',
  dpop_proof_multiple: 'The request carries more than one DPoP proof',
  dpop_proof_malformed: 'The DPoP proof is malformed',
  dpop_proof_type: 'The DPoP proof typ is not dpop+jwt',
  dpop_proof_algorithm: 'The DPoP proof algorithm is not allowed',
  dpop_proof_key: 'The DPoP proof key is not an acceptable public key',
  dpop_proof_signature: 'The DPoP proof signature is invalid',
  dpop_proof_method: 'The DPoP proof htm does not match the request method',
  dpop_proof_url: 'The DPoP proof htu does not match the request URI',
  dpop_proof_iat: 'The DPoP proof iat is outside the accepted window',
  dpop_proof_replayed: 'The DPoP proof was already used',
  dpop_proof_ath: 'The DPoP proof ath does not match the access token',
  dpop_key_mismatch: 'The DPoP proof key does not match the key the access token is bound to',
  dpop_nonce_required: 'The resource server requires a fresh nonce in the DPoP proof',
  dpop_replay_unavailable: 'DPoP proofs cannot be checked right now, try again later',
  certificate_required: 'The access token is bound to a client certificate and none was presented',
  certificate_mismatch: 'The client certificate does not match the one the access token is bound to',
} as const;

/** A stable error code, e.g. `expired` or `unknown_key`. */
export type ErrorCode = keyof typeof MESSAGES;

/**
 * The object a JWS check was about. Messages of the table name the caller's access token; a JWS the
 * issuer signed (a userinfo response) failing the same check must say so, or logs blame the caller.
 */
export type JwsSubject = 'access token' | 'userinfo response';

/**
 * The table message for `code`, naming `subject` instead of the access token.
 * @example
 * messageFor('bad_signature', 'userinfo response'); // 'The userinfo response signature is invalid'
 */
export function messageFor(code: ErrorCode, subject: JwsSubject = 'access token'): string {
  const message: string = MESSAGES[code];
  return subject === 'access token' ? message : message.replace(/^The access token\b/, `The ${subject}`);
}
