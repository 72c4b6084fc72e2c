/**
 * Assertions for RFC 6750 error answers (status + WWW-Authenticate challenge + JSON body), so each
 * e2e case checks the whole contract in one line instead of drifting partial checks.
 */
import { expect } from '@jest/globals';

/** A parsed authentication challenge (RFC 9110 §11.3). Param names are lower-cased (they are case-insensitive). */
export interface ParsedChallenge {
  scheme: string;
  params: Record<string, string>;
}

// RFC 9110 §5.6.2 tchar.
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses every challenge of a WWW-Authenticate value (`scheme [auth-param *("," auth-param)]`,
 * challenges separated by commas). Values may be tokens or quoted-strings with backslash escapes.
 * Throws on malformed input (missing comma, unterminated quote, duplicate parameter, token68), since
 * a resource server emitting such a header is itself a bug the tests should catch.
 */
export function parseChallenges(header: string): ParsedChallenge[] {
  const s = header;
  let pos = 0;
  const challenges: ParsedChallenge[] = [];
  const fail = (why: string): never => {
    throw new Error(`Malformed WWW-Authenticate (${why} at ${pos}): ${header}`);
  };
  const skipWs = (): void => {
    while (pos < s.length && (s[pos] === ' ' || s[pos] === '\t')) pos++;
  };
  /** Skips whitespace and list commas; reports whether at least one comma was crossed. */
  const skipSeparators = (): boolean => {
    let comma = false;
    for (;;) {
      skipWs();
      if (s[pos] !== ',') return comma;
      comma = true;
      pos++;
    }
  };
  const readToken = (): string => {
    const start = pos;
    while (pos < s.length && TCHAR.test(s[pos]!)) pos++;
    return s.slice(start, pos);
  };
  const readQuoted = (): string => {
    pos++; // opening quote
    let out = '';
    while (pos < s.length) {
      const c = s[pos++]!;
      if (c === '"') return out;
      if (c === '\\') {
        if (pos >= s.length) break;
        out += s[pos++];
      } else {
        out += c;
      }
    }
    return fail('unterminated quoted-string');
  };

  skipSeparators();
  while (pos < s.length) {
    const scheme = readToken();
    if (!scheme) fail('expected an auth-scheme');
    const challenge: ParsedChallenge = { scheme, params: {} };
    challenges.push(challenge);
    if (pos < s.length && s[pos] !== ' ' && s[pos] !== '\t' && s[pos] !== ',')
      fail('unexpected character after scheme');

    for (;;) {
      const sawComma = skipSeparators();
      if (pos >= s.length) break;
      const nameStart = pos;
      const name = readToken();
      if (!name) fail('expected an auth-param name');
      skipWs();
      if (s[pos] !== '=') {
        // A token not followed by '=' starts the next challenge, which must be comma-separated.
        if (!sawComma) {
          pos = nameStart;
          fail(Object.keys(challenge.params).length ? 'missing comma' : 'token68 is not supported');
        }
        pos = nameStart;
        break;
      }
      if (Object.keys(challenge.params).length > 0 && !sawComma) fail('missing comma between auth-params');
      pos++; // '='
      skipWs();
      const value = s[pos] === '"' ? readQuoted() : readToken() || fail('empty auth-param value');
      const key = name.toLowerCase();
      if (key in challenge.params) fail(`duplicate auth-param "${key}"`);
      challenge.params[key] = value;
      skipWs();
      if (pos < s.length && s[pos] !== ',') fail('expected "," after auth-param');
    }
  }
  return challenges;
}

/**
 * Parses the first challenge of a WWW-Authenticate value, e.g.
 * `Bearer realm="api", error="invalid_token", error_description="The token expired"`.
 */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const [first] = parseChallenges(header);
  if (!first) throw new Error(`Empty WWW-Authenticate header: "${header}"`);
  return first;
}

/** Response shape accepted by {@link expectChallenge} (a supertest `Response` fits). */
export interface ChallengeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

/** What {@link expectChallenge} should find. */
export interface ExpectedChallenge {
  status: number;
  /** RFC 6750 §3.1 error code; leave undefined for the bare challenge of a request without a token. */
  error?: 'invalid_token' | 'invalid_request' | 'insufficient_scope';
  scope?: string;
  realm?: string;
}

const STACK_TRACE = /\bat .*\(.*:\d+:\d+\)/;

function headerValue(headers: ChallengeResponse['headers'], name: string): string | undefined {
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  const value = entry?.[1];
  // Several WWW-Authenticate field lines mean the same as one comma-joined line (RFC 9110 §5.3).
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Asserts one RFC 6750 answer in one line: status, WWW-Authenticate challenge and JSON body.
 *
 * - status equals `expected.status`;
 * - below 500: a `WWW-Authenticate` header starting with a `Bearer` challenge; with `error`
 *   undefined it must be bare (no `error`, `error_description`, `error_uri`: RFC 6750 §3.1), else
 *   `error` must match; `scope` and `realm` must match when given;
 * - 500 and above: the challenge is optional (an issuer outage is not the client's fault), but if
 *   present it must be Bearer and must not claim `invalid_token`;
 * - body is an object with numeric `statusCode` === status, string `error`, string `message`;
 * - neither the body text nor the challenge contains a stack trace or `eyJ` (an echoed token).
 *
 * Each check is reported under its own label, so a failure says which part broke.
 */
export function expectChallenge(res: ChallengeResponse, expected: ExpectedChallenge): void {
  const check = (label: string, actual: unknown, wanted: unknown): void => {
    expect({ check: label, value: actual }).toEqual({ check: label, value: wanted });
  };

  check('status', res.status, expected.status);

  const header = headerValue(res.headers, 'www-authenticate');
  const serverError = expected.status >= 500;
  if (serverError && expected.error !== undefined) {
    throw new TypeError('expectChallenge: RFC 6750 error codes do not apply to 5xx answers; omit `error`');
  }
  if (!serverError || header !== undefined) {
    check('WWW-Authenticate is a Bearer challenge', /^Bearer(?: |,|$)/.test(header ?? ''), true);
    const { params } = parseChallenge(header!);
    if (serverError) {
      check('5xx challenge does not blame the token', params.error === 'invalid_token', false);
    } else if (expected.error === undefined) {
      const errorParams = Object.fromEntries(
        Object.entries(params).filter(([k]) => k === 'error' || k === 'error_description' || k === 'error_uri'),
      );
      check('bare challenge has no error params', errorParams, {});
    } else {
      check('challenge error', params.error, expected.error);
    }
    if (expected.scope !== undefined) check('challenge scope', params.scope, expected.scope);
    if (expected.realm !== undefined) check('challenge realm', params.realm, expected.realm);
  }

  let body = res.body;
  // supertest leaves `body` as {} when the content-type is not JSON; fall back to the raw text.
  if ((body === undefined || (isObject(body) && Object.keys(body).length === 0)) && res.text) {
    try {
      body = JSON.parse(res.text);
    } catch {
      /* not JSON: the shape check below reports it */
    }
  }
  check('body is a JSON object', isObject(body), true);
  const b = body as Record<string, unknown>;
  check('body.statusCode', b.statusCode, expected.status);
  check('body.error is a string', typeof b.error, 'string');
  check('body.message is a string', typeof b.message, 'string');

  const text = `${res.text ?? JSON.stringify(res.body)}\n${header ?? ''}`;
  check('no stack trace in response', STACK_TRACE.exec(text)?.[0] ?? null, null);
  check('no token echoed in response', text.includes('eyJ'), false);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
