/**
 * Finding and caching the issuer's keys (OIDC Discovery §4, RFC 8414 §3, RFC 7517 §5): discovery
 * and its RFC 8414 fallback, an explicit jwksUri, single-flight cold starts, rotation through an
 * unknown kid, and refetch limits that keep a flood of random kids from hammering the issuer.
 * Request counters on the local issuer make every network call visible.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { expectChallenge } from '../helpers/challenge.js';
import { generateTestKey, type TestKey } from '../helpers/keys.js';
import { Scenarios, expectUnavailable, minter, sleep, type Scenario } from './support.js';

describe('key set', () => {
  const scenarios = new Scenarios();
  afterAll(() => scenarios.closeAll());

  describe('locating the JWKS', () => {
    it('reads jwks_uri from OpenID discovery: one discovery request, one JWKS request', async () => {
      const s = await scenarios.start();
      expect((await s.me()).status).toBe(200);
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
    });

    it('reads OpenID discovery of an issuer with a path', async () => {
      const s = await scenarios.start({}, { path: '/realms/demo' });
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
    });

    it('falls back to RFC 8414 (path insertion) when the OpenID document is absent', async () => {
      const s = await scenarios.start({}, { discovery: 'oauth', path: '/tenant-a' });
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts).toMatchObject({ discovery: 2, jwks: 1 });
    });

    it('falls back to RFC 8414 for an issuer without a path', async () => {
      const s = await scenarios.start({}, { discovery: 'oauth' });
      expect((await s.me()).status).toBe(200);
    });

    it('does not fall back to RFC 8414 when OpenID discovery has an outage (500)', async () => {
      const s = await scenarios.start({ keySet: { retryIntervalMs: 0 } }, {}, (issuer) =>
        issuer.setFault('discovery', 'status500'),
      );
      expectUnavailable(await s.me());
      expect(s.issuer.counts.discovery).toBe(1);
    });

    it('finds the metadata of an issuer written with a trailing slash (Auth0 style)', async () => {
      const s = await scenarios.start(
        (issuer) => ({ issuer: `${issuer.issuer}/` }),
        {},
        (issuer) => issuer.setMetadata({ issuer: `${issuer.issuer}/` }),
      );
      expect((await s.me(s.mint({ iss: `${s.issuer.issuer}/` }))).status).toBe(200);
      expectChallenge(await s.me(), { status: 401, error: 'invalid_token' }); // iss without the slash
    });

    it('reads at most keySet.maxKeys keys of a key set', async () => {
      const key = generateTestKey('ES256');
      const padding = Array.from({ length: 5 }, (_, i) => ({ ...key.publicJwk, kid: `pad-${i}` }));
      const jwks = { keys: [...padding, key.publicJwk] };
      const small = await scenarios.start({ keySet: { maxKeys: 5 } }, { keys: [key] }, (issuer) =>
        issuer.setJwks(jwks),
      );
      const large = await scenarios.start({ keySet: { maxKeys: 6 } }, { keys: [key] }, (issuer) =>
        issuer.setJwks(jwks),
      );
      expectChallenge(await small.me(), { status: 401, error: 'invalid_token' });
      expect((await large.me()).status).toBe(200);
    });

    // 0.0.0.0 is not loopback to the library (the option check refuses `jwksUri: 'http://0.0.0.0/...'`)
    // yet reaches this machine, which makes a call to it observable.
    it.each([
      ['refuses', false],
      ['accepts with allowInsecureRequests', true],
    ] as const)(
      '%s an http jwks_uri on a non-loopback host named by discovery',
      async (_name, allowInsecureRequests) => {
        const keyHost = await scenarios.start();
        const url = keyHost.issuer.jwksUri.replace('127.0.0.1', '0.0.0.0');
        const s = await scenarios.start({ allowInsecureRequests }, { keys: [keyHost.key] }, (issuer) =>
          issuer.setMetadata({ jwks_uri: url }),
        );
        if (allowInsecureRequests) {
          expect((await s.me()).status).toBe(200);
          expect(keyHost.issuer.counts.jwks).toBe(1);
        } else {
          expectUnavailable(await s.me());
          expect(keyHost.issuer.counts.jwks).toBe(0);
        }
      },
    );

    it('does not follow a JWKS redirect to an http URL on a non-loopback host', async () => {
      const keyHost = await scenarios.start();
      const url = keyHost.issuer.jwksUri.replace('127.0.0.1', '0.0.0.0');
      const s = await scenarios.start({}, { keys: [keyHost.key] }, (issuer) =>
        issuer.route('GET', '/jwks', (_req, res) => res.writeHead(302, { location: url }).end()),
      );
      expectUnavailable(await s.me());
      expect(keyHost.issuer.counts.jwks).toBe(0);
    });

    it('uses an explicit jwksUri without any discovery request', async () => {
      const s = await scenarios.start((issuer) => ({ jwksUri: issuer.jwksUri }), { discovery: 'none' });
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts).toMatchObject({ discovery: 0, jwks: 1 });
    });

    it('uses an explicit jwksUri even when discovery would name another one', async () => {
      const s = await scenarios.start(
        (issuer) => ({ jwksUri: issuer.jwksUri }),
        {},
        (issuer) => issuer.setMetadata({ jwks_uri: 'https://elsewhere.example.test/jwks' }),
      );
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts).toMatchObject({ discovery: 0, jwks: 1 });
    });
  });

  describe('cold start', () => {
    it('serves 20 concurrent first requests with exactly 1 discovery and 1 JWKS request', async () => {
      // A slightly slow JWKS keeps all 20 requests waiting on the same fetch.
      const s = await scenarios.start({}, {}, (issuer) => issuer.setFault('jwks', 'slow', { delayMs: 150 }));
      const statuses = await Promise.all(Array.from({ length: 20 }, () => s.me().then((r) => r.status)));
      expect(statuses).toEqual(Array(20).fill(200));
      expect(s.issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
    });

    it('answers 20 concurrent first requests with 503 after one attempt when the issuer is down', async () => {
      const s = await scenarios.start({}, {}, (issuer) => issuer.setFault('all', 'slow', { delayMs: 150 }));
      s.issuer.setFault('jwks', 'status500');
      const responses = await Promise.all(Array.from({ length: 20 }, () => s.me()));
      responses.forEach(expectUnavailable);
      expect(s.issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
    });

    it('fetches keys at startup with warmUp: true', async () => {
      const s = await scenarios.start({ warmUp: true });
      expect(s.issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts.jwks).toBe(1);
    });

    it('bounds warmUp by the outbound timeouts, not by a slow issuer', async () => {
      const started = Date.now();
      const s = await scenarios.start({ warmUp: true, httpTimeoutMs: 300 }, {}, (issuer) => {
        issuer.setFault('discovery', 'slow', { delayMs: 200 });
        issuer.setFault('jwks', 'slow', { delayMs: 5000 });
      });
      // One discovery call and one JWKS call, each bounded by httpTimeoutMs.
      expect(Date.now() - started).toBeLessThan(2 * 300 + 400);
      expect(s.issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
    });

    it('starts anyway when warmUp fails, and serves once the issuer is back', async () => {
      const s = await scenarios.start(
        { warmUp: true, httpTimeoutMs: 300, keySet: { retryIntervalMs: 0 } },
        {},
        (issuer) => issuer.setFault('jwks', 'reset'),
      );
      expectUnavailable(await s.me());
      s.issuer.setFault('jwks', 'ok');
      expect((await s.me()).status).toBe(200);
    });
  });

  describe('rotation', () => {
    it('accepts a token with a new kid after the issuer publishes it, with exactly one more JWKS fetch', async () => {
      const s = await scenarios.start({ keySet: { refetchCooldownMs: 0 } });
      expect((await s.me()).status).toBe(200);
      const next = generateTestKey('ES256');
      s.issuer.setKeys([s.key, next]);
      const before = s.issuer.counts.jwks;
      expect((await s.me(signedBy(next, s))).status).toBe(200);
      expect(s.issuer.counts.jwks).toBe(before + 1);
      // The old key is still there; no fetch needed for it.
      expect((await s.me()).status).toBe(200);
      expect(s.issuer.counts.jwks).toBe(before + 1);
    });

    it('looks again for a new kid only after refetchCooldownMs', async () => {
      const s = await scenarios.start({ keySet: { refetchCooldownMs: 400 } });
      expect((await s.me()).status).toBe(200);
      const next = generateTestKey('ES256');
      s.issuer.setKeys([s.key, next]);
      expectChallenge(await s.me(signedBy(next, s)), { status: 401, error: 'invalid_token' });
      expect(s.issuer.counts.jwks).toBe(1);
      await sleep(450);
      expect((await s.me(signedBy(next, s))).status).toBe(200);
      expect(s.issuer.counts.jwks).toBe(2);
    });

    it('remembers a kid found absent (negative cache): one fetch for repeated unknown kids', async () => {
      const s = await scenarios.start({ keySet: { refetchCooldownMs: 0 } });
      expect((await s.me()).status).toBe(200);
      const stranger = signedBy(generateTestKey('ES256'), s);
      for (let i = 0; i < 3; i += 1) expectChallenge(await s.me(stranger), { status: 401, error: 'invalid_token' });
      expect(s.issuer.counts.jwks).toBe(2);
    });
  });

  describe('flood of random kids', () => {
    it('keeps JWKS requests at most 2 for 200 random kids, while a valid token still passes', async () => {
      const s = await scenarios.start();
      const attacker = generateTestKey('ES256');
      const flood = Array.from({ length: 200 }, (_, i) => s.me(s.mint({}, { kid: `random-${i}-${Math.random()}` })));
      const valid = s.me();
      const [responses, ok] = await Promise.all([Promise.all(flood), valid]);
      responses.forEach((res) => expectChallenge(res, { status: 401, error: 'invalid_token' }));
      expect(ok.status).toBe(200);
      expect(s.issuer.counts.jwks).toBeLessThanOrEqual(2);
      // And afterwards: more random kids, signed by another key, still no fetch storm.
      for (let i = 0; i < 20; i += 1) {
        expectChallenge(await s.me(signedBy({ ...attacker, kid: `late-${i}` }, s)), {
          status: 401,
          error: 'invalid_token',
        });
      }
      expect(s.issuer.counts.jwks).toBeLessThanOrEqual(2);
      expect((await s.me()).status).toBe(200);
    });
  });
});

/** A valid token for scenario `s`'s issuer, signed by `key` (its kid in the header). */
function signedBy(key: TestKey, s: Scenario): string {
  return minter(key, s.issuer.issuer)();
}
