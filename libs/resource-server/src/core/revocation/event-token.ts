// Signed event tokens that revoke: OpenID Connect Back-Channel Logout 1.0 logout tokens (§2.4, §2.6)
// and RFC 8417 Security Event Tokens. Both are JWTs whose checks differ from an access token's: they
// carry `events` instead of scopes, must never be accepted as access tokens (explicit `typ`, RFC 8725
// §3.11), and are single-use (`jti`).
import { verifySignature, type JwsAlgorithm } from '../jose/algorithms.js';
import { decodeJws, looksLikeJws } from '../jose/jws.js';
import type { JwksKeyStore } from '../issuer/key-store.js';
import { UpstreamError } from '../../errors/resource-server.error.js';

/** Why an event token was refused; `code` follows RFC 8935 §2.3 for SETs. */
export class EventTokenError extends Error {
  constructor(
    readonly code: 'invalid_request' | 'invalid_issuer' | 'invalid_audience' | 'invalid_key' | 'authentication_failed',
    description: string,
  ) {
    super(description);
    this.name = 'EventTokenError';
  }
}

/** What one kind of event token is checked against. */
export interface EventTokenRules {
  /** Accepted `typ` values, lowercase. */
  readonly types: ReadonlySet<string>;
  /** Whether `typ` must be present (SETs) or may be absent (logout tokens). */
  readonly typeRequired: boolean;
  readonly issuer: string;
  /** `aud` must contain this value. */
  readonly audience: string;
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  /** Seconds of clock skew tolerated on iat and exp. */
  readonly clockTolerance: number;
  /** Seconds after `iat` the token is still accepted. */
  readonly maxAge: number;
}

const fail = (code: EventTokenError['code'], description: string): never => {
  throw new EventTokenError(code, description);
};

function checkHeader(header: Readonly<Record<string, unknown>>, rules: EventTokenRules): void {
  const typ = header.typ;
  if (typ === undefined ? rules.typeRequired : typeof typ !== 'string' || !rules.types.has(typ.toLowerCase())) {
    fail('invalid_request', 'the token has the wrong typ');
  }
}

function checkClaims(payload: Readonly<Record<string, unknown>>, rules: EventTokenRules, now: number): void {
  if (payload.iss !== rules.issuer) fail('invalid_issuer', 'the token issuer is not trusted');
  const aud = typeof payload.aud === 'string' ? [payload.aud] : payload.aud;
  if (!Array.isArray(aud) || !aud.includes(rules.audience))
    fail('invalid_audience', 'the token is not intended for this receiver');
  const { iat, exp, jti } = payload;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return fail('invalid_request', 'the token lacks iat');
  if (iat > now + rules.clockTolerance) fail('invalid_request', 'the token was issued in the future');
  if (now - iat > rules.maxAge + rules.clockTolerance) fail('invalid_request', 'the token is too old');
  if (exp !== undefined && (typeof exp !== 'number' || now >= exp + rules.clockTolerance))
    fail('invalid_request', 'the token expired');
  if (typeof jti !== 'string' || jti === '' || jti.length > 256) fail('invalid_request', 'the token lacks jti');
  const events = payload.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events))
    fail('invalid_request', 'the token lacks events');
}

/**
 * Verifies an event token's signature with the sender's keys and its common claims at `now` (seconds).
 * Returns the payload; what the events mean is the caller's to read.
 */
export async function verifyEventToken(
  compact: string,
  keys: JwksKeyStore,
  rules: EventTokenRules,
  now: number,
): Promise<Readonly<Record<string, unknown>>> {
  if (compact.length > 16_384 || !looksLikeJws(compact)) fail('invalid_request', 'the token is not a compact JWS');
  let jws: ReturnType<typeof decodeJws>;
  try {
    jws = decodeJws(compact, rules.algorithms);
  } catch {
    return fail('invalid_request', 'the token is malformed or uses an algorithm that is not allowed');
  }
  checkHeader(jws.header, rules);
  let key: Awaited<ReturnType<JwksKeyStore['getKey']>>;
  try {
    key = await keys.getKey(jws.kid, jws.alg);
  } catch (error) {
    // The sender's keys out of reach is an outage (the sender retries later), not a bad token.
    if (error instanceof UpstreamError) throw error;
    return fail('invalid_key', 'the token was signed with an unknown key');
  }
  if (!verifySignature(jws.alg, key.key, jws.signingInput, jws.signature))
    fail('authentication_failed', 'the token signature is invalid');
  checkClaims(jws.payload, rules, now);
  return jws.payload;
}
