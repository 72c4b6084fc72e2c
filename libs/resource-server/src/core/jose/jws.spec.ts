// RFC 7515 §5.2 / §4.1.11 and RFC 8725: what is refused before any cryptography.
import { describe, expect, it } from '@jest/globals';
import { generateTestKey } from '../../../../../test/helpers/keys.js';
import {
  b64url,
  hmacTokenWithPublicKey,
  nonCanonicalSpellings,
  signJwt,
  signRawJws,
  unsignedToken,
} from '../../../../../test/helpers/tokens.js';
import { InvalidTokenError } from '../../errors/resource-server.error.js';
import type { ErrorCode } from '../../errors/messages.js';
import { DEFAULT_ALGORITHMS, verifySignature, type JwsAlgorithm } from './algorithms.js';
import { decodeJws, looksLikeJws } from './jws.js';

const ALLOWED: ReadonlySet<JwsAlgorithm> = new Set(DEFAULT_ALGORITHMS);
const key = generateTestKey('ES256', { kid: 'ec-1' });
const payload = { iss: 'https://issuer.example', sub: 'alice' };
const good = signJwt(key, payload, { typ: 'at+jwt' });
const [goodHeader, goodPayload, goodSignature] = good.split('.') as [string, string, string];

/** A token whose header is exactly `header` (a JSON text or a value to serialize), validly shaped. */
function withHeader(header: unknown): string {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  return `${b64url(text)}.${goodPayload}.${goodSignature}`;
}

function expectInvalid(token: string, code: ErrorCode, allowed = ALLOWED): void {
  let thrown: unknown;
  try {
    decodeJws(token, allowed);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidTokenError);
  expect(thrown).toMatchObject({ code, status: 401, bearerError: 'invalid_token' });
}

describe('decodeJws: a well-formed token', () => {
  it('returns header, payload, alg, kid, signing input and raw signature', () => {
    const jws = decodeJws(good, ALLOWED);
    expect(jws.header).toEqual({ alg: 'ES256', kid: 'ec-1', typ: 'at+jwt' });
    expect(jws.payload).toEqual(payload);
    expect(jws.alg).toBe('ES256');
    expect(jws.kid).toBe('ec-1');
    expect(jws.signingInput.toString('ascii')).toBe(`${goodHeader}.${goodPayload}`);
    expect(jws.signature.equals(Buffer.from(goodSignature, 'base64url'))).toBe(true);
    expect(jws.signature).toHaveLength(64);
  });

  it('has kid undefined when the header has none', () => {
    expect(decodeJws(signJwt(key, payload, { kid: undefined }), ALLOWED).kid).toBeUndefined();
  });

  it('accepts a kid of exactly 256 characters', () => {
    expect(decodeJws(withHeader({ alg: 'ES256', kid: 'k'.repeat(256) }), ALLOWED).kid).toHaveLength(256);
  });
});

describe('decodeJws: shape (malformed_token)', () => {
  it.each([
    ['two segments', `${goodHeader}.${goodPayload}`],
    ['four segments', `${good}.${goodSignature}`],
    ['one segment', goodHeader],
    ['the empty string', ''],
    ['an empty header', `.${goodPayload}.${goodSignature}`],
    ['an empty payload', `${goodHeader}..${goodSignature}`],
    ['an empty signature', `${goodHeader}.${goodPayload}.`],
    ['a JWE (five segments)', 'a.b.c.d.e'],
  ])('refuses %s', (_name, token) => {
    expectInvalid(token, 'malformed_token');
  });

  // Node's base64url decoder silently skips characters outside its alphabet; these must not slip through.
  const segments = { header: 0, payload: 1, signature: 2 } as const;
  it.each(
    (['+', '/', '=', '==', ' ', '\n', '%', 'é', '*'] as const).flatMap((bad) =>
      (Object.keys(segments) as (keyof typeof segments)[]).map((where) => [JSON.stringify(bad), where] as const),
    ),
  )('refuses the non-base64url character %s in the %s', (bad, where) => {
    const parts = good.split('.');
    const i = segments[where];
    parts[i] = `${parts[i]!.slice(0, 4)}${JSON.parse(bad) as string}${parts[i]!.slice(4)}`;
    expectInvalid(parts.join('.'), 'malformed_token');
  });

  it('refuses standard base64 with padding even when it decodes to the same bytes', () => {
    const padded = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'ec-1', typ: 'at+jwt' })).toString('base64');
    expect(padded).toMatch(/=$|[+/]/);
    expectInvalid(`${padded}.${goodPayload}.${goodSignature}`, 'malformed_token');
  });

  it.each([
    ['not JSON', 'not json{'],
    ['a JSON array', '["ES256"]'],
    ['a JSON string', '"ES256"'],
    ['JSON null', 'null'],
    ['a JSON number', '1'],
  ])('refuses a header that is %s', (_name, text) => {
    expectInvalid(withHeader(text), 'malformed_token');
  });

  it.each([
    ['not JSON', 'garbage'],
    ['a JSON array', '[{"sub":"x"}]'],
    ['JSON null', 'null'],
    ['a JSON string', '"eyJ"'],
  ])('refuses a payload that is %s', (_name, text) => {
    expectInvalid(`${goodHeader}.${b64url(text)}.${goodSignature}`, 'malformed_token');
  });
});

describe('decodeJws: one spelling per token (malformed_token)', () => {
  /** What decodeJws did before: Buffer's lenient base64url, replacement-character UTF-8, last-wins JSON. */
  const lenient = (segment: string) => Buffer.from(segment, 'base64url');
  const lenientJson = (segment: string): unknown => JSON.parse(lenient(segment).toString('utf8'));
  const signed = (header: string | Buffer, claims: string | Buffer) => signRawJws(key, header, claims);
  const HEADER = '{"alg":"ES256","kid":"ec-1"}';

  it('refuses a signature whose last character has non-zero unused bits, though it verifies', () => {
    const input = Buffer.from(`${goodHeader}.${goodPayload}`, 'ascii');
    const spellings = nonCanonicalSpellings(goodSignature);
    expect(spellings).toHaveLength(15); // 64 bytes: 86 characters, 4 unused bits
    for (const spelling of spellings) {
      expect(verifySignature('ES256', key.publicKey, input, lenient(spelling))).toBe(true); // accepted before
      expectInvalid(`${goodHeader}.${goodPayload}.${spelling}`, 'malformed_token');
    }
  });

  it('refuses a header or payload whose last character has non-zero unused bits', () => {
    const token = signed(`${HEADER} `, JSON.stringify(payload)); // 29 bytes: a header of 39 characters
    const [h, p, sig] = token.split('.') as [string, string, string];
    expect(decodeJws(token, ALLOWED).header).toEqual(JSON.parse(HEADER));
    const variants = [
      ...nonCanonicalSpellings(h).map((x) => `${x}.${p}.${sig}`),
      ...nonCanonicalSpellings(p).map((x) => `${h}.${x}.${sig}`),
    ];
    expect(variants.length).toBeGreaterThan(0);
    for (const variant of variants) {
      const [vh, vp] = variant.split('.') as [string, string];
      expect([lenientJson(vh), lenientJson(vp)]).toEqual([JSON.parse(HEADER), payload]); // accepted before
      expectInvalid(variant, 'malformed_token');
    }
  });

  it.each([
    ['header', 0],
    ['payload', 1],
    ['signature', 2],
  ] as const)('refuses a %s with one character too many (length 1 mod 4), which Buffer ignored', (_name, index) => {
    // Segments whose lengths are multiples of 4: 30 and 45 bytes, an ES384 signature of 96 bytes.
    const es384 = generateTestKey('ES384', { kid: 'ec-384' });
    const token = signRawJws(es384, '{"alg":"ES384","kid":"ec-384"}', '{"iss":"https://issuer.example","sub":"carl"}');
    const parts = token.split('.');
    expect(parts.map((part) => part.length % 4)).toEqual([0, 0, 0]);
    expect(decodeJws(token, ALLOWED).alg).toBe('ES384');
    const grown = `${parts[index]!}A`;
    expect(lenient(grown)).toEqual(lenient(parts[index]!)); // the same bytes: accepted before
    parts[index] = grown;
    expectInvalid(parts.join('.'), 'malformed_token');
  });

  it.each([
    [
      'header',
      (bad: Buffer) =>
        signed(Buffer.concat([Buffer.from('{"alg":"ES256","kid":"ec-1","x":"'), bad, Buffer.from('"}')]), '{}'),
    ],
    ['payload', (bad: Buffer) => signed(HEADER, Buffer.concat([Buffer.from('{"sub":"'), bad, Buffer.from('"}')]))],
  ])('refuses invalid UTF-8 in the %s, which decoded to U+FFFD before', (where, token) => {
    for (const bad of [Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80])]) {
      const jws = token(bad);
      const segment = jws.split('.')[where === 'header' ? 0 : 1]!;
      expect(JSON.stringify(lenientJson(segment))).toContain('\uFFFD'); // accepted before
      expectInvalid(jws, 'malformed_token');
    }
  });

  it('names the segment in the cause (for logs), not its content', () => {
    const thrown = (() => {
      try {
        return decodeJws(signed(HEADER, '{"sub":"a","sub":"b"}'), ALLOWED);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({
      code: 'malformed_token',
      cause: { message: 'the claims segment is not a UTF-8 JSON object with unique member names' },
    });
  });

  it('refuses a header that starts with a byte order mark', () => {
    expectInvalid(
      signed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HEADER)]), '{}'),
      'malformed_token',
    );
  });

  it.each([
    ['alg: none first, the signed alg last', '{"alg":"none","alg":"ES256","kid":"ec-1"}'],
    ['the same alg twice', '{"alg":"ES256","alg":"ES256","kid":"ec-1"}'],
    ['kid twice', '{"alg":"ES256","kid":"other","kid":"ec-1"}'],
    ['a duplicate inside a nested jwk', '{"alg":"ES256","kid":"ec-1","jwk":{"kty":"EC","kty":"RSA"}}'],
  ])('refuses a header with duplicate members (%s)', (_name, header) => {
    const token = signed(header, JSON.stringify(payload));
    const [h] = token.split('.') as [string];
    expect(lenientJson(h)).toMatchObject({ alg: 'ES256' }); // last wins: accepted before
    expectInvalid(token, 'malformed_token');
  });

  it.each([
    ['sub at the top', '{"iss":"https://issuer.example","sub":"admin","sub":"alice"}'],
    ['scope, escaped', '{"iss":"https://issuer.example","sub":"alice","scope":"admin","\\u0073cope":"read"}'],
  ])('refuses claims with duplicate members (%s)', (_name, claims) => {
    const token = signed(HEADER, claims);
    expect(lenientJson(token.split('.')[1]!)).toMatchObject({ sub: 'alice' }); // accepted before
    expectInvalid(token, 'malformed_token');
  });

  it('leaves a duplicate inside a nested claim to last-wins (top level only, for speed)', () => {
    const token = signed(HEADER, '{"iss":"https://issuer.example","realm_access":{"roles":["admin"],"roles":[]}}');
    expect(decodeJws(token, ALLOWED).payload).toEqual({ iss: 'https://issuer.example', realm_access: { roles: [] } });
  });
});

describe('decodeJws: algorithm (unsupported_algorithm)', () => {
  it('refuses an alg that is supported but not allowed', () => {
    expectInvalid(good, 'unsupported_algorithm', new Set<JwsAlgorithm>(['RS256']));
  });

  it("refuses alg 'none' even with a non-empty signature segment", () => {
    expectInvalid(withHeader({ alg: 'none' }), 'unsupported_algorithm');
    // The usual unsecured JWS (empty signature) is refused too, whatever the reason code.
    expect(() => decodeJws(unsignedToken(payload), ALLOWED)).toThrow(InvalidTokenError);
  });

  it('refuses HS256 keyed with the public key (key confusion)', () => {
    expectInvalid(hmacTokenWithPublicKey(generateTestKey('EdDSA'), payload, 'HS256'), 'unsupported_algorithm');
  });

  it.each([
    ['missing', { kid: 'ec-1' }],
    ['HS512', { alg: 'HS512' }],
    ['lower case', { alg: 'es256' }],
    ['a prototype member name', { alg: 'toString' }],
    ['an array', { alg: ['ES256'] }],
    ['null', { alg: null }],
    ['EdDSA when only the defaults are allowed', { alg: 'EdDSA' }],
  ])('refuses an alg that is %s', (_name, header) => {
    expectInvalid(withHeader(header), 'unsupported_algorithm');
  });
});

describe('decodeJws: header parameters (unsupported_header, malformed_token)', () => {
  it.each([
    ['crit naming exp', { alg: 'ES256', crit: ['exp'], exp: 1 }],
    ['an empty crit', { alg: 'ES256', crit: [] }],
    ['b64: false (RFC 7797)', { alg: 'ES256', b64: false, crit: ['b64'] }],
    ['b64: true without crit', { alg: 'ES256', b64: true }],
    ['zip (JWE only)', { alg: 'ES256', zip: 'DEF' }],
  ])('refuses %s', (_name, header) => {
    expectInvalid(withHeader(header), 'unsupported_header');
  });

  it.each([
    ['a number', 123],
    ['null', null],
    ['an object', { id: 'k' }],
    ['empty', ''],
    ['longer than 256 characters', 'k'.repeat(257)],
  ])('refuses a kid that is %s', (_name, kid) => {
    expectInvalid(withHeader({ alg: 'ES256', kid }), 'malformed_token');
  });
});

describe('looksLikeJws', () => {
  it('accepts three non-empty dot-separated segments', () => {
    expect(looksLikeJws(good)).toBe(true);
    expect(looksLikeJws('a.b.c')).toBe(true);
  });

  it.each(['', 'abc', 'a.b', 'a.b.c.d', '.b.c', 'a..c', 'a.b.', '..', '...', 'a.b.c.'])('refuses %p', (token) => {
    expect(looksLikeJws(token)).toBe(false);
  });
});
