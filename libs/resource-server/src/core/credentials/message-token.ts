// Tokens outside HTTP requests: a socket.io handshake's `auth.token` (raw or `Bearer ...`) and the
// `authorization` field of a message or of its headers (`Bearer ...`, as in RFC 6750 §2.1). One
// token per call, as RFC 6750 §2 asks of requests: two places carrying one are a malformed call.
import { InvalidRequestError, MissingTokenError } from '../../errors/resource-server.error.js';

// RFC 6750 §2.1 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token in a credential value: `Bearer <token>` (scheme case-insensitive), or, with `allowRaw`,
 * the bare token. Undefined when absent; anything else present is `invalid_request`.
 */
export function tokenOfValue(value: unknown, allowRaw: boolean): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError('malformed_authorization');
  const trimmed = value.trim();
  const bearer = /^bearer /i.test(trimmed);
  if (!bearer && !allowRaw) throw new InvalidRequestError('malformed_authorization');
  const token = bearer ? trimmed.slice(7).trim() : trimmed;
  if (!B64TOKEN.test(token)) throw new InvalidRequestError('malformed_authorization');
  return token;
}

/** The one token among the places a call may carry it: none is `MissingTokenError`, several `multiple_tokens`. */
export function oneToken(found: readonly (string | undefined)[]): string {
  const tokens = found.filter((t): t is string => t !== undefined);
  if (tokens.length > 1) throw new InvalidRequestError('multiple_tokens');
  if (tokens.length === 0) throw new MissingTokenError();
  return tokens[0];
}
