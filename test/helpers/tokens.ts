// The suites' token helpers are the public test kit's (nestjs-resource-server/testing); the attack
// helper below is the suites' own.
export {
  signJwt,
  signRawJws,
  mintAccessToken,
  unsignedToken,
  hmacTokenWithPublicKey,
  tamperPayload,
  decodeJwt,
  b64url,
  nowSeconds,
} from 'nestjs-resource-server/testing';

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Attack helper: the other spellings of a canonical base64url segment that Node's lenient decoder turns into the
 * same bytes: its last character with non-zero unused bits (RFC 4648 §3.5). 15 of them when the
 * segment length is 2 (mod 4), 3 when it is 3 (mod 4), none when it is a multiple of 4.
 */
export function nonCanonicalSpellings(segment: string): string[] {
  const unusedBits = [0, 0, 4, 2][segment.length % 4]!;
  const last = B64URL_ALPHABET.indexOf(segment.at(-1) ?? '');
  return Array.from({ length: (1 << unusedBits) - 1 }, (_, i) => last + i + 1).map(
    (value) => segment.slice(0, -1) + B64URL_ALPHABET[value]!,
  );
}
