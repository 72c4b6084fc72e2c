// The GraphQL adapter on the contexts each driver builds: Apollo `{ req }` (Express, `req.res`),
// Mercurius `{ req, reply }` (Fastify), graphql-ws connection contexts; and the errors it raises.
import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import {
  ForbiddenError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  UpstreamError,
} from '../errors/resource-server.error.js';
import { GraphqlAccessError, GraphqlTransport, graphqlWsContextOf } from './graphql.transport.js';

const transport = new GraphqlTransport('api', new Set());

function contextOf(graphqlContext: unknown): ExecutionContext {
  return {
    getType: () => 'graphql',
    getArgByIndex: (i: number) => (i === 2 ? graphqlContext : undefined),
  } as unknown as ExecutionContext;
}

/** A response that records the headers set on it. */
function response(extra: Record<string, unknown> = {}) {
  const headers: Record<string, string> = {};
  return { headers, header: (name: string, value: string) => (headers[name] = value), ...extra };
}

describe('GraphqlTransport.credential', () => {
  it('reads the Authorization header of the Express request (Apollo context { req })', () => {
    expect(transport.credential(contextOf({ req: { headers: { authorization: 'Bearer abc' } } }))).toEqual({
      token: 'abc',
      scheme: 'bearer',
    });
  });

  it('reads the Fastify request behind a Mercurius reply, raw headers included', () => {
    const request = { headers: { authorization: 'Bearer abc' }, raw: { rawHeaders: ['Authorization', 'Bearer abc'] } };
    expect(transport.credential(contextOf({ reply: { request } })).token).toBe('abc');
    const twice = {
      headers: { authorization: 'Bearer abc' },
      raw: { rawHeaders: ['Authorization', 'Bearer abc', 'authorization', 'Bearer evil'] },
    };
    expect(() => transport.credential(contextOf({ reply: { request: twice } }))).toThrow(InvalidRequestError);
  });

  it('has no token without an HTTP request (no context, a context without req)', () => {
    expect(() => transport.credential(contextOf(undefined))).toThrow(MissingTokenError);
    expect(() => transport.credential(contextOf({ req: 'not a request' }))).toThrow(MissingTokenError);
  });

  it('reads connectionParams.authorization of a graphql-ws context, directly or under req', () => {
    const ws = { connectionInitReceived: true, connectionParams: { authorization: 'Bearer abc' } };
    expect(transport.credential(contextOf(ws)).token).toBe('abc');
    expect(transport.credential(contextOf({ req: ws })).token).toBe('abc');
    expect(
      transport.credential(
        contextOf({ connectionInitReceived: true, connectionParams: { Authorization: 'Bearer xyz' } }),
      ).token,
    ).toBe('xyz');
  });

  it('refuses a graphql-ws context without a usable token', () => {
    expect(() => transport.credential(contextOf({ connectionInitReceived: true }))).toThrow(MissingTokenError);
    expect(() =>
      transport.credential(contextOf({ connectionInitReceived: true, connectionParams: { authorization: 42 } })),
    ).toThrow(InvalidRequestError);
    expect(() =>
      transport.credential(contextOf({ connectionInitReceived: true, connectionParams: { authorization: 'Bearer' } })),
    ).toThrow(InvalidRequestError);
  });

  it('never takes a context without the graphql-ws marker for one', () => {
    expect(graphqlWsContextOf({ connectionParams: { authorization: 'Bearer abc' } })).toBeUndefined();
    expect(graphqlWsContextOf(null)).toBeUndefined();
  });
});

describe('GraphqlTransport.reject', () => {
  it.each([
    ['no token', new MissingTokenError(), 'UNAUTHENTICATED', 'unauthorized', 'Bearer realm="api"'],
    [
      'a bad token',
      new InvalidTokenError('expired'),
      'UNAUTHENTICATED',
      'invalid_token',
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    ],
    [
      'a malformed header',
      new InvalidRequestError('malformed_authorization'),
      'UNAUTHENTICATED',
      'invalid_request',
      expect.stringContaining('error="invalid_request"'),
    ],
  ])('%s: %s with the challenge on the Express response (req.res)', (_name, error, code, rfcCode, challenge) => {
    const res = response();
    const result = transport.reject(error, contextOf({ req: { headers: {}, res } }));
    expect(result).toBeInstanceOf(GraphqlAccessError);
    expect(result.extensions).toEqual({ code, error: rfcCode });
    expect(result.message).toBe(error.message);
    expect(result.cause).toBe(error);
    expect(result.stack).toBe(`GraphqlAccessError: ${error.message}`);
    expect(res.headers).toEqual({ 'WWW-Authenticate': challenge });
  });

  it('sets the challenge on a Mercurius reply', () => {
    const reply = response({ request: { headers: {} } });
    transport.reject(new MissingTokenError(), contextOf({ reply }));
    expect(reply.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api"' });
  });

  it('scope and role failures: FORBIDDEN (with the scopes for a scope failure), and no challenge', () => {
    const res = response();
    const scope = transport.reject(
      new InsufficientScopeError(['read', 'write']),
      contextOf({ res, req: { headers: {} } }),
    );
    expect(scope.extensions).toEqual({ code: 'FORBIDDEN', error: 'insufficient_scope', scope: 'read write' });
    const role = transport.reject(
      new ForbiddenError('insufficient_role', ['admin']),
      contextOf({ res, req: { headers: {} } }),
    );
    expect(role.extensions).toEqual({ code: 'FORBIDDEN', error: 'forbidden' });
    expect(res.headers).toEqual({});
  });

  it('an issuer outage: SERVICE_UNAVAILABLE, never INTERNAL_SERVER_ERROR', () => {
    expect(transport.reject(new UpstreamError('keys_unavailable'), contextOf({})).extensions).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      error: 'temporarily_unavailable',
    });
  });

  it('leaves a response alone once it is sent, and copes with no response at all', () => {
    const sent = response({ headersSent: true });
    transport.reject(new MissingTokenError(), contextOf({ res: sent }));
    const fastifySent = response({ sent: true });
    transport.reject(new MissingTokenError(), contextOf({ reply: fastifySent }));
    expect([sent.headers, fastifySent.headers]).toEqual([{}, {}]);
    expect(transport.reject(new MissingTokenError(), contextOf({ connectionInitReceived: true })).extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('respond() answers an error raised in a resolver the same way', () => {
    const res = response();
    const result = transport.respond(new InvalidTokenError('bad_signature'), contextOf({ req: { headers: {}, res } }));
    expect(result.extensions).toEqual({ code: 'UNAUTHENTICATED', error: 'invalid_token' });
    expect(res.headers['WWW-Authenticate']).toContain('invalid_token');
  });
});
