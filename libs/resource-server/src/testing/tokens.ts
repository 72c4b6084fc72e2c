/**
 * JWS compact serialization (RFC 7515) with real signatures, plus the forged tokens the attack tests
 * need. Written against node:crypto directly so the tests do not share a JOSE library (and its bugs)
 * with the code under test.
 */
import { createHmac, randomUUID, sign, constants, type KeyObject } from 'node:crypto';
import type { TestAlg, TestKey } from './keys.js';

/**
 * base64url without padding (RFC 7515 §2). Strings are encoded as UTF-8.
 * @example
 * ```ts
 * import { b64url } from 'nestjs-resource-server/testing';
 *
 * const segment = b64url(JSON.stringify({ alg: 'none' }));
 * ```
 */
export function b64url(input: Buffer | string): string {
  return (typeof input === 'string' ? Buffer.from(input, 'utf8') : input).toString('base64url');
}

/**
 * Current time in whole seconds, the unit of `exp`/`iat`/`nbf` (RFC 7519 NumericDate).
 * @example
 * ```ts
 * import { nowSeconds } from 'nestjs-resource-server/testing';
 *
 * const exp = nowSeconds() + 300;
 * ```
 */
export const nowSeconds: () => number = () => Math.floor(Date.now() / 1000);

/** Copy of `obj` without the keys whose value is `undefined` (our convention for "remove this field"). */
function withoutUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

const HASH: Record<Exclude<TestAlg, 'EdDSA'>, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};

/** Signs the JWS signing input per RFC 7518 §3.3-3.5 / RFC 8037 §3.1. */
function signBytes(alg: TestAlg, privateKey: KeyObject, data: Buffer): Buffer {
  if (alg === 'EdDSA') return sign(null, data, privateKey); // Ed25519 hashes internally.
  const hash = HASH[alg];
  switch (alg.slice(0, 2)) {
    case 'RS':
      return sign(hash, data, privateKey); // RSASSA-PKCS1-v1_5 is Node's default for RSA keys.
    case 'PS':
      // RFC 7518 §3.5: MGF1 with the same hash, salt length equal to the hash output length.
      return sign(hash, data, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case 'ES':
      // RFC 7518 §3.4: JWS wants the fixed-size R||S concatenation; Node's default would be DER.
      return sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    default:
      throw new TypeError(`Unsupported algorithm ${alg}`);
  }
}

/**
 * Signs `header.payload` with the key per RFC 7515/7518: RS* (PKCS#1 v1.5), PS* (PSS, salt length =
 * hash length), ES* (raw r||s, IEEE P1363, NOT DER), EdDSA (Ed25519).
 *
 * The header gets `alg` and `kid` from the key unless the caller's header overrides them (a header
 * value of `undefined` removes the field). The signature is always made with the key's own algorithm,
 * so overriding `alg` yields a token whose header lies about its signature (an "alg mismatch" test).
 * No `typ` is added; pass `{ typ: 'at+jwt' }` for RFC 9068 tokens.
 * @example
 * ```ts
 * import { generateTestKey, signJwt } from 'nestjs-resource-server/testing';
 *
 * const token = signJwt(generateTestKey('RS256'), { iss: 'https://id.example.com', sub: 'ada' }, { typ: 'at+jwt' });
 * ```
 */
export function signJwt(key: TestKey, payload: Record<string, unknown>, header?: Record<string, unknown>): string {
  const fullHeader = withoutUndefined({ alg: key.alg, kid: key.kid, ...header });
  return signRawJws(key, JSON.stringify(fullHeader), JSON.stringify(withoutUndefined(payload)));
}

/**
 * Signs a header and a payload given verbatim (text is encoded as UTF-8, a Buffer is taken as is) with
 * the key's algorithm: for tokens no JSON serializer would write, e.g. duplicate member names or
 * invalid UTF-8, which a resource server must refuse for what they contain, not for their signature.
 * @example
 * ```ts
 * import { generateTestKey, signRawJws } from 'nestjs-resource-server/testing';
 *
 * const key = generateTestKey('RS256');
 * const duplicateAlg = signRawJws(key, '{"alg":"none","alg":"RS256"}', '{"sub":"a"}');
 * ```
 */
export function signRawJws(key: TestKey, header: string | Buffer, payload: string | Buffer): string {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  return `${signingInput}.${b64url(signBytes(key.alg, key.privateKey, Buffer.from(signingInput, 'ascii')))}`;
}

/**
 * A valid access token: `iss`, `aud`, `sub` ('test-user'), `exp` (now+300), `iat` (now), `scope`
 * ('read'), `jti` (random UUID), `client_id` ('test-client'), merged with / overridden by `claims`
 * (a claim value `undefined` removes it, e.g. `{ exp: undefined }` for a token without expiry).
 * @example
 * ```ts
 * import { generateTestKey, mintAccessToken } from 'nestjs-resource-server/testing';
 *
 * const token = mintAccessToken(generateTestKey('RS256'), { iss: 'https://id.example.com', aud: 'https://api.example.com', scope: 'read' });
 * ```
 */
export function mintAccessToken(
  key: TestKey,
  claims: Record<string, unknown> & { iss: string; aud: string | string[] },
  header?: Record<string, unknown>,
): string {
  const now = nowSeconds();
  const { iss, aud, ...rest } = claims;
  // iss and aud first only so decoded tokens read naturally in failure output.
  const payload = withoutUndefined({
    iss,
    aud,
    sub: 'test-user',
    exp: now + 300,
    iat: now,
    scope: 'read',
    jti: randomUUID(),
    client_id: 'test-client',
    ...rest,
  });
  return signJwt(key, payload, header);
}

/**
 * Attack helper: an unsecured JWS (RFC 7515 §A.5), header `alg: "none"` (overridable) and an empty
 * signature segment. A resource server must reject it.
 * @example
 * ```ts
 * import { unsignedToken } from 'nestjs-resource-server/testing';
 *
 * const token = unsignedToken({ iss: 'https://id.example.com', sub: 'mallory' });
 * ```
 */
export function unsignedToken(payload: Record<string, unknown>, header?: Record<string, unknown>): string {
  const fullHeader = withoutUndefined({ alg: 'none', ...header });
  return `${b64url(JSON.stringify(fullHeader))}.${b64url(JSON.stringify(withoutUndefined(payload)))}.`;
}

/**
 * Attack helper: the classic key-confusion forgery. HMAC-signs the token using the public key's SPKI
 * PEM text as the shared secret, with header `kid = key.kid`, so a verifier that lets the token's
 * `alg` pick the algorithm and feeds it the published key would accept it.
 * @example
 * ```ts
 * import { generateTestKey, hmacTokenWithPublicKey } from 'nestjs-resource-server/testing';
 *
 * const token = hmacTokenWithPublicKey(generateTestKey('RS256'), { iss: 'https://id.example.com' });
 * ```
 */
export function hmacTokenWithPublicKey(
  key: TestKey,
  payload: Record<string, unknown>,
  alg: 'HS256' | 'HS384' | 'HS512' = 'HS256',
): string {
  const secret = key.publicKey.export({ type: 'spki', format: 'pem' });
  const header = { alg, kid: key.kid };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(withoutUndefined(payload)))}`;
  const mac = createHmac(`sha${alg.slice(2)}`, secret)
    .update(signingInput)
    .digest();
  return `${signingInput}.${b64url(mac)}`;
}

function splitJwt(token: string): [string, string, string] {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`Not a JWS compact serialization (${parts.length} segments)`);
  return parts as [string, string, string];
}

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`JWT ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Attack helper: re-encodes the payload with `changes` applied (value `undefined` removes a claim)
 * and keeps the original header and signature, which therefore no longer match.
 * @example
 * ```ts
 * import { generateTestKey, mintAccessToken, tamperPayload } from 'nestjs-resource-server/testing';
 *
 * const key = generateTestKey('RS256');
 * const token = tamperPayload(mintAccessToken(key, { iss: 'https://id.example.com', aud: 'api' }), { scope: 'admin' });
 * ```
 */
export function tamperPayload(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = splitJwt(token);
  const tampered = withoutUndefined({ ...decodeSegment(payload, 'payload'), ...changes });
  return `${header}.${b64url(JSON.stringify(tampered))}.${signature}`;
}

/**
 * Decodes header and payload without verifying anything (for assertions in tests only).
 * @example
 * ```ts
 * import { decodeJwt, generateTestKey, mintAccessToken } from 'nestjs-resource-server/testing';
 *
 * const { payload } = decodeJwt(mintAccessToken(generateTestKey('RS256'), { iss: 'https://id.example.com', aud: 'api' }));
 * ```
 */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = splitJwt(token);
  return { header: decodeSegment(header, 'header'), payload: decodeSegment(payload, 'payload') };
}
