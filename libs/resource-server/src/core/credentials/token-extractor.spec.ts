// RFC 6750 §2: the Authorization header (§2.1) always, the form body (§2.2) and the query (§2.3) only
// when enabled, never more than one token per request.
import { describe, expect, it } from '@jest/globals';
import { InvalidRequestError, MissingTokenError } from '../../errors/resource-server.error.js';
import type { ErrorCode } from '../../errors/messages.js';
import { extractPresentedToken, extractToken, type TokenLocation, type TokenSource } from './token-extractor.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
const NONE: ReadonlySet<TokenLocation> = new Set();
const BOTH: ReadonlySet<TokenLocation> = new Set(['body', 'query']);
const FORM = 'application/x-www-form-urlencoded';

function failure(
  source: TokenSource,
  locations: ReadonlySet<TokenLocation>,
): { type: string; code: ErrorCode } | string {
  try {
    return extractToken(source, locations);
  } catch (error) {
    if (error instanceof MissingTokenError) return { type: 'missing', code: error.code };
    if (error instanceof InvalidRequestError) return { type: 'invalid_request', code: error.code };
    throw error;
  }
}

const header = (authorization: string | string[] | undefined): TokenSource => ({ headers: { authorization } });

describe('extractToken: Authorization header', () => {
  it.each([
    ['Bearer <token>', `Bearer ${TOKEN}`],
    ['lower-case scheme', `bearer ${TOKEN}`],
    ['upper-case scheme', `BEARER ${TOKEN}`],
    ['mixed-case scheme', `bEaReR ${TOKEN}`],
    ['several spaces after the scheme', `Bearer    ${TOKEN}`],
    ['surrounding whitespace', `  Bearer ${TOKEN}  `],
    ['b64token characters - . _ ~ + / and = padding', 'Bearer aZ09-._~+/=='],
  ])('reads %s', (_name, value) => {
    const expected = value.trim().split(/ +/)[1];
    expect(extractToken(header(value), NONE)).toBe(expected);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['a DPoP-bound token (another scheme)', `DPoP ${TOKEN}`],
    ['the scheme glued to the token', `Bearer${TOKEN}`],
    ['a scheme that only starts with Bearer', `BearerToken ${TOKEN}`],
    ['a scheme one letter off', `Bearex ${TOKEN}`],
    ['a scheme whose letters differ by more than case', `\u0002EARER ${TOKEN}`],
  ])('treats %s as no token (MissingTokenError)', (_name, value) => {
    expect(failure(header(value), NONE)).toEqual({ type: 'missing', code: 'missing_token' });
  });

  it.each([
    ['the scheme alone', 'Bearer'],
    ['the scheme and spaces', 'Bearer    '],
    ['a token with an inner space', 'Bearer abc def'],
    ['a quoted token', 'Bearer "abc"'],
    ['a token with a comma', 'Bearer abc,def'],
    ['padding in the middle', 'Bearer ab=c'],
    ['a token followed by a newline and more', 'Bearer abc\ndef'],
    ['a non-ASCII token', 'Bearer abcé'],
  ])('refuses %s (400 invalid_request)', (_name, value) => {
    expect(failure(header(value), NONE)).toEqual({ type: 'invalid_request', code: 'malformed_authorization' });
  });

  it('refuses an Authorization header given as an array (several headers)', () => {
    expect(failure(header([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]), NONE)).toEqual({
      type: 'invalid_request',
      code: 'malformed_authorization',
    });
    expect(failure(header([`Bearer ${TOKEN}`]), NONE)).toEqual({
      type: 'invalid_request',
      code: 'malformed_authorization',
    });
  });

  it('sees repeated Authorization headers in the raw header list, whatever their case', () => {
    const source = (raw: string[]): TokenSource => ({ headers: { authorization: `Bearer ${TOKEN}` }, rawHeaders: raw });
    const value = `Bearer ${TOKEN}`;
    expect(failure(source(['AUTHORIZATION', value, 'authorization', value]), NONE)).toEqual({
      type: 'invalid_request',
      code: 'multiple_tokens',
    });
    expect(failure(source(['Host', 'a', 'aUtHoRiZaTiOn', value, 'Authorization', 'x']), NONE)).toEqual({
      type: 'invalid_request',
      code: 'multiple_tokens',
    });
    // Names of the same length that are not Authorization do not count.
    expect(extractToken(source(['Authorizatiom', 'x', 'X-Authorizatn', 'y', 'Authorization', value]), NONE)).toBe(
      TOKEN,
    );
  });

  it('answers a malformed header with 400 invalid_request, no token with a bare 401', () => {
    const thrownBy = (source: TokenSource): unknown => {
      try {
        extractToken(source, NONE);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(thrownBy(header('Bearer a b'))).toMatchObject({
      status: 400,
      bearerError: 'invalid_request',
      message: 'The Authorization header is malformed',
    });
    expect(thrownBy(header(undefined))).toMatchObject({ status: 401, bearerError: undefined, code: 'missing_token' });
  });
});

describe('extractToken: form body (RFC 6750 §2.2)', () => {
  const form = (extra: Partial<TokenSource> = {}): TokenSource => ({
    headers: { 'content-type': FORM },
    method: 'POST',
    body: { access_token: TOKEN },
    ...extra,
  });

  it('reads access_token from a form POST when body is enabled', () => {
    expect(extractToken(form(), new Set(['body']))).toBe(TOKEN);
    expect(extractToken(form({ headers: { 'content-type': `${FORM}; charset=UTF-8` } }), new Set(['body']))).toBe(
      TOKEN,
    );
    expect(
      extractToken(form({ headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded' } }), new Set(['body'])),
    ).toBe(TOKEN);
    expect(extractToken(form({ method: 'PUT' }), new Set(['body']))).toBe(TOKEN);
  });

  it.each<[string, TokenSource, ReadonlySet<TokenLocation>]>([
    ['body not enabled', form(), NONE],
    ['only query enabled', form(), new Set(['query'])],
    ['a GET request', form({ method: 'GET' }), BOTH],
    ['a JSON body', form({ headers: { 'content-type': 'application/json' } }), BOTH],
    ['a multipart body', form({ headers: { 'content-type': 'multipart/form-data; boundary=x' } }), BOTH],
    ['no content type', form({ headers: {} }), BOTH],
    ['a body that is not an object', form({ body: `access_token=${TOKEN}` }), BOTH],
    ['no body', form({ body: undefined }), BOTH],
  ])('ignores the body with %s', (_name, source, locations) => {
    expect(failure(source, locations)).toEqual({ type: 'missing', code: 'missing_token' });
  });

  it('refuses a malformed access_token parameter', () => {
    for (const value of ['', 'a b', '"x"', 42, { t: 1 }, null]) {
      expect(failure(form({ body: { access_token: value } }), new Set(['body']))).toEqual({
        type: 'invalid_request',
        code: 'malformed_parameter',
      });
    }
  });

  it('refuses access_token given twice (an array)', () => {
    expect(failure(form({ body: { access_token: [TOKEN, TOKEN] } }), new Set(['body']))).toEqual({
      type: 'invalid_request',
      code: 'multiple_tokens',
    });
  });
});

describe('extractToken: query (RFC 6750 §2.3)', () => {
  const query = (q: unknown, extra: Partial<TokenSource> = {}): TokenSource => ({
    headers: {},
    method: 'GET',
    query: q,
    ...extra,
  });

  it('reads access_token from the query only when enabled', () => {
    expect(extractToken(query({ access_token: TOKEN }), new Set(['query']))).toBe(TOKEN);
    expect(failure(query({ access_token: TOKEN }), NONE)).toEqual({ type: 'missing', code: 'missing_token' });
    expect(failure(query({ access_token: TOKEN }), new Set(['body']))).toEqual({
      type: 'missing',
      code: 'missing_token',
    });
  });

  it('treats a query without access_token, or no query, as no token', () => {
    expect(failure(query({ other: 'x' }), new Set(['query']))).toEqual({ type: 'missing', code: 'missing_token' });
    expect(failure(query(undefined), new Set(['query']))).toEqual({ type: 'missing', code: 'missing_token' });
    expect(failure(query(null), new Set(['query']))).toEqual({ type: 'missing', code: 'missing_token' });
  });

  it('refuses ?access_token=a&access_token=b (an array)', () => {
    expect(failure(query({ access_token: [TOKEN, 'x'] }), new Set(['query']))).toEqual({
      type: 'invalid_request',
      code: 'multiple_tokens',
    });
  });

  it('refuses a malformed access_token query parameter', () => {
    expect(failure(query({ access_token: 'a b' }), new Set(['query']))).toEqual({
      type: 'invalid_request',
      code: 'malformed_parameter',
    });
  });
});

describe('extractToken: more than one token (RFC 6750 §2: one method per request)', () => {
  const everywhere: TokenSource = {
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': FORM },
    method: 'POST',
    body: { access_token: TOKEN },
    query: { access_token: TOKEN },
  };

  it.each<[string, TokenSource, ReadonlySet<TokenLocation>]>([
    ['header and body', { ...everywhere, query: {} }, BOTH],
    ['header and query', { ...everywhere, body: {} }, BOTH],
    ['body and query', { ...everywhere, headers: { 'content-type': FORM } }, BOTH],
    ['header, body and query', everywhere, BOTH],
  ])('refuses a token in %s, even the same token', (_name, source, locations) => {
    expect(failure(source, locations)).toEqual({ type: 'invalid_request', code: 'multiple_tokens' });
  });

  it('does not count a location that is not enabled', () => {
    expect(extractToken(everywhere, NONE)).toBe(TOKEN);
    expect(failure(everywhere, new Set(['query']))).toEqual({ type: 'invalid_request', code: 'multiple_tokens' });
  });

  it('does not count another scheme in the header as a token', () => {
    const source: TokenSource = { headers: { authorization: 'Basic dXNlcjpwYXNz' }, query: { access_token: TOKEN } };
    expect(extractToken(source, new Set(['query']))).toBe(TOKEN);
  });
});

describe('extractPresentedToken: a token that verified before', () => {
  const BEARER = new Set(['bearer'] as const);
  const read = (value: string, verified: (token: string) => boolean) =>
    extractPresentedToken(header(value), NONE, BEARER, undefined, verified);

  it('skips the syntax check only for the token the verifier knows, never for another', () => {
    const asked: string[] = [];
    const known = (token: string) => (asked.push(token), token === TOKEN);
    expect(read(`Bearer ${TOKEN}`, known)).toEqual({ token: TOKEN, scheme: 'bearer' });
    expect(() => read('Bearer a,b', known)).toThrow(InvalidRequestError);
    expect(() => read('Bearer a b', known)).toThrow(InvalidRequestError);
    expect(() => read('Bearer ', known)).toThrow(InvalidRequestError);
    expect(asked).toEqual([TOKEN, 'a,b', 'a b']);
  });

  it('still refuses two Authorization headers for a known token', () => {
    const source = { headers: { authorization: `Bearer ${TOKEN}` } };
    const raw = ['Authorization', `Bearer ${TOKEN}`, 'authorization', `Bearer ${TOKEN}`];
    expect(() => extractPresentedToken(source, NONE, BEARER, raw, () => true)).toThrow(InvalidRequestError);
  });
});
