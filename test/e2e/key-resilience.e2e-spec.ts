/**
 * Issue 4, key-set resilience, end to end: real HTTP (supertest against a listening Nest app), real
 * keys, a real local issuer that counts its discovery and JWKS requests and can rotate keys or fail.
 *
 * Every case asserts exact issuer request counts, because they are the behaviour under test: single
 * flight, unknown-kid refetch with cooldown, negative kid cache, stale keys during outages up to
 * `maxStaleAgeMs`, 503 + Retry-After when no key can be had, and warm-up at bootstrap.
 *
 * Timings are shrunk through `keySet` options so that waits stay short (<= 300 ms each). The apps log
 * into an in-memory logger (the library logs through Nest's `Logger`), so "logged once per outage
 * episode" is asserted on real log lines, filtered by the issuer URL (unique per test, ephemeral port).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type request from 'supertest';
import type { ResourceServerModuleOptions } from 'nestjs-resource-server';
import { expectChallenge, parseChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type FaultMode, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey, type TestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { b64url, mintAccessToken, nowSeconds } from '../helpers/tokens.js';

const AUDIENCE = 'https://api.key-resilience.test';

// Real RSA-2048 keys, generated once: each test runs its own issuer (own port, own `iss`), so sharing
// the key pairs across tests changes nothing but the time spent generating primes.
const KEY_A = generateTestKey('RS256', { kid: 'key-a' });
const KEY_B = generateTestKey('RS256', { kid: 'key-b' });

// ---------------------------------------------------------------------------------------------------
// Plumbing: an in-memory logger, a tiny guarded app, issuers, tokens.

interface LogLine {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
}

const logLines: LogLine[] = [];
const record =
  (level: LogLine['level']) =>
  (message: unknown): void => {
    logLines.push({ level, message: String(message) });
  };
const memoryLogger: LoggerService = {
  log: record('log'),
  error: record('error'),
  warn: record('warn'),
  debug: record('debug'),
  verbose: record('verbose'),
  fatal: record('fatal'),
};

/** Log lines of one level that mention `text` (an issuer URL is unique per test: ephemeral port). */
const logsOf = (level: LogLine['level'], ...texts: string[]): string[] =>
  logLines.filter((l) => l.level === level && texts.every((t) => l.message.includes(t))).map((l) => l.message);

afterAll(closeAll);

/** The probe app (GET /open, /me, ...) with this suite's audience, logging into {@link memoryLogger}. */
const startRs = (options: Partial<ResourceServerModuleOptions> & { issuer: string }): Promise<RunningApp> =>
  startApp({ audience: AUDIENCE, ...options }, { logger: memoryLogger });

async function startIssuer(keys: TestKey[]): Promise<LocalIssuer> {
  return closeLater(await startLocalIssuer({ keys }));
}

/** A fresh token every call (random jti), so the verified-token cache never answers for it. */
function token(key: TestKey, issuer: LocalIssuer, header?: Record<string, unknown>): string {
  return mintAccessToken(key, { iss: issuer.issuer, aud: AUDIENCE }, header);
}

/** A valid signature by `key` under a kid the issuer has never published. */
function unknownKidToken(key: TestKey, issuer: LocalIssuer, kid = `ghost-${randomUUID()}`): string {
  return token(key, issuer, { kid });
}

const me = (rs: RunningApp, jwt: string) => rs.get('/me', jwt);

/** Sends all at once; resolves to the statuses in order. */
async function concurrently(rs: RunningApp, tokens: string[]): Promise<number[]> {
  const responses = await Promise.all(tokens.map((t) => me(rs, t)));
  return responses.map((r) => r.status);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10 ms for up to `ms` (for background refreshes, which no request awaits). */
async function eventually(condition: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(10);
}

/** Asserts a bare Bearer challenge (no error, error_description, error_uri) and a Retry-After in seconds. */
function expectOutageAnswer(res: request.Response): void {
  expectChallenge(res, { status: 503 });
  const challenge = res.headers['www-authenticate'];
  expect(typeof challenge).toBe('string');
  const { scheme, params } = parseChallenge(String(challenge));
  expect(scheme).toBe('Bearer');
  expect(Object.keys(params).filter((p) => p.startsWith('error'))).toEqual([]);
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
}

const jwksErrors = (issuer: LocalIssuer) => logsOf('error', `JWKS of ${issuer.issuer}`, 'unavailable');
const jwksRecoveries = (issuer: LocalIssuer) => logsOf('log', `JWKS of ${issuer.issuer}`, 'available again');

// ---------------------------------------------------------------------------------------------------

describe('key set resilience (issue 4)', () => {
  describe('rotation', () => {
    it('accepts a rotated-in kid after exactly 1 extra JWKS request, and refuses the old key once it is gone', async () => {
      const oldKey = KEY_A;
      const newKey = KEY_B;
      const issuer = await startIssuer([oldKey]);
      const rs = await startRs({ issuer: issuer.issuer, keySet: { refetchCooldownMs: 200 } });

      const oldToken = token(oldKey, issuer); // reused below: it sits in the verified-token cache
      expect((await me(rs, oldToken)).status).toBe(200);
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });

      // The issuer publishes the new key next to the old one and starts signing with it.
      issuer.setKeys([oldKey, newKey]);
      await sleep(250); // past the refetch cooldown since the first fetch
      expect((await me(rs, token(newKey, issuer))).status).toBe(200);
      expect(issuer.counts.jwks).toBe(2); // exactly one extra request, no restart
      expect((await me(rs, token(newKey, issuer))).status).toBe(200);
      expect((await me(rs, token(oldKey, issuer))).status).toBe(200);
      expect(issuer.counts.jwks).toBe(2); // both kids known now: no further request

      // The old key is retired. Until a refetch happens the library cannot know.
      issuer.setKeys([newKey]);
      await sleep(250);
      const trigger = await me(rs, unknownKidToken(newKey, issuer)); // an unknown kid causes the refetch
      expectChallenge(trigger, { status: 401, error: 'invalid_token' });
      expect(issuer.counts.jwks).toBe(3);

      expectChallenge(await me(rs, token(oldKey, issuer)), { status: 401, error: 'invalid_token' });
      // The token accepted (and cached) at the start is refused too: its key left the key set.
      expectChallenge(await me(rs, oldToken), { status: 401, error: 'invalid_token' });
      expect((await me(rs, token(newKey, issuer))).status).toBe(200);
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 3 }); // the refusals cost no request
    });
  });

  describe('a moved JWKS', () => {
    it('looks at discovery again when the JWKS it named fails, and follows the new jwks_uri', async () => {
      const newKey = KEY_B;
      const issuer = await startIssuer([KEY_A]);
      const rs = await startRs({ issuer: issuer.issuer, keySet: { refetchCooldownMs: 0, retryIntervalMs: 100 } });
      expect((await me(rs, token(KEY_A, issuer))).status).toBe(200);
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });

      // The issuer moves its key set (and rotates): the old URL is gone, discovery names the new one.
      let moved = 0;
      issuer.route('GET', '/keys/v2', (_req, res) => {
        moved += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [newKey.publicJwk] }));
      });
      issuer.setMetadata({ jwks_uri: `${issuer.issuer}/keys/v2` });
      issuer.setFault('jwks', 'notFound');

      // The new kid makes the store refetch from the old URL, which fails: 503, and discovery is due again.
      expect((await me(rs, token(newKey, issuer))).status).toBe(503);
      await sleep(150); // past the retry interval
      expect((await me(rs, token(newKey, issuer))).status).toBe(200);
      expect(issuer.counts.discovery).toBe(2);
      expect(moved).toBe(1);
    });
  });

  describe('single flight, cooldown and negative cache', () => {
    it('100 concurrent requests with one unknown kid cause exactly 1 JWKS request; the same kid again causes 0 (negative cache)', async () => {
      const key = KEY_A; // any published key: each test has its own issuer
      const issuer = await startIssuer([key]);
      // No cooldown at all, so that only single flight and the negative cache can keep the count at 1
      // (and so that the count does not depend on how long 100 requests take on a loaded machine).
      const rs = await startRs({ issuer: issuer.issuer, keySet: { refetchCooldownMs: 0, negativeCacheTtlMs: 60_000 } });
      expect((await me(rs, token(key, issuer))).status).toBe(200);
      expect(issuer.counts.jwks).toBe(1);

      const ghost = 'ghost-single-flight';
      const statuses = await concurrently(
        rs,
        Array.from({ length: 100 }, () => unknownKidToken(key, issuer, ghost)),
      );
      expect(statuses).toEqual(Array(100).fill(401));
      expect(issuer.counts.jwks).toBe(2); // exactly 1 for all 100

      // The same kid within the negative TTL: 0 requests (there is no cooldown to thank for that).
      const again = await concurrently(
        rs,
        Array.from({ length: 20 }, () => unknownKidToken(key, issuer, ghost)),
      );
      expect(again).toEqual(Array(20).fill(401));
      expectChallenge(await me(rs, unknownKidToken(key, issuer, ghost)), { status: 401, error: 'invalid_token' });
      expect(issuer.counts.jwks).toBe(2);
      // Control: a kid never looked up is looked up.
      expectChallenge(await me(rs, unknownKidToken(key, issuer, 'ghost-never-seen')), {
        status: 401,
        error: 'invalid_token',
      });
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 3 });
    });

    it('a different unknown kid within the refetch cooldown: 401 invalid_token with 0 requests; looked up once the cooldown is over', async () => {
      const key = KEY_A;
      const issuer = await startIssuer([key]);
      const rs = await startRs({
        issuer: issuer.issuer,
        keySet: { refetchCooldownMs: 250, negativeCacheTtlMs: 60_000 },
      });
      expect((await me(rs, token(key, issuer))).status).toBe(200);
      await sleep(300);
      expectChallenge(await me(rs, unknownKidToken(key, issuer, 'ghost-a')), { status: 401, error: 'invalid_token' });
      expect(issuer.counts.jwks).toBe(2); // the refetch for ghost-a starts the cooldown

      const within = await me(rs, unknownKidToken(key, issuer, 'ghost-b'));
      expectChallenge(within, { status: 401, error: 'invalid_token' });
      expect(issuer.counts.jwks).toBe(2); // 0 requests inside the cooldown

      await sleep(300);
      expectChallenge(await me(rs, unknownKidToken(key, issuer, 'ghost-b')), { status: 401, error: 'invalid_token' });
      expect(issuer.counts.jwks).toBe(3); // ghost-b was not negative-cached by the cooldown refusal: looked up now
      expectChallenge(await me(rs, unknownKidToken(key, issuer, 'ghost-a')), { status: 401, error: 'invalid_token' });
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 3 }); // ghost-a still negative-cached
    });
  });

  describe('flood of random kids', () => {
    it('300 random kids (6 batches of 50) with the default cooldown cost at most 2 JWKS requests; valid tokens keep getting 200', async () => {
      const key = KEY_A;
      const issuer = await startIssuer([key]);
      const rs = await startRs({ issuer: issuer.issuer }); // default keySet: refetchCooldownMs 30 000

      const randomStatuses: number[] = [];
      const validStatuses: number[] = [];
      for (let batch = 0; batch < 6; batch++) {
        // 50 random kids with 5 valid tokens interleaved (positions 5, 16, 27, 38, 49).
        const tokens = Array.from({ length: 55 }, (_, i) => ({ valid: i % 11 === 5, jwt: '' }));
        for (const t of tokens) t.jwt = t.valid ? token(key, issuer) : unknownKidToken(key, issuer);
        const statuses = await concurrently(
          rs,
          tokens.map((t) => t.jwt),
        );
        tokens.forEach((t, i) => (t.valid ? validStatuses : randomStatuses).push(statuses[i]!));
      }

      expect(randomStatuses).toHaveLength(300);
      expect(randomStatuses).toEqual(Array(300).fill(401));
      expect(validStatuses).toEqual(Array(30).fill(200));
      // The documented bound: the cold fetch plus at most one unknown-kid refetch per cooldown window.
      expect(issuer.counts.jwks).toBeLessThanOrEqual(2);
      // Exactly: the flood started cold, so the first fetch counts, and the 30 s cooldown blocks any other.
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
      expectChallenge(await me(rs, unknownKidToken(key, issuer)), { status: 401, error: 'invalid_token' });
    });
  });

  describe('outages', () => {
    /** One outage episode and its recovery, then a second episode; returns what was observed. */
    async function outageEpisodes(mode: FaultMode): Promise<Record<string, unknown>> {
      const issuer = await startIssuer([KEY_A]);
      const rs = await startRs({
        issuer: issuer.issuer,
        httpTimeoutMs: 300,
        keySet: { cacheMaxAgeMs: 100, maxStaleAgeMs: 60_000, retryIntervalMs: 250 },
      });
      const seen: Record<string, unknown> = {};
      const burst = async (n: number) => {
        const statuses: number[] = [];
        for (let i = 0; i < n; i++) statuses.push((await me(rs, token(KEY_A, issuer))).status);
        return statuses;
      };
      seen.warm = await burst(1);
      seen.jwksAfterWarm = issuer.counts.jwks;

      issuer.setFault('jwks', mode, { delayMs: 2000 });
      await sleep(150); // the key set is now older than cacheMaxAgeMs: requests start a background refresh
      seen.firstBurst = await burst(3);
      // One refresh attempt for the 3 requests (single flight, then retryIntervalMs between attempts).
      seen.jwksAfterFirstBurst = issuer.counts.jwks;
      await eventually(() => jwksErrors(issuer).length > 0); // 'slow' fails after httpTimeoutMs

      await sleep(300); // past retryIntervalMs: another attempt
      seen.secondBurst = await burst(3);
      seen.jwksAfterSecondBurst = issuer.counts.jwks;
      await sleep(mode === 'slow' ? 300 : 50); // let the second attempt fail too ('slow': httpTimeoutMs)
      // Two failed refreshes, one outage episode: one error line.
      seen.errorLinesFirstEpisode = jwksErrors(issuer).length;
      seen.recoveryLinesDuringOutage = jwksRecoveries(issuer).length;

      issuer.setFault('jwks', 'ok');
      await sleep(300); // past retryIntervalMs
      seen.afterRecovery = await burst(1); // starts the refresh that succeeds
      await eventually(() => jwksRecoveries(issuer).length > 0);
      seen.recoveryLines = jwksRecoveries(issuer).length;
      seen.jwksAfterRecovery = issuer.counts.jwks;

      // A second episode is logged again, once.
      issuer.setFault('jwks', 'status500');
      await sleep(150);
      seen.secondEpisode = await burst(2);
      await eventually(() => jwksErrors(issuer).length > 1);
      seen.errorLinesAfterSecondEpisode = jwksErrors(issuer).length;
      seen.counts = { discovery: issuer.counts.discovery, jwks: issuer.counts.jwks };
      return seen;
    }

    // One mode after another: the episodes count refresh attempts between sleeps of 150-300 ms, and
    // four apps at once on a loaded machine (Fastify's first requests most of all) stretch a burst of
    // three requests past retryIntervalMs, which adds an attempt.
    it('JWKS failing with status500, reset, garbage or slow (one issuer each, one after another): known keys keep verifying, one error line per episode, one recovery line', async () => {
      const modes: FaultMode[] = ['status500', 'reset', 'garbage', 'slow'];
      const observed: Record<string, Record<string, unknown>> = {};
      for (const mode of modes) observed[mode] = await outageEpisodes(mode);
      const expected = {
        warm: [200],
        jwksAfterWarm: 1,
        firstBurst: [200, 200, 200],
        jwksAfterFirstBurst: 2,
        secondBurst: [200, 200, 200],
        jwksAfterSecondBurst: 3,
        errorLinesFirstEpisode: 1,
        recoveryLinesDuringOutage: 0,
        afterRecovery: [200],
        recoveryLines: 1,
        jwksAfterRecovery: 4,
        secondEpisode: [200, 200],
        errorLinesAfterSecondEpisode: 2,
        counts: { discovery: 1, jwks: 5 },
      };
      expect(observed).toEqual(Object.fromEntries(modes.map((m) => [m, expected])));
    }, 60_000);

    it('past maxStaleAgeMs with the issuer still failing: 503 + Retry-After + bare Bearer challenge, never 401/500', async () => {
      const key = KEY_A;
      const issuer = await startIssuer([key]);
      const rs = await startRs({
        issuer: issuer.issuer,
        verifiedTokenCache: false,
        keySet: { cacheMaxAgeMs: 100, maxStaleAgeMs: 250, retryIntervalMs: 250 },
      });
      expect((await me(rs, token(key, issuer))).status).toBe(200);
      issuer.setFault('jwks', 'status500');
      await sleep(300); // past maxStaleAgeMs, no request in between

      const res = await me(rs, token(key, issuer));
      expectOutageAnswer(res);
      expect(res.headers['retry-after']).toBe('1'); // ceil(retryIntervalMs / 1000), at least 1
      expect(issuer.counts.jwks).toBe(2); // the request tried once before answering 503

      // More requests, immediately and after retryIntervalMs: still 503, one attempt per interval.
      const statuses = await concurrently(
        rs,
        Array.from({ length: 10 }, () => token(key, issuer)),
      );
      expect(statuses).toEqual(Array(10).fill(503));
      await sleep(300);
      expectOutageAnswer(await me(rs, token(key, issuer)));
      expect(issuer.counts.jwks).toBe(3);
    });

    it('no key ever (issuer down from the start): 503, then 200 once the issuer is back and retryIntervalMs passed', async () => {
      const key = KEY_A;
      const issuer = await startIssuer([key]);
      issuer.setFault('all', 'status500');
      const rs = await startRs({ issuer: issuer.issuer, keySet: { retryIntervalMs: 250 } });

      expectOutageAnswer(await me(rs, token(key, issuer)));
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 0 });
      // Within retryIntervalMs: answered 503 without calling the issuer.
      expect(
        await concurrently(
          rs,
          Array.from({ length: 10 }, () => token(key, issuer)),
        ),
      ).toEqual(Array(10).fill(503));
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 0 });

      issuer.setFault('all', 'ok');
      expectOutageAnswer(await me(rs, token(key, issuer))); // recovered, but the retry interval is not over yet
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 0 });
      await sleep(300);
      expect((await me(rs, token(key, issuer))).status).toBe(200);
      expect(issuer.counts).toMatchObject({ discovery: 2, jwks: 1 });
      // 12 refused requests, one episode: one error line for discovery, one for the key set, one recovery each.
      expect(logsOf('error', `OpenID discovery for ${issuer.issuer}`, 'unavailable')).toHaveLength(1);
      expect(jwksErrors(issuer)).toHaveLength(1);
      expect(logsOf('log', `OpenID discovery for ${issuer.issuer}`, 'available again')).toHaveLength(1);
      expect(jwksRecoveries(issuer)).toHaveLength(1);
    });

    it('unknown kid while the issuer is failing: 503, not 401; known keys still 200', async () => {
      const key = KEY_A;
      const issuer = await startIssuer([key]);
      const rs = await startRs({ issuer: issuer.issuer, keySet: { refetchCooldownMs: 200, retryIntervalMs: 100 } });
      expect((await me(rs, token(key, issuer))).status).toBe(200);

      issuer.setFault('jwks', 'status500');
      await sleep(250); // the cooldown is over, so the unknown kid makes the library look (and fail)
      expectOutageAnswer(await me(rs, unknownKidToken(key, issuer)));
      expect(issuer.counts.jwks).toBe(2);
      // Another unknown kid right after: the last fetch failed, so the key may well exist: 503, no request.
      expectOutageAnswer(await me(rs, unknownKidToken(key, issuer)));
      expect(issuer.counts.jwks).toBe(2);
      expect((await me(rs, token(key, issuer))).status).toBe(200);
    });
  });

  describe('cold start', () => {
    it('50 concurrent first requests share exactly 1 discovery request and 1 JWKS request', async () => {
      const key = KEY_A;
      const issuer = await startIssuer([key]);
      const rs = await startRs({ issuer: issuer.issuer });
      expect(issuer.counts).toMatchObject({ discovery: 0, jwks: 0 });

      const statuses = await concurrently(
        rs,
        Array.from({ length: 50 }, () => token(key, issuer)),
      );
      expect(statuses).toEqual(Array(50).fill(200));
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
    });
  });

  describe('warmUp', () => {
    it('fetches discovery and the JWKS during bootstrap, before any request', async () => {
      const key = KEY_A;
      const issuer = await startIssuer([key]);
      await startRs({ issuer: issuer.issuer, warmUp: false });
      expect(issuer.counts).toMatchObject({ discovery: 0, jwks: 0 }); // control: no warm-up, no fetch

      const rs = await startRs({ issuer: issuer.issuer, warmUp: true });
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 1 });
      expect(logsOf('log', 'Keys ready for', issuer.issuer)).toHaveLength(1);
      expect((await me(rs, token(key, issuer))).status).toBe(200);
      expect(issuer.counts).toMatchObject({ discovery: 1, jwks: 1 }); // the first request needed no fetch
    });

    it('a slow issuer delays bootstrap by about httpTimeoutMs only, never fails it; the first request after recovery works', async () => {
      const key = KEY_A;
      const issuer = await startIssuer([key]);
      issuer.setFault('all', 'slow', { delayMs: 5000 });
      const rs = await startRs({
        issuer: issuer.issuer,
        warmUp: true,
        httpTimeoutMs: 300,
        keySet: { retryIntervalMs: 100 },
      });
      expect(rs.initMs).toBeGreaterThanOrEqual(250); // it did wait for the issuer...
      expect(rs.initMs).toBeLessThan(1500); // ...but only about httpTimeoutMs, well under the 5 s delay
      expect(issuer.counts.discovery).toBe(1);
      expect(logsOf('warn', 'Keys not available yet', issuer.issuer)).toHaveLength(1);
      expect((await rs.http.get('/open')).status).toBe(200); // the app is up

      issuer.setFault('all', 'ok');
      await sleep(150); // past retryIntervalMs since the failed warm-up
      expect((await me(rs, token(key, issuer))).status).toBe(200);
      expect(issuer.counts).toMatchObject({ discovery: 2, jwks: 1 });
    });
  });

  describe('which keys are usable', () => {
    const rsa = KEY_A; // published with alg RS256, use sig
    const enc = generateTestKey('RS256', { kid: 'rsa-enc', use: 'enc' });
    const ed = generateTestKey('EdDSA', { kid: 'ed25519' });
    const octSecret = randomBytes(32);
    let issuer: LocalIssuer;
    let rsDefault: RunningApp; // default algorithms (no EdDSA)
    let rsEd: RunningApp; // algorithms: ['RS256', 'EdDSA']

    /** HS256 over the oct key's secret, with the oct key's kid: what a confused verifier would accept. */
    function hs256WithOctKey(): string {
      const header = b64url(JSON.stringify({ alg: 'HS256', kid: 'oct-key', typ: 'JWT' }));
      const payload = b64url(
        JSON.stringify({
          iss: issuer.issuer,
          aud: AUDIENCE,
          sub: 'test-user',
          iat: nowSeconds(),
          exp: nowSeconds() + 300,
        }),
      );
      const mac = createHmac('sha256', octSecret).update(`${header}.${payload}`).digest();
      return `${header}.${payload}.${b64url(mac)}`;
    }

    it('serves a JWKS with an oct key, a use:enc RSA key, an RS256 key and an Ed25519 key', async () => {
      issuer = await startIssuer([]);
      issuer.setJwks({
        keys: [
          { kty: 'oct', kid: 'oct-key', alg: 'HS256', k: b64url(octSecret) },
          enc.publicJwk,
          rsa.publicJwk,
          ed.publicJwk,
        ],
      });
      rsDefault = await startRs({ issuer: issuer.issuer });
      rsEd = await startRs({ issuer: issuer.issuer, algorithms: ['RS256', 'EdDSA'] });
      expect((await me(rsDefault, token(rsa, issuer))).status).toBe(200);
      expect((await me(rsEd, token(rsa, issuer))).status).toBe(200);
    });

    it('refuses HS256 signed with the oct key secret under its kid: 401', async () => {
      expectChallenge(await me(rsDefault, hs256WithOctKey()), { status: 401, error: 'invalid_token' });
      expectChallenge(await me(rsEd, hs256WithOctKey()), { status: 401, error: 'invalid_token' });
    });

    it('refuses RS256 signed with the use:enc key: 401', async () => {
      expectChallenge(await me(rsDefault, token(enc, issuer)), { status: 401, error: 'invalid_token' });
    });

    it("verifies EdDSA (Ed25519) when algorithms includes 'EdDSA', refuses it otherwise", async () => {
      const res = await me(rsEd, token(ed, issuer));
      expect([res.status, res.body.sub]).toEqual([200, 'test-user']);
      expectChallenge(await me(rsDefault, token(ed, issuer)), { status: 401, error: 'invalid_token' });
    });

    it('refuses a token whose header alg differs from the JWK alg, even with a valid signature for that alg: 401', async () => {
      // Really signed with RS384 by the private half of the key published with alg RS256.
      expectChallenge(await me(rsDefault, token({ ...rsa, alg: 'RS384' }, issuer)), {
        status: 401,
        error: 'invalid_token',
      });
      // Header says PS256 over an RS256 signature.
      expectChallenge(await me(rsDefault, token(rsa, issuer, { alg: 'PS256' })), {
        status: 401,
        error: 'invalid_token',
      });
      // Header says RS256 on the Ed25519 key (published with alg EdDSA).
      expectChallenge(await me(rsEd, token({ ...ed }, issuer, { alg: 'RS256' })), {
        status: 401,
        error: 'invalid_token',
      });
    });

    it('fetched the JWKS once per app for all of the above (default cooldown)', () => {
      expect(issuer.counts).toMatchObject({ discovery: 2, jwks: 2 });
    });
  });
});
