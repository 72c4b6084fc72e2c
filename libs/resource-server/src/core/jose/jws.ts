// RFC 7515 §5.2 (compact JWS validation) and §4.1.11 (crit); RFC 8725 (JWT BCP) for what to refuse
// before any cryptography: unknown algorithms, `none`, unknown critical headers, oversized input.
import { InvalidTokenError } from '../../errors/resource-server.error.js';
import { isSupportedAlgorithm, type JwsAlgorithm } from './algorithms.js';

/** A compact JWS split and decoded, not yet verified. */
export interface DecodedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly alg: JwsAlgorithm;
  readonly kid: string | undefined;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Whether the token has the shape of a compact JWS (three base64url segments). Cheap, no decoding. */
export function looksLikeJws(token: string): boolean {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return first > 0 && second > first + 1 && token.indexOf('.', second + 1) === -1 && second < token.length - 1;
}

function decodeJson(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new InvalidTokenError('malformed_token', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError('malformed_token');
  return value as Record<string, unknown>;
}

/**
 * Splits and decodes a compact JWS and checks its protected header against the allow-list.
 * Throws {@link InvalidTokenError} for anything that is not a well-formed JWS this server may verify.
 */
export function decodeJws(token: string, allowed: ReadonlySet<JwsAlgorithm>): DecodedJws {
  const parts = token.split('.');
  // Node's base64url decoder skips characters it does not know, so the alphabet is checked first:
  // otherwise two different strings could decode to the same token.
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw new InvalidTokenError('malformed_token');
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  if (!isSupportedAlgorithm(header.alg) || !allowed.has(header.alg)) throw new InvalidTokenError('unsupported_algorithm');
  // RFC 7515 §4.1.11: this implementation understands no extension, so any `crit` is fatal; `b64: false`
  // (RFC 7797) and `zip` (JWE only) would change what the signature covers.
  if (header.crit !== undefined || header.b64 !== undefined || header.zip !== undefined) {
    throw new InvalidTokenError('unsupported_header');
  }
  if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256)) {
    throw new InvalidTokenError('malformed_token');
  }
  const payload = decodeJson(p);
  return {
    header,
    payload,
    alg: header.alg,
    kid: header.kid as string | undefined,
    signingInput: Buffer.from(`${h}.${p}`, 'ascii'),
    signature: Buffer.from(s, 'base64url'),
  };
}
