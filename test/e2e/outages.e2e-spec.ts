/**
 * Issuer trouble is not the caller's fault: when discovery or the JWKS cannot be had and no usable
 * key is cached, the answer is 503 with a bare challenge and Retry-After, never 401 and never 500.
 * Cached keys keep answering through an outage (up to maxStaleAgeMs), and the server recovers by
 * itself once the issuer does, no faster than retryIntervalMs.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { FaultMode } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { Scenarios, expectUnavailable, sleep } from './support.js';

const FAST = { httpTimeoutMs: 300, keySet: { retryIntervalMs: 0 } };
const SLOW = { delayMs: 2000 };
const FAULTS: FaultMode[] = ['status500', 'reset', 'garbage', 'html', 'notFound', 'slow'];

describe('issuer outages', () => {
  const scenarios = new Scenarios();
  afterAll(() => scenarios.closeAll());

  describe('no key cached yet', () => {
    it.each(FAULTS)('answers 503 when discovery fails (%s) at the first request', async (mode) => {
      const s = await scenarios.start(FAST, {}, (issuer) => issuer.setFault('discovery', mode, SLOW));
      expectUnavailable(await s.me());
      expect(s.issuer.counts.jwks).toBe(0);
    });

    it.each(FAULTS)('answers 503 when the JWKS fails (%s) at the first request', async (mode) => {
      const s = await scenarios.start(FAST, {}, (issuer) => issuer.setFault('jwks', mode, SLOW));
      expectUnavailable(await s.me());
      expect(s.issuer.counts.jwks).toBe(1);
    });

    it('gives up on a slow issuer after httpTimeoutMs', async () => {
      const s = await scenarios.start(FAST, {}, (issuer) => issuer.setFault('jwks', 'slow', { delayMs: 5000 }));
      const started = Date.now();
      expectUnavailable(await s.me());
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it.each<[string, Record<string, unknown>]>([
      ['names another issuer', { issuer: 'https://evil.example.test' }],
      ['names the issuer with a trailing slash', { issuer: 'TRAILING' }],
      ['has no jwks_uri', { jwks_uri: undefined }],
      ['has a jwks_uri that is no URL', { jwks_uri: 'not a url' }],
      ['has a jwks_uri with a file: scheme', { jwks_uri: 'file:///etc/passwd' }],
    ])('answers 503 when the discovery document %s', async (_name, patch) => {
      const s = await scenarios.start(FAST, {}, (issuer) =>
        issuer.setMetadata(patch.issuer === 'TRAILING' ? { issuer: `${issuer.issuer}/` } : patch),
      );
      expectUnavailable(await s.me());
      expect(s.issuer.counts.jwks).toBe(0);
    });

    it('answers 503 when the JWKS is larger than the 512 KiB read limit', async () => {
      const key = generateTestKey('ES256');
      const padding = { kty: 'oct', kid: 'padding', k: 'x'.repeat(600 * 1024) };
      const s = await scenarios.start(FAST, { keys: [key] }, (issuer) =>
        issuer.setJwks({ keys: [key.publicJwk, padding] }),
      );
      expectUnavailable(await s.me());
    });

    it('tells clients to retry after retryIntervalMs, rounded up to seconds (default 5 s)', async () => {
      const s = await scenarios.start({}, {}, (issuer) => issuer.setFault('jwks', 'status500'));
      const res = await s.me();
      expectUnavailable(res);
      expect(res.headers['retry-after']).toBe('5');
    });

    it.each<[string, unknown]>([
      ['an empty key set', { keys: [] }],
      ['no keys array', { keys: 'none' }],
      ['a JSON array', [{ kty: 'RSA' }]],
      ['only a symmetric key', { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }] }],
      ['only a 1024-bit RSA key', { keys: [generateTestKey('RS256', { modulusLength: 1024 }).publicJwk] }],
      ['only a key whose alg does not fit it', { keys: [{ ...generateTestKey('RS256').publicJwk, alg: 'ES256' }] }],
      [
        'only a key with key_ops [encrypt]',
        { keys: [{ ...generateTestKey('ES256').publicJwk, key_ops: ['encrypt'] }] },
      ],
    ])('answers 503 when the JWKS holds %s (no usable key)', async (_name, jwks) => {
      const s = await scenarios.start(FAST, {}, (issuer) => issuer.setJwks(jwks));
      expectUnavailable(await s.me());
    });
  });

  describe('recovery', () => {
    it('answers 200 as soon as the issuer recovers (retryIntervalMs 0)', async () => {
      const s = await scenarios.start(FAST, {}, (issuer) => issuer.setFault('all', 'status500'));
      expectUnavailable(await s.me());
      s.issuer.setFault('all', 'ok');
      expect((await s.me()).status).toBe(200);
    });

    it('does not call a failing issuer again within retryIntervalMs, then recovers', async () => {
      const s = await scenarios.start({ httpTimeoutMs: 300, keySet: { retryIntervalMs: 700 } }, {}, (issuer) =>
        issuer.setFault('jwks', 'reset'),
      );
      expectUnavailable(await s.me());
      s.issuer.setFault('jwks', 'ok');
      const res = await s.me();
      expectUnavailable(res);
      expect([s.issuer.counts.jwks, res.headers['retry-after']]).toEqual([1, '1']);
      await sleep(800);
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts.jwks).toBe(2);
    });

    it('recovers from a discovery outage without refetching discovery once it succeeded', async () => {
      const s = await scenarios.start(FAST, {}, (issuer) => issuer.setFault('discovery', 'garbage'));
      expectUnavailable(await s.me());
      s.issuer.setFault('discovery', 'ok');
      expect((await s.me()).status).toBe(200);
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts).toMatchObject({ discovery: 2, jwks: 1 });
    });
  });

  describe('keys already cached', () => {
    it.each(FAULTS)('keep verifying known kids while the JWKS fails (%s)', async (mode) => {
      const s = await scenarios.start(FAST);
      expect((await s.me()).status).toBe(200);
      s.issuer.setFault('all', mode, SLOW);
      expect((await s.me()).status).toBe(200);
    });

    it('keep answering through background refreshes that fail, until maxStaleAgeMs', async () => {
      const s = await scenarios.start({
        httpTimeoutMs: 300,
        keySet: { cacheMaxAgeMs: 0, maxStaleAgeMs: 600, retryIntervalMs: 0 },
      });
      expect((await s.me()).status).toBe(200);
      s.issuer.setFault('jwks', 'status500');
      expect((await s.me()).status).toBe(200);
      await sleep(50);
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts.jwks).toBeGreaterThan(1); // it did try to refresh
      await sleep(700);
      expectUnavailable(await s.me());
      s.issuer.setFault('jwks', 'ok');
      expect((await s.me()).status).toBe(200);
    });

    it('answer 503, not 401, for an unknown kid while the JWKS is down (the key may exist)', async () => {
      const s = await scenarios.start({ ...FAST, keySet: { retryIntervalMs: 0, refetchCooldownMs: 0 } });
      expect((await s.me()).status).toBe(200);
      s.issuer.setFault('jwks', 'status500');
      const rotated = generateTestKey('ES256');
      expectUnavailable(await s.me(s.mint({}, { kid: rotated.kid })));
      expect((await s.me()).status).toBe(200);
    });
  });
});
