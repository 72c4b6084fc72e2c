// RFC 4648 §3.5 (base64url) and §3.2 / §5 (no padding, canonical encoding), as RFC 7515 §2 requires for
// every segment of a compact JWS. Node's decoder is lenient: it skips characters outside the alphabet
// and ignores the unused bits of the last character, so one token would have many spellings.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** The 6-bit value of each base64url character, by char code (the alphabet check is done before). */
const VALUE = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes unpadded base64url, or returns undefined unless `text` is the one canonical encoding of its
 * bytes: only the 64 alphabet characters, no `=`, a length that is not 1 (mod 4), and zero unused bits
 * in the last character (4 of them after 2 characters of a group, 2 after 3).
 * Checking those bits with a lookup costs nothing measurable; re-encoding to compare would cost more
 * than the decoding itself.
 * @example
 * decodeBase64url('QQ'); // <Buffer 41>
 * decodeBase64url('QR'); // undefined: the same byte with non-zero unused bits
 */
export function decodeBase64url(text: string): Buffer | undefined {
  const rest = text.length & 3;
  if (rest === 1 || !SEGMENT.test(text)) return undefined;
  if (rest !== 0 && (VALUE[text.charCodeAt(text.length - 1)] & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  return Buffer.from(text, 'base64url');
}
