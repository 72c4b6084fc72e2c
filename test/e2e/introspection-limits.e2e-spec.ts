/**
 * Outbound introspection is bounded: in `auto` and `opaque` mode every distinct made-up token would
 * otherwise cost the issuer one call. Beyond `introspection.maxConcurrent` calls in flight or
 * `introspection.maxRequestsPerSecond` calls started, a request is answered at once with 503
 * `temporarily_unavailable` and `Retry-After`, never queued. Cached answers and requests joining a
 * call in flight for the same token do not count. Real HTTP to a scriptable introspection endpoint;
 * exact call counts; the rate window is driven by an injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { ResourceServerModuleOptions } from 'nestjs-resource-server';
import { AccessTokenVerifier } from '../../libs/resource-server/src/core/verifier/access-token-verifier.js';
import { resolveConfig } from '../../libs/resource-server/src/core/config/config.js';
import { MESSAGES } from '../../libs/resource-server/src/errors/messages.js';
import { UpstreamError } from '../../libs/resource-server/src/errors/resource-server.error.js';
import { fakeIntrospection, type FakeIntrospection } from '../helpers/introspection-app.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { closeAll } from '../helpers/start-app.js';
import { AUDIENCE, Scenarios, expectUnavailable, type Scenario } from './support.js';

const CREDENTIALS = { clientId: 'api-client', clientSecret: 'api-secret' };
const opaqueToken = (): string => randomBytes(24).toString('base64url');

interface FakeScenario extends Scenario {
  readonly fake: FakeIntrospection;
}

describe('introspection limits', () => {
  const scenarios = new Scenarios();
  afterAll(async () => {
    await closeAll();
    await scenarios.closeAll();
  });

  async function startFake(
    introspection: Partial<NonNullable<ResourceServerModuleOptions['introspection']>>,
    tokenType: 'opaque' | 'auto' = 'auto',
  ): Promise<FakeScenario> {
    let fake: FakeIntrospection | undefined;
    // A generous timeout: the slow answers below must not time out on a loaded machine.
    const s = await scenarios.start(
      { tokenType, introspection: { ...CREDENTIALS, timeoutMs: 15_000, ...introspection } },
      {},
      (issuer) => {
        fake = fakeIntrospection(issuer, AUDIENCE);
      },
    );
    return { ...s, fake: fake! };
  }

  it('answers tokens beyond maxConcurrent at once with 503 introspection_busy and Retry-After: 1, without calling', async () => {
    const s = await startFake({ maxConcurrent: 3, maxRequestsPerSecond: 1000 });
    s.fake.delayMs = 4000; // long enough for the extra requests to arrive on a loaded machine
    const slow = [opaqueToken(), opaqueToken(), opaqueToken()];
    // supertest sends on then(): start the requests now.
    const inFlight = slow.map((token) => s.me(token).then((res) => res));
    // Let the three slow calls reach the endpoint before the extra tokens arrive.
    await waitFor(() => s.fake.calls.length === 3);
    const started = performance.now();
    const refused = await Promise.all([s.me(opaqueToken()), s.me(opaqueToken())]);
    const refusedAfterMs = performance.now() - started;
    for (const res of refused) {
      expectUnavailable(res);
      expect({ retryAfter: res.headers['retry-after'], message: res.body.message }).toEqual({
        retryAfter: '1',
        message: MESSAGES.introspection_busy,
      });
    }
    // Refused, not queued behind the slow calls.
    expect(refusedAfterMs).toBeLessThan(3000);
    expect((await Promise.all(inFlight)).map((res) => res.status)).toEqual([200, 200, 200]);
    expect(s.fake.calls.length).toBe(3);
    // The slots are free again.
    s.fake.delayMs = 0;
    expect((await s.me(opaqueToken())).status).toBe(200);
    expect(s.fake.calls.length).toBe(4);
  });

  it('does not count cached answers, nor requests joining a call in flight for the same token', async () => {
    const s = await startFake({ maxConcurrent: 1, maxRequestsPerSecond: 1000 });
    const cached = opaqueToken();
    expect((await s.me(cached)).status).toBe(200);
    s.fake.delayMs = 3000;
    const slow = opaqueToken();
    const joined = Array.from({ length: 10 }, () => s.me(slow).then((res) => res));
    await waitFor(() => s.fake.calls.length === 2);
    const [fromCache, other] = await Promise.all([s.me(cached), s.me(opaqueToken())]);
    expect(fromCache.status).toBe(200);
    expectUnavailable(other);
    expect((await Promise.all(joined)).map((res) => res.status)).toEqual(Array(10).fill(200));
    expect({ cached: s.fake.callsFor(cached), slow: s.fake.callsFor(slow), total: s.fake.calls.length }).toEqual({
      cached: 1,
      slow: 1,
      total: 2,
    });
  });

  it('refuses distinct tokens beyond maxRequestsPerSecond with Retry-After, and JWTs are not affected', async () => {
    // 0.2 per second: one call, then the bucket needs 5 s for the next (less the time the first took).
    const s = await startFake({ maxConcurrent: 10, maxRequestsPerSecond: 0.2 });
    expect((await s.me(opaqueToken())).status).toBe(200);
    const refused = await s.me(opaqueToken());
    expectUnavailable(refused);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(3);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(5);
    expect(s.fake.calls.length).toBe(1);
    expect((await s.me()).status).toBe(200); // a JWT in auto mode never reaches the limiter
    expect(s.fake.calls.length).toBe(1);
  });

  describe('rate window on an injected clock (AccessTokenVerifier, real HTTP)', () => {
    let issuer: LocalIssuer;
    let fake: FakeIntrospection;
    beforeAll(async () => {
      issuer = await startLocalIssuer();
      fake = fakeIntrospection(issuer, AUDIENCE);
    });
    afterAll(async () => {
      await issuer.close();
    });

    const busyOrOk = (verifier: AccessTokenVerifier) =>
      verifier.verify(opaqueToken()).then(
        () => 'ok',
        (error: unknown) =>
          error instanceof UpstreamError ? `${error.code} ${error.retryAfterSeconds}` : String(error),
      );

    it('admits maxRequestsPerSecond calls per second of the injected clock, exactly', async () => {
      const clock = { now: Date.now() }; // near the wall clock: the fake's answers carry real iat/exp
      const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
      const config = resolveConfig({
        issuer: issuer.issuer,
        audience: AUDIENCE,
        tokenType: 'opaque',
        introspection: { ...CREDENTIALS, maxRequestsPerSecond: 4 },
      });
      const verifier = new AccessTokenVerifier(config, {
        now: () => clock.now,
        logger: quiet,
        httpTimeoutMs: 2000,
        maxResponseBytes: 100_000,
      });
      fake.calls.length = 0;
      const burst = [];
      for (let i = 0; i < 5; i++) burst.push(await busyOrOk(verifier));
      expect(burst).toEqual(['ok', 'ok', 'ok', 'ok', 'introspection_busy 1']);
      expect(fake.calls.length).toBe(4);
      clock.now += 249;
      expect(await busyOrOk(verifier)).toBe('introspection_busy 1');
      clock.now += 1; // 250 ms: one call's worth at 4/s
      expect([await busyOrOk(verifier), await busyOrOk(verifier)]).toEqual(['ok', 'introspection_busy 1']);
      clock.now += 60_000; // an idle minute refills one second's worth, not sixty
      const after = [];
      for (let i = 0; i < 5; i++) after.push(await busyOrOk(verifier));
      expect(after).toEqual(['ok', 'ok', 'ok', 'ok', 'introspection_busy 1']);
      expect(fake.calls.length).toBe(9);
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
