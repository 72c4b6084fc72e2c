// Minimal RS256 JWS minting for the benchmarks (plain node:crypto, no dependency).
import { generateKeyPairSync, sign } from 'node:crypto';

export const b64url = (input) => Buffer.from(input).toString('base64url');

/** One RSA-2048 key pair with its public JWK (kid, alg RS256, use sig). */
export function generateRsaKey(kid = 'bench-key-1') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, publicJwk };
}

/** Signs `payload` with RS256; the header carries `kid`. */
export function signRs256(privateKey, kid, payload) {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid }));
  const signingInput = `${header}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** The claims of bench token number `seq` (distinct `jti` and `sub`, so every token string is distinct). */
export function benchClaims({ iss, aud, prefix, seq, now = Math.floor(Date.now() / 1000), ttl = 3600 }) {
  return {
    iss,
    aud,
    sub: `bench-user-${seq % 1000}`,
    client_id: 'bench-client',
    scope: 'read:messages',
    iat: now,
    exp: now + ttl,
    jti: `${prefix}-${seq}`,
  };
}

/**
 * A token whose signature does not match: the signature segment of another valid token (right
 * length, decodes fine, verifies false), so the verifier does the full work before refusing.
 */
export function withForeignSignature(token, other) {
  const signingInput = token.slice(0, token.lastIndexOf('.'));
  const otherSignature = other.slice(other.lastIndexOf('.') + 1);
  if (otherSignature === token.slice(token.lastIndexOf('.') + 1)) throw new Error('same signature');
  return `${signingInput}.${otherSignature}`;
}
