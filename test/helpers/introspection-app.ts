/**
 * Helpers of the introspection suite (RFC 7662): a scriptable introspection endpoint mounted on a
 * {@link LocalIssuer} that records every call, and a controller that shows the whole principal.
 */
import { Controller, Get } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Principal, Scopes, type VerifiedPrincipal } from 'nestjs-resource-server';
import type { LocalIssuer } from './issuer-server.js';

/** How the fake endpoint misbehaves; 'ok' answers with {@link FakeIntrospection.answer}. */
export type IntrospectionFault =
  'ok' | 'reset' | 'timeout' | 'status401' | 'status500' | 'garbage' | 'html' | 'activeNotBoolean';

/** One request the fake endpoint received, as sent. */
export interface IntrospectionCall {
  readonly method: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  /** The raw request body. */
  readonly body: string;
  readonly form: URLSearchParams;
  /** The `token` form parameter. */
  readonly token: string | null;
}

/** A scriptable introspection endpoint at `issuer + '/introspect'` (where discovery points). */
export interface FakeIntrospection {
  readonly calls: IntrospectionCall[];
  /** Calls that asked about `token`. */
  callsFor(token: string): number;
  /** Builds the JSON answer for a token; by default {@link activeAnswer}. */
  answer: (token: string) => Record<string, unknown>;
  fault: IntrospectionFault;
  /** Delay before any answer (or fault), ms: keeps concurrent requests overlapping. */
  delayMs: number;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * An `active: true` answer like a real issuer's for an access token of `issuer`, 5 minutes left.
 * @example activeAnswer(issuer.issuer, AUDIENCE, { scope: 'read:messages admin:messages' })
 */
export function activeAnswer(
  issuer: string,
  audience: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = nowSeconds();
  const answer: Record<string, unknown> = {
    active: true,
    iss: issuer,
    aud: audience,
    sub: 'user-1',
    client_id: 'svc-client',
    scope: 'read:messages',
    token_type: 'Bearer',
    iat: now,
    exp: now + 300,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(answer).filter(([, v]) => v !== undefined));
}

function send(res: ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
}

/**
 * Mounts a fake introspection endpoint on `issuer` (POST /introspect). Delayed answers are dropped
 * when the client gives up, so no timer outlives the connection.
 * @example const fake = fakeIntrospection(issuer, AUDIENCE); fake.fault = 'status500';
 */
export function fakeIntrospection(issuer: LocalIssuer, audience: string): FakeIntrospection {
  const fake: FakeIntrospection = {
    calls: [],
    callsFor: (token) => fake.calls.filter((c) => c.token === token).length,
    answer: () => activeAnswer(issuer.issuer, audience),
    fault: 'ok',
    delayMs: 0,
  };
  const later = (res: ServerResponse, ms: number, reply: () => void): void => {
    const timer = setTimeout(() => {
      if (!res.destroyed && !res.writableEnded) reply();
    }, ms);
    res.on('close', () => clearTimeout(timer));
  };
  issuer.route('POST', '/introspect', (req: IncomingMessage, res: ServerResponse, body: string) => {
    const form = new URLSearchParams(body);
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    fake.calls.push({
      method: req.method ?? '',
      contentType: header('content-type'),
      authorization: header('authorization'),
      body,
      form,
      token: form.get('token'),
    });
    const token = form.get('token') ?? '';
    const reply = (): void => {
      switch (fake.fault) {
        case 'reset':
          req.socket.destroy();
          return;
        case 'timeout':
          later(res, 5000, () => send(res, 200, JSON.stringify(fake.answer(token))));
          return;
        case 'status401':
          send(res, 401, JSON.stringify({ error: 'invalid_client' }));
          return;
        case 'status500':
          send(res, 500, JSON.stringify({ error: 'server_error' }));
          return;
        case 'garbage':
          send(res, 200, 'not json{');
          return;
        case 'html':
          send(res, 200, '<!doctype html><title>Login</title><h1>Please sign in</h1>', 'text/html; charset=utf-8');
          return;
        case 'activeNotBoolean':
          send(res, 200, JSON.stringify({ active: 'yes', scope: 'read:messages' }));
          return;
        case 'ok':
          send(res, 200, JSON.stringify(fake.answer(token)));
      }
    };
    if (fake.delayMs > 0) later(res, fake.delayMs, reply);
    else reply();
  });
  return fake;
}

/**
 * GET /principal (the whole principal but the raw token, plus its field names), GET /read (read:messages).
 * @example await startApp(options, { controllers: [PrincipalController] });
 */
@Controller()
export class PrincipalController {
  /** The whole principal except the raw token, plus its field names. */
  @Get('principal')
  principal(@Principal() principal: VerifiedPrincipal) {
    const { token, ...rest } = principal;
    return { fields: Object.keys(principal).sort(), tokenLength: token.length, ...rest };
  }

  @Scopes('read:messages')
  @Get('read')
  read() {
    return { ok: true };
  }
}
