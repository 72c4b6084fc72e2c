// RFC 7515 §7.1 compact serialization, signing side: only for documents the resource server itself
// publishes (RFC 9728 signed metadata). Same algorithms and encodings as verification (algorithms.ts).
import { constants, sign, type KeyObject } from 'node:crypto';
import type { JwsAlgorithm } from './algorithms.js';

function digestOf(alg: JwsAlgorithm): string | null {
  return alg === 'EdDSA' || alg === 'Ed25519' ? null : `sha${alg.slice(2)}`;
}

/**
 * Signs `payload` as a compact JWS with a private key fit for `alg` (ECDSA signatures in the JOSE
 * r||s form, RSA-PSS with a digest-length salt).
 * @example signCompactJws({ alg: 'ES256', typ: 'JWT' }, { iss: 'https://api.example.com' }, privateKey)
 */
export function signCompactJws(
  header: Record<string, unknown> & { alg: JwsAlgorithm },
  payload: Record<string, unknown>,
  key: KeyObject,
): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const alg = header.alg;
  const options = alg.startsWith('ES')
    ? { key, dsaEncoding: 'ieee-p1363' as const }
    : alg.startsWith('PS')
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : key;
  return `${input}.${sign(digestOf(alg), Buffer.from(input, 'ascii'), options).toString('base64url')}`;
}
