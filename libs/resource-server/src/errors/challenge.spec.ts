// RFC 6750 §3 challenges and the one error body shape, for every error class.
import { describe, expect, it } from '@jest/globals';
import { parseChallenge } from '../../../../test/helpers/challenge.js';
import { buildChallenge, errorBody, errorHeaders } from './challenge.js';
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  ResourceServerError,
  UpstreamError,
} from './resource-server.error.js';

/** A status the fallback table does not know, to reach the last fallback. */
class TeapotError extends ResourceServerError {
  readonly status = 418;
  readonly bearerError = undefined;
}

describe('buildChallenge', () => {
  it.each<[string, ResourceServerError | undefined, string]>([
    ['no error at all', undefined, 'Bearer realm="api"'],
    ['a missing token (RFC 6750 §3.1: no error code)', new MissingTokenError(), 'Bearer realm="api"'],
    ["an upstream outage (not the client's fault)", new UpstreamError('keys_unavailable'), 'Bearer realm="api"'],
    ['an upstream timeout (504)', new UpstreamError('discovery_unavailable', 504), 'Bearer realm="api"'],
    [
      'an invalid token',
      new InvalidTokenError('expired'),
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    ],
    [
      'a malformed request',
      new InvalidRequestError('multiple_tokens'),
      'Bearer realm="api", error="invalid_request", error_description="The request carries more than one access token"',
    ],
    [
      'missing scopes',
      new InsufficientScopeError(['read:messages', 'admin']),
      'Bearer realm="api", error="insufficient_scope", ' +
        'error_description="The access token lacks the scope this resource requires", scope="read:messages admin"',
    ],
  ])('%s', (_name, error, expected) => {
    expect(buildChallenge('api', error)).toBe(expected);
  });

  it('uses a custom description for invalid_token', () => {
    const error = new InvalidTokenError('missing_claim', {
      description: 'The access token lacks the required claim sub',
    });
    expect(parseChallenge(buildChallenge('orders', error))).toEqual({
      scheme: 'Bearer',
      params: {
        realm: 'orders',
        error: 'invalid_token',
        error_description: 'The access token lacks the required claim sub',
      },
    });
  });

  it('strips quotes, backslashes, control and non-ASCII characters from every value', () => {
    const error = new InvalidTokenError('invalid_claim', {
      description: 'claim "aud" is \\bad\r\nX-Injected: 1\t\u0000\u007fé!',
    });
    const header = buildChallenge('my "realm"\\\n', error);
    expect(header).toBe(
      'Bearer realm="my realm", error="invalid_token", error_description="claim aud is badX-Injected: 1!"',
    );
    // eslint-disable-next-line no-control-regex -- the point: no control character reaches the header
    expect(header).not.toMatch(/[\r\n\t\\\u0000\u007f]/);

    const scoped = buildChallenge('api', new InsufficientScopeError(['re"ad', 'wr\\ite', 'x\ny']));
    expect(parseChallenge(scoped).params.scope).toBe('read write xy');
  });

  it('always produces a header the RFC 9110 parser accepts, with exactly the expected parameters', () => {
    const cases: [ResourceServerError | undefined, string[]][] = [
      [undefined, ['realm']],
      [new MissingTokenError(), ['realm']],
      [new UpstreamError('keys_unavailable', 503, { retryAfterSeconds: 5 }), ['realm']],
      [new InvalidTokenError('bad_signature'), ['realm', 'error', 'error_description']],
      [new InvalidRequestError('malformed_authorization'), ['realm', 'error', 'error_description']],
      [new InsufficientScopeError(['a']), ['realm', 'error', 'error_description', 'scope']],
    ];
    for (const [error, params] of cases) {
      const parsed = parseChallenge(buildChallenge('api', error));
      expect(parsed.scheme).toBe('Bearer');
      expect(Object.keys(parsed.params)).toEqual(params);
    }
  });
});

describe('errorBody', () => {
  it.each<[string, ResourceServerError, { statusCode: number; error: string; message: string }]>([
    [
      'a missing token',
      new MissingTokenError(),
      { statusCode: 401, error: 'unauthorized', message: 'A bearer access token is required' },
    ],
    [
      'an invalid token',
      new InvalidTokenError('expired'),
      { statusCode: 401, error: 'invalid_token', message: 'The access token expired' },
    ],
    [
      'a malformed request',
      new InvalidRequestError('malformed_authorization'),
      { statusCode: 400, error: 'invalid_request', message: 'The Authorization header is malformed' },
    ],
    [
      'missing scopes',
      new InsufficientScopeError(['a']),
      {
        statusCode: 403,
        error: 'insufficient_scope',
        message: 'The access token lacks the scope this resource requires',
      },
    ],
    [
      'an outage (503)',
      new UpstreamError('keys_unavailable'),
      {
        statusCode: 503,
        error: 'temporarily_unavailable',
        message: 'The token issuer keys are temporarily unavailable',
      },
    ],
    [
      'a bad gateway (502)',
      new UpstreamError('discovery_unavailable', 502),
      { statusCode: 502, error: 'bad_gateway', message: 'The token issuer metadata is temporarily unavailable' },
    ],
    [
      'a gateway timeout (504)',
      new UpstreamError('keys_unavailable', 504),
      { statusCode: 504, error: 'gateway_timeout', message: 'The token issuer keys are temporarily unavailable' },
    ],
    [
      'an unknown status without RFC 6750 code',
      new TeapotError('expired'),
      { statusCode: 418, error: 'error', message: 'The access token expired' },
    ],
  ])('%s', (_name, error, expected) => {
    expect(errorBody(error)).toEqual(expected);
  });

  it('never carries the cause, even one holding a secret', () => {
    const cause = new Error('upstream said: token eyJhbGciOi.secret.sig');
    const body = errorBody(new UpstreamError('keys_unavailable', 503, { cause }));
    expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(JSON.stringify(body)).not.toContain('secret');
  });
});

describe('errorHeaders', () => {
  it('sends Retry-After with an outage that has one', () => {
    expect(errorHeaders('api', new UpstreamError('keys_unavailable', 503, { retryAfterSeconds: 5 }))).toEqual([
      ['WWW-Authenticate', 'Bearer realm="api"'],
      ['Retry-After', '5'],
    ]);
  });

  it('sends only the challenge otherwise', () => {
    expect(errorHeaders('api', new UpstreamError('keys_unavailable'))).toEqual([
      ['WWW-Authenticate', 'Bearer realm="api"'],
    ]);
    expect(errorHeaders('api', new InvalidTokenError('expired'))).toEqual([
      ['WWW-Authenticate', 'Bearer realm="api", error="invalid_token", error_description="The access token expired"'],
    ]);
  });
});

describe('the error classes', () => {
  it.each<[string, number, string | undefined, ResourceServerError]>([
    ['MissingTokenError', 401, undefined, new MissingTokenError()],
    ['InvalidRequestError', 400, 'invalid_request', new InvalidRequestError('multiple_tokens')],
    ['InvalidTokenError', 401, 'invalid_token', new InvalidTokenError('bad_signature')],
    ['InsufficientScopeError', 403, 'insufficient_scope', new InsufficientScopeError(['a'])],
    ['UpstreamError', 503, undefined, new UpstreamError('keys_unavailable')],
  ])('%s: status %i, bearer error %p', (name, status, bearerError, error) => {
    expect(error).toBeInstanceOf(ResourceServerError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
    expect(error.bearerError).toBe(bearerError);
  });

  it('keeps the cause for logs', () => {
    const cause = new Error('ECONNRESET');
    expect(new UpstreamError('keys_unavailable', 503, { cause }).cause).toBe(cause);
    expect(new InvalidTokenError('malformed_token', { cause }).cause).toBe(cause);
  });
});
