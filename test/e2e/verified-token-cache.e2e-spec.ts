/**
 * The verified-token cache: a token that verified once is answered from memory until it could have
 * changed. It must never outlive what an uncached server would accept: the token's `exp`, its key's
 * presence in the key set, and the key set's maxStaleAgeMs. Cases about stale keys run with the
 * cache on and off, so the expectation is, literally, what the uncached server does.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectChallenge } from '../helpers/challenge.js';
import { generateTestKey } from '../helpers/keys.js';
import { nowSeconds } from '../helpers/tokens.js';
import { Scenarios, expectUnavailable, minter, sleep } from './support.js';

const CACHE_MODES = [
  ['cache on (default)', {}],
  ['cache off', { verifiedTokenCache: false }],
] as const;

describe('verified-token cache', () => {
  const scenarios = new Scenarios();
  afterAll(() => scenarios.closeAll());

  it('answers a repeated token without another key fetch', async () => {
    const s = await scenarios.start();
    const token = s.mint();
    for (let i = 0; i < 3; i += 1) expect((await s.me(token)).status).toBe(200);
    expect(s.issuer.counts.jwks).toBe(1);
  });

  it('refuses a cached token once it expires', async () => {
    const s = await scenarios.start({ clockTolerance: 0 });
    // Two seconds: with one, a first request that crossed a second boundary on a busy machine
    // found the token already expired.
    const exp = nowSeconds() + 2;
    const token = s.mint({ exp });
    expect((await s.me(token)).status).toBe(200);
    await sleep(exp * 1000 - Date.now() + 50);
    expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
  });

  it('refuses a cached token once it is older than maxTokenAge, long before its exp', async () => {
    const s = await scenarios.start({ clockTolerance: 0, maxTokenAge: 1 });
    const iat = nowSeconds();
    const token = s.mint({ iat, exp: iat + 3_600 });
    expect((await s.me(token)).status).toBe(200);
    expect((await s.me(token)).status).toBe(200);
    // Too old once the whole seconds since iat exceed maxTokenAge: from iat + 2 s on.
    await sleep((iat + 2) * 1000 - Date.now() + 50);
    expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
  });

  it('refuses a cached token once a refresh shows its key has left the key set', async () => {
    const s = await scenarios.start({ keySet: { cacheMaxAgeMs: 100, refetchCooldownMs: 0 } });
    const token = s.mint();
    expect((await s.me(token)).status).toBe(200);
    const next = generateTestKey('ES256');
    s.issuer.setKeys([next]);
    await sleep(150);
    // A token of the new key makes the server read the key set again.
    expect((await s.me(minter(next, s.issuer.issuer)())).status).toBe(200);
    expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
  });

  it.each(CACHE_MODES)(
    'refuses a repeated token once its key has left the key set, when only that token arrives (%s)',
    async (_mode, cache) => {
      const s = await scenarios.start({ ...cache, keySet: { cacheMaxAgeMs: 100, refetchCooldownMs: 0 } });
      const token = s.mint();
      expect((await s.me(token)).status).toBe(200);
      s.issuer.setKeys([generateTestKey('ES256')]);
      await sleep(150);
      // The key set is past cacheMaxAgeMs: this request may still pass (stale-while-revalidate), but
      // it must make the server read the key set again.
      await s.me(token);
      await sleep(100);
      expectChallenge(await s.me(token), { status: 401, error: 'invalid_token' });
      expect(s.issuer.counts.jwks).toBeGreaterThan(1);
    },
  );

  it.each(CACHE_MODES)(
    'answers a repeated token with 503, like any other, once the keys are older than maxStaleAgeMs (%s)',
    async (_mode, cache) => {
      const keySet = { cacheMaxAgeMs: 0, maxStaleAgeMs: 300, retryIntervalMs: 0 };
      const s = await scenarios.start({ ...cache, httpTimeoutMs: 300, keySet });
      const token = s.mint();
      expect((await s.me(token)).status).toBe(200);
      s.issuer.setFault('jwks', 'status500');
      await sleep(400);
      expectUnavailable(await s.me(token));
      expectUnavailable(await s.me());
    },
  );
});
