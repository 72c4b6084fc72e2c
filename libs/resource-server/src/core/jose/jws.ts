// RFC 7515 §5.2 (compact JWS validation) and §4.1.11 (crit); RFC 8725 (JWT BCP) for what to refuse
// before any cryptography: unknown algorithms, `none`, unknown critical headers, oversized input;
// and only one spelling per token: canonical base64url, strict UTF-8, no duplicate member names.
import { InvalidTokenError } from '../../errors/resource-server.error.js';
import { isSupportedAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { decodeBase64url } from './base64url.js';
import { parseJsonObject, type DuplicateCheck } from './strict-json.js';

/** A compact JWS split and decoded, not yet verified. */
export interface DecodedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly alg: JwsAlgorithm;
  readonly kid: string | undefined;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

/** Whether the token has the shape of a compact JWS (three base64url segments). Cheap, no decoding. */
export function looksLikeJws(token: string): boolean {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return first > 0 && second > first + 1 && token.indexOf('.', second + 1) === -1 && second < token.length - 1;
}

function decodeSegment(segment: string): Buffer {
  // An empty segment is refused too: no JWS this server verifies has an empty header, payload or signature.
  const bytes = segment.length > 0 ? decodeBase64url(segment) : undefined;
  if (bytes === undefined) throw new InvalidTokenError('malformed_token');
  return bytes;
}

function parseJson(bytes: Buffer, what: 'header' | 'claims', duplicates: DuplicateCheck): Record<string, unknown> {
  const value = parseJsonObject(bytes, duplicates);
  if (value === undefined) {
    // The cause is for logs only: it names the segment, never its content.
    const cause = new Error(`the ${what} segment is not a UTF-8 JSON object with unique member names`);
    throw new InvalidTokenError('malformed_token', { cause });
  }
  return value;
}

/**
 * Splits and decodes a compact JWS and checks its protected header against the allow-list.
 * Throws {@link InvalidTokenError} for anything that is not a well-formed JWS this server may verify.
 */
export function decodeJws(token: string, allowed: ReadonlySet<JwsAlgorithm>): DecodedJws {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('malformed_token');
  const [h, p, s] = parts as [string, string, string];
  // All three segments are checked before anything is used: only the canonical spelling gets further.
  const [headerBytes, payloadBytes, signature] = [decodeSegment(h), decodeSegment(p), decodeSegment(s)];
  const header = parseJson(headerBytes, 'header', 'all-objects');
  if (!isSupportedAlgorithm(header.alg) || !allowed.has(header.alg))
    throw new InvalidTokenError('unsupported_algorithm');
  // RFC 7515 §4.1.11: this implementation understands no extension, so any `crit` is fatal; `b64: false`
  // (RFC 7797) and `zip` (JWE only) would change what the signature covers.
  if (header.crit !== undefined || header.b64 !== undefined || header.zip !== undefined) {
    throw new InvalidTokenError('unsupported_header');
  }
  if (
    header.kid !== undefined &&
    (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256)
  ) {
    throw new InvalidTokenError('malformed_token');
  }
  // Claims: top-level duplicates only (`sub`, `scope`, `aud`: what a first-wins reader acts on); every
  // nested object too costs more than top-level alone (docs/architecture.md, "Canonical tokens").
  const payload = parseJson(payloadBytes, 'claims', 'top-level');
  return {
    header,
    payload,
    alg: header.alg,
    kid: header.kid,
    signingInput: Buffer.from(`${h}.${p}`, 'ascii'),
    signature,
  };
}
