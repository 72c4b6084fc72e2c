// GraphqlWsAuth's answers that the e2e suite cannot provoke with a healthy issuer: an outage at
// connection_init, an unexpected failure, a context without a socket, a token without `exp`.
// The verifier is a stand-in here: the real one runs in test/e2e/graphql-subscriptions.e2e-spec.ts.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ResolvedConfig } from '../core/config/config.js';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import type { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { InvalidTokenError, UpstreamError } from '../errors/resource-server.error.js';
import { GraphqlWsAuth, type GraphqlWsConnectContext } from './graphql-ws.auth.js';

const config = { issuers: [{ issuer: 'https://issuer.example', clockTolerance: 5 }] } as unknown as ResolvedConfig;

function authWith(verify: (token: string) => Promise<VerifiedPrincipal>): GraphqlWsAuth {
  return new GraphqlWsAuth({ verify } as unknown as AccessTokenVerifier, config);
}

function connection(params?: Record<string, unknown>) {
  const closed: [number, string][] = [];
  const listeners: (() => void)[] = [];
  const socket = {
    close: (code: number, reason: string) => closed.push([code, reason]),
    once: (_: 'close', l: () => void) => listeners.push(l),
  };
  const context: GraphqlWsConnectContext = {
    connectionInitReceived: true,
    connectionParams: params,
    extra: { socket },
  };
  return { context, closed, listeners };
}

const principal = (expiresAt: number | undefined) =>
  ({ issuer: 'https://issuer.example', expiresAt }) as unknown as VerifiedPrincipal;

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('GraphqlWsAuth.onConnect', () => {
  it('closes with 4401 for a bad token and refuses the acknowledgement', async () => {
    const { context, closed } = connection({ authorization: 'Bearer abc' });
    const accepted = await authWith(async () => Promise.reject(new InvalidTokenError('expired')))
      .options()
      .onConnect(context);
    expect([accepted, closed]).toEqual([false, [[4401, 'Unauthorized']]]);
  });

  it("closes with 1013 (try again later) when the issuer is unreachable: not the client's fault", async () => {
    const { context, closed } = connection({ authorization: 'Bearer abc' });
    const accepted = await authWith(async () => Promise.reject(new UpstreamError('keys_unavailable')))
      .options()
      .onConnect(context);
    expect([accepted, closed]).toEqual([false, [[1013, 'Try again later']]]);
  });

  it('closes with 1011 and logs on an unexpected failure, without the token', async () => {
    const errors: string[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
    const { context, closed } = connection({ authorization: 'Bearer secret-token' });
    const accepted = await authWith(async () => Promise.reject(new TypeError('boom')))
      .options()
      .onConnect(context);
    expect([accepted, closed]).toEqual([false, [[1011, 'Internal error']]]);
    expect(errors).toEqual(['Unexpected error while checking a graphql-ws access token: boom']);
    expect(errors.join()).not.toContain('secret-token');
  });

  it('refuses without a socket to close, and accepts a token without exp without arming a timer', async () => {
    const refused = await authWith(async () => Promise.reject(new InvalidTokenError('expired')))
      .options()
      .onConnect({ connectionInitReceived: true, extra: {} });
    expect(refused).toBe(false);
    const { context, listeners } = connection({ authorization: 'Bearer abc' });
    expect(
      await authWith(async () => principal(undefined))
        .options()
        .onConnect(context),
    ).toBe(true);
    expect(listeners).toHaveLength(0);
  });

  it("closes with 4401 at exp plus the issuer's clock tolerance, re-arming past setTimeout's range; a closed socket clears it", async () => {
    jest.useFakeTimers({ now: 1_000_000_000_000 });
    const far = 1_000_000_000 + 30 * 24 * 3600; // 30 days: beyond setTimeout's 24.8-day limit
    const { context, closed, listeners } = connection({ authorization: 'Bearer abc' });
    expect(
      await authWith(async () => principal(far))
        .options()
        .onConnect(context),
    ).toBe(true);
    jest.advanceTimersByTime(30 * 24 * 3600 * 1000 + 4_000);
    expect(closed).toEqual([]);
    jest.advanceTimersByTime(1_500);
    expect(closed).toEqual([[4401, 'Token expired']]);

    const second = connection({ authorization: 'Bearer abc' });
    await authWith(async () => principal(1_000_000_000 + 60 * 24 * 3600 + 10))
      .options()
      .onConnect(second.context);
    second.listeners.forEach((l) => l());
    jest.advanceTimersByTime(61 * 24 * 3600 * 1000);
    expect(second.closed).toEqual([]);
    expect(listeners).toHaveLength(1);
  });
});
