/**
 * Shared plumbing of the e2e suites: mint tokens for one issuer, pair a fresh issuer with a fresh app
 * (for stateful key-set cases), assert an outage answer, and name the audience every suite uses.
 * Apps start through ../helpers/start-app.ts.
 */
import type { ResourceServerModuleOptions } from 'nestjs-resource-server';
import { expect } from '@jest/globals';
import { expectChallenge, parseChallenge, type ChallengeResponse } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer, type LocalIssuerOptions } from '../helpers/issuer-server.js';
import { generateTestKey, type TestKey } from '../helpers/keys.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { mintAccessToken } from '../helpers/tokens.js';

/** The API identifier the suites configure as `audience` and mint into `aud`. */
export const AUDIENCE = 'https://api.example.test';

/** Token claims as the helpers take them: a value `undefined` removes the claim. */
export type Claims = Record<string, unknown>;

/**
 * Returns a minting function for tokens of `issuer` signed by `key`, audience {@link AUDIENCE}
 * unless the claims say otherwise.
 * @example const mint = minter(key, issuer.issuer); mint({ scope: 'read:messages' })
 */
export function minter(key: TestKey, issuer: string): (claims?: Claims, header?: Claims) => string {
  return (claims = {}, header) => mintAccessToken(key, { iss: issuer, aud: AUDIENCE, ...claims }, header);
}

/** `Authorization: Bearer <token>`, for `.set(...)`. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** The scope parameter of a 403 challenge as a sorted list (its order carries no meaning). */
export function challengeScopes(headers: Record<string, unknown>): string[] {
  const { params } = parseChallenge(String(headers['www-authenticate'] ?? ''));
  return (params.scope ?? '').split(' ').filter(Boolean).sort();
}

/** Waits `ms` milliseconds (cache ages and retry intervals are real time in these suites). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asserts the answer to an issuer outage: 503 with a bare Bearer challenge (the token is not to
 * blame), a `Retry-After` in whole seconds and body error `temporarily_unavailable`.
 */
export function expectUnavailable(res: ChallengeResponse): void {
  expectChallenge(res, { status: 503 });
  const { params } = parseChallenge(String(res.headers['www-authenticate'] ?? ''));
  expect({
    challenge: params,
    retryAfter: res.headers['retry-after'],
    error: (res.body as { error?: unknown }).error,
  }).toEqual({
    challenge: { realm: 'api' },
    retryAfter: expect.stringMatching(/^[1-9]\d*$/),
    error: 'temporarily_unavailable',
  });
}

/** A fresh issuer (one ES256 key) and a fresh app trusting it: no cache shared with other cases. */
export interface Scenario {
  readonly issuer: LocalIssuer;
  readonly app: RunningApp;
  readonly key: TestKey;
  readonly mint: (claims?: Claims, header?: Claims) => string;
  /** GET /me with a freshly minted valid token (or `token`). */
  me(token?: string): ReturnType<RunningApp['get']>;
}

/**
 * Starts scenarios on demand and closes them all at the end.
 * @example const scenarios = new Scenarios(); afterAll(() => scenarios.closeAll());
 */
export class Scenarios {
  private readonly open: Array<() => Promise<void>> = [];

  /**
   * `appOptions` may depend on the issuer (e.g. its jwksUri); `beforeApp` runs once the issuer is up
   * and before the app boots (e.g. to set a fault).
   */
  async start(
    appOptions:
      Partial<ResourceServerModuleOptions> | ((issuer: LocalIssuer) => Partial<ResourceServerModuleOptions>) = {},
    issuerOptions: LocalIssuerOptions = {},
    beforeApp?: (issuer: LocalIssuer) => void,
  ): Promise<Scenario> {
    const key = issuerOptions.keys?.[0] ?? generateTestKey('ES256');
    const issuer = await startLocalIssuer({ keys: [key], ...issuerOptions });
    this.open.push(() => issuer.close());
    beforeApp?.(issuer);
    const extra = typeof appOptions === 'function' ? appOptions(issuer) : appOptions;
    const app = await startApp({ issuer: issuer.issuer, audience: AUDIENCE, ...extra });
    this.open.push(() => app.close());
    const mint = minter(key, issuer.issuer);
    return { issuer, app, key, mint, me: (token = mint()) => app.get('/me', token) };
  }

  /** Closes apps before their issuers. */
  async closeAll(): Promise<void> {
    for (const close of this.open.splice(0).reverse()) await close();
  }
}
