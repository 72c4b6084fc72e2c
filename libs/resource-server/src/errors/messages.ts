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
  introspection_unavailable: 'The token issuer introspection endpoint is temporarily unavailable',
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
} as const;

/** A stable error code, e.g. `expired` or `unknown_key`. */
export type ErrorCode = keyof typeof MESSAGES;
