import { describe, expect, it } from '@jest/globals';
import { problemBody } from './problem.js';
import {
  ForbiddenError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  UpstreamError,
} from './resource-server.error.js';

describe('problemBody (RFC 9457)', () => {
  it('points bearer token errors at RFC 6750 and keeps their code', () => {
    expect(problemBody(new InvalidTokenError('expired'))).toEqual({
      type: 'https://www.rfc-editor.org/rfc/rfc6750#section-3.1',
      title: 'Invalid access token',
      status: 401,
      detail: 'The access token expired',
      error: 'invalid_token',
    });
    expect(problemBody(new InvalidRequestError('multiple_tokens'))).toMatchObject({
      title: 'Invalid request',
      status: 400,
      error: 'invalid_request',
    });
    expect(problemBody(new InsufficientScopeError(['a']))).toMatchObject({ title: 'Insufficient scope', status: 403 });
  });

  it('uses about:blank and a status title for everything else', () => {
    expect(problemBody(new MissingTokenError())).toMatchObject({
      type: 'about:blank',
      title: 'Unauthorized',
      error: 'unauthorized',
    });
    expect(problemBody(new ForbiddenError('insufficient_role'))).toMatchObject({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
    });
    expect(problemBody(new UpstreamError('keys_unavailable'))).toMatchObject({
      title: 'Service unavailable',
      status: 503,
    });
    expect(problemBody(new UpstreamError('userinfo_timeout', 504))).toMatchObject({
      title: 'Gateway timeout',
      error: 'gateway_timeout',
    });
    expect(problemBody(new UpstreamError('userinfo_unavailable', 502))).toMatchObject({ title: 'Bad gateway' });
  });
});
