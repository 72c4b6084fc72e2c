// RFC 7517 §5 key sets served by a real local issuer: cold start, rotation, floods of unknown kids,
// outages (stale-while-revalidate up to maxStaleAge) and recovery. The clock is injected: no test
// waits for a cache to expire, every duration below is moved by hand.
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { generateTestKey, type TestKey } from '../../../../../test/helpers/keys.js';
import { testRuntime, type TestRuntime } from '../../../../../test/helpers/test-runtime.js';
import { startLocalIssuer, type LocalIssuer } from '../../../../../test/helpers/issuer-server.js';
import { signJwt } from '../../../../../test/helpers/tokens.js';
import { InvalidTokenError, UpstreamError } from '../../errors/resource-server.error.js';
import { verifySignature, type JwsAlgorithm } from '../jose/algorithms.js';
import { HttpClientError } from './http-client.js';
import { importJwk, type VerificationKey } from '../jose/jwk.js';
import { JwksKeyStore, type KeyStoreSettings } from './key-store.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

const SETTINGS: KeyStoreSettings = {
  cacheMaxAge: 60_000,
  maxStaleAge: 600_000,
  refetchCooldown: 10_000,
  retryInterval: 5_000,
  negativeCacheTtl: 30_000,
  negativeCacheSize: 100,
  maxKeys: 10,
};

const servers: LocalIssuer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

interface Fixture {
  iss: LocalIssuer;
  runtime: TestRuntime;
  store: JwksKeyStore;
  /** JWKS requests the issuer received. */
  requests(): number;
  errors(): string[];
  infos(): string[];
}

async function setup(
  keys: TestKey[],
  settings: Partial<KeyStoreSettings> = {},
  httpTimeoutMs?: number,
): Promise<Fixture> {
  const iss = await startLocalIssuer({ keys });
  servers.push(iss);
  const runtime = testRuntime(httpTimeoutMs);
  const store = new JwksKeyStore(iss.issuer, async () => iss.jwksUri, { ...SETTINGS, ...settings }, runtime);
  const level = (l: string) => () => runtime.lines.filter((x) => x.level === l).map((x) => x.message);
  return { iss, runtime, store, requests: () => iss.counts.jwks, errors: level('error'), infos: level('log') };
}

/**
 * Waits for the refresh the store runs in the background (stale-while-revalidate), if any. There is
 * no public handle on it; reading the private field is the only way to see it end without sleeping.
 */
async function backgroundWork(store: JwksKeyStore): Promise<void> {
  expect('inflight' in store).toBe(true); // fails loudly if the field is ever renamed
  await (Reflect.get(store, 'inflight') as Promise<unknown> | undefined);
}

async function failure(promise: Promise<unknown>): Promise<InvalidTokenError | UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvalidTokenError || error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected getKey to fail');
}

async function expectUnknownKey(
  promise: Promise<unknown>,
  code: 'unknown_key' | 'key_mismatch' = 'unknown_key',
): Promise<void> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect(error.code).toBe(code);
}

async function expectUnavailable(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(UpstreamError);
  expect(error).toMatchObject({ code: 'keys_unavailable', status: 503, retryAfterSeconds: 5, bearerError: undefined });
  return error as UpstreamError;
}

// RSA generation is the slow part: one RSA key; the rest are cheap EC / Ed25519 keys.
const rsa = generateTestKey('RS256', { kid: 'rsa-1' });
const ec1 = generateTestKey('ES256', { kid: 'ec-1' });
const ec2 = generateTestKey('ES256', { kid: 'ec-2' });
const ec3 = generateTestKey('ES256', { kid: 'ec-3' });

function verifies(key: VerificationKey, testKey: TestKey): boolean {
  const [h, p, s] = signJwt(testKey, { sub: 'x' }).split('.') as [string, string, string];
  return verifySignature(testKey.alg as JwsAlgorithm, key.key, Buffer.from(`${h}.${p}`), Buffer.from(s, 'base64url'));
}

// ---------------------------------------------------------------------------------------------

describe('JwksKeyStore: lookup', () => {
  it('cold start: 50 concurrent lookups share one JWKS request', async () => {
    const f = await setup([rsa, ec1]);
    const keys = await Promise.all(
      Array.from({ length: 50 }, (_, i) => f.store.getKey(i % 2 ? 'ec-1' : 'rsa-1', i % 2 ? 'ES256' : 'RS256')),
    );
    expect(f.requests()).toBe(1);
    expect(new Set(keys).size).toBe(2);
    const ec = keys[1]!;
    expect(ec.kid).toBe('ec-1');
    expect([...ec.algorithms]).toEqual(['ES256']);
    expect(verifies(ec, ec1)).toBe(true);
    expect(verifies(keys[0]!, rsa)).toBe(true);
    expect(f.infos()).toEqual([
      expect.stringMatching(/^JWKS of http:\/\/127\.0\.0\.1:\d+: 2 signing key\(s\) \[rsa-1, ec-1\]$/),
    ]);
  });

  it('key_mismatch when the kid exists but its key may not verify the alg', async () => {
    const f = await setup([rsa, ec1]);
    await expectUnknownKey(f.store.getKey('rsa-1', 'PS256'), 'key_mismatch'); // JWK alg RS256 pins it
    await expectUnknownKey(f.store.getKey('rsa-1', 'ES256'), 'key_mismatch');
    await expectUnknownKey(f.store.getKey('ec-1', 'ES384'), 'key_mismatch');
    f.runtime.clock += SETTINGS.refetchCooldown;
    await expectUnknownKey(f.store.getKey('ec-1', 'RS256'), 'key_mismatch');
    expect(f.requests()).toBe(1); // a mismatch is not a reason to refetch
  });

  it('an RSA key published without alg serves every RS*/PS* alg', async () => {
    const { alg: _alg, ...jwk } = rsa.publicJwk;
    const f = await setup([]);
    f.iss.setJwks({ keys: [jwk] });
    expect((await f.store.getKey('rsa-1', 'PS512')).kid).toBe('rsa-1');
    expect(await f.store.getKey('rsa-1', 'RS384')).toBe(await f.store.getKey('rsa-1', 'PS512'));
  });

  it('a kid shared by two keys resolves to the one that fits the alg', async () => {
    const f = await setup([]);
    f.iss.setJwks({
      keys: [
        { ...rsa.publicJwk, kid: 'same' },
        { ...ec1.publicJwk, kid: 'same' },
      ],
    });
    expect(verifies(await f.store.getKey('same', 'ES256'), ec1)).toBe(true);
    expect(verifies(await f.store.getKey('same', 'RS256'), rsa)).toBe(true);
  });

  it('without a kid: the one key that fits the alg, never a guess among several, never a refetch', async () => {
    const one = await setup([rsa, ec1]);
    expect((await one.store.getKey(undefined, 'ES256')).kid).toBe('ec-1');
    expect((await one.store.getKey(undefined, 'RS256')).kid).toBe('rsa-1');
    one.runtime.clock += SETTINGS.refetchCooldown;
    await expectUnknownKey(one.store.getKey(undefined, 'ES384'));
    expect(one.requests()).toBe(1);

    const two = await setup([ec1, ec2]);
    await expectUnknownKey(two.store.getKey(undefined, 'ES256'));
    two.runtime.clock += SETTINGS.refetchCooldown;
    await expectUnknownKey(two.store.getKey(undefined, 'ES256'));
    expect(two.requests()).toBe(1);
  });

  it('reads at most maxKeys keys of a key set', async () => {
    const ed = [1, 2, 3].map((i) => generateTestKey('EdDSA', { kid: `ed-${i}` }));
    const f = await setup(ed, { maxKeys: 2 });
    expect((await f.store.getKey('ed-2', 'EdDSA')).kid).toBe('ed-2');
    f.runtime.clock += SETTINGS.refetchCooldown;
    await expectUnknownKey(f.store.getKey('ed-3', 'EdDSA'));
    expect(f.requests()).toBe(2); // ed-3 was looked for, and is still beyond the limit
    expect(f.infos()[0]).toMatch(/2 signing key\(s\) \[ed-1, ed-2\]; read only the first 2$/);
  });

  it('names a published key without a kid "(no kid)" in the log, and still serves it', async () => {
    const f = await setup([]);
    const { kid: _kid, ...withoutKid } = ec1.publicJwk;
    f.iss.setJwks({ keys: [withoutKid, rsa.publicJwk] });
    expect((await f.store.getKey(undefined, 'ES256')).kid).toBeUndefined();
    expect(f.infos()[0]).toMatch(/2 signing key\(s\) \[\(no kid\), rsa-1\]$/);
  });

  it('skips unusable keys and names them in the log', async () => {
    const f = await setup([]);
    f.iss.setJwks({
      keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }, { ...ec2.publicJwk, use: 'enc' }, ec1.publicJwk],
    });
    expect((await f.store.getKey('ec-1', 'ES256')).kid).toBe('ec-1');
    await expectUnknownKey(f.store.getKey('hmac', 'ES256'));
    expect(f.infos()[0]).toMatch(
      /1 signing key\(s\) \[ec-1\]; ignored 2 \(kty oct is not a signature key type; use is not sig\)/,
    );
  });
});

describe('JwksKeyStore: rotation and unknown kids', () => {
  it('an unknown kid refetches the key set and finds a rotated-in key', async () => {
    const f = await setup([ec1]);
    const old = await f.store.getKey('ec-1', 'ES256');
    f.iss.setKeys([ec2]);
    f.runtime.clock += SETTINGS.refetchCooldown;
    const rotated = await f.store.getKey('ec-2', 'ES256');
    expect(verifies(rotated, ec2)).toBe(true);
    expect(f.requests()).toBe(2);
    expect(f.store.holds(rotated)).toBe(true);
    expect(f.store.holds(old)).toBe(false);
    await expectUnknownKey(f.store.getKey('ec-1', 'ES256')); // retired, and inside the cooldown: no request
    expect(f.requests()).toBe(2);
    expect(f.infos()).toEqual([expect.stringMatching(/\[ec-1\]$/), expect.stringMatching(/\[ec-2\]$/)]);
  });

  it('a rotated-in kid is found by the refresh of a stale key set, with a single request', async () => {
    const f = await setup([ec1]);
    await f.store.getKey('ec-1', 'ES256');
    f.iss.setKeys([ec1, ec2]);
    f.runtime.clock += SETTINGS.cacheMaxAge + 1;
    expect((await f.store.getKey('ec-2', 'ES256')).kid).toBe('ec-2');
    expect(f.requests()).toBe(2);
  });

  it('refetch cooldown: within it an unknown kid costs no request', async () => {
    const f = await setup([ec1]);
    await f.store.getKey('ec-1', 'ES256');
    // The key set was fetched just now: a new kid does not fetch it again.
    await expectUnknownKey(f.store.getKey('new-0', 'ES256'));
    expect(f.requests()).toBe(1);

    f.runtime.clock += 10_000; // exactly the cooldown
    await expectUnknownKey(f.store.getKey('new-1', 'ES256'));
    expect(f.requests()).toBe(2);
    await expectUnknownKey(f.store.getKey('new-2', 'ES256'));
    f.runtime.clock += 9_999;
    await expectUnknownKey(f.store.getKey('new-3', 'ES256'));
    expect(f.requests()).toBe(2);
    f.runtime.clock += 1;
    await expectUnknownKey(f.store.getKey('new-4', 'ES256'));
    expect(f.requests()).toBe(3);
  });

  it('negative cache: a kid found absent is not looked for again within negativeCacheTtl', async () => {
    const f = await setup([ec1]);
    await f.store.getKey('ec-1', 'ES256');
    f.runtime.clock += SETTINGS.refetchCooldown;
    await expectUnknownKey(f.store.getKey('gone', 'ES256'));
    expect(f.requests()).toBe(2);

    f.runtime.clock += SETTINGS.refetchCooldown; // cooldown over, TTL (30 s) not
    await expectUnknownKey(f.store.getKey('gone', 'ES256'));
    expect(f.requests()).toBe(2);
    await expectUnknownKey(f.store.getKey('other', 'ES256')); // another kid may refetch
    expect(f.requests()).toBe(3);

    f.runtime.clock += 19_999; // 1 ms before the entry for 'gone' expires
    await expectUnknownKey(f.store.getKey('gone', 'ES256'));
    expect(f.requests()).toBe(3);
    f.runtime.clock += 1; // negativeCacheTtl after 'gone' was found absent: looked for again
    await expectUnknownKey(f.store.getKey('gone', 'ES256'));
    expect(f.requests()).toBe(4);
  });

  it('a negatively cached kid that appears in a later key set is found', async () => {
    const late = generateTestKey('ES256', { kid: 'late' });
    const f = await setup([ec1]);
    await f.store.getKey('ec-1', 'ES256');
    f.runtime.clock += SETTINGS.refetchCooldown;
    await expectUnknownKey(f.store.getKey('late', 'ES256'));
    f.iss.setKeys([ec1, late]);
    f.runtime.clock += SETTINGS.cacheMaxAge; // the key set goes stale and is refreshed behind ec-1's lookup
    await f.store.getKey('ec-1', 'ES256');
    await backgroundWork(f.store);
    expect((await f.store.getKey('late', 'ES256')).kid).toBe('late');
    expect(f.requests()).toBe(3);
  });

  it('negativeCacheSize bounds the absent kids remembered (least recently used forgotten)', async () => {
    async function lookups(size: number): Promise<{ requestsForC: number; requestsForA: number }> {
      const f = await setup([ec1], { negativeCacheSize: size, negativeCacheTtl: 1_000_000 });
      await f.store.getKey('ec-1', 'ES256');
      for (const kid of ['a', 'b', 'c']) {
        f.runtime.clock += SETTINGS.refetchCooldown;
        await expectUnknownKey(f.store.getKey(kid, 'ES256'));
      }
      expect(f.requests()).toBe(4);
      f.runtime.clock += SETTINGS.refetchCooldown;
      await expectUnknownKey(f.store.getKey('c', 'ES256'));
      await expectUnknownKey(f.store.getKey('b', 'ES256'));
      const requestsForC = f.requests() - 4;
      await expectUnknownKey(f.store.getKey('a', 'ES256'));
      return { requestsForC, requestsForA: f.requests() - 4 - requestsForC };
    }
    expect(await lookups(2)).toEqual({ requestsForC: 0, requestsForA: 1 });
    expect(await lookups(3)).toEqual({ requestsForC: 0, requestsForA: 0 });
  });

  it('a flood of 500 random kids costs at most one request per cooldown; known kids keep resolving', async () => {
    const f = await setup([rsa, ec1]);
    const flood = async (): Promise<void> => {
      const results = await Promise.allSettled([
        ...Array.from({ length: 500 }, () => f.store.getKey(randomUUID(), 'RS256')),
        ...Array.from({ length: 10 }, () => f.store.getKey('rsa-1', 'RS256')),
      ]);
      const rejected = results.slice(0, 500);
      expect(
        rejected.every(
          (r) => r.status === 'rejected' && r.reason instanceof InvalidTokenError && r.reason.code === 'unknown_key',
        ),
      ).toBe(true);
      expect(results.slice(500).every((r) => r.status === 'fulfilled' && r.value.kid === 'rsa-1')).toBe(true);
    };

    await flood(); // cold: the one fetch every caller waits for
    expect(f.requests()).toBe(1);
    f.runtime.clock += SETTINGS.refetchCooldown;
    await flood(); // one refetch, shared
    await flood(); // inside the cooldown again: none
    expect(f.requests()).toBe(2);
    expect((await f.store.getKey('ec-1', 'ES256')).kid).toBe('ec-1');
  });
});

describe('JwksKeyStore: outages', () => {
  it('no keys ever and the JWKS failing: 503, at most one attempt per retryInterval, one log line', async () => {
    const f = await setup([ec1]);
    f.iss.setFault('jwks', 'status500');
    const first = await expectUnavailable(f.store.getKey('ec-1', 'ES256'));
    expect(first.cause).toBeInstanceOf(HttpClientError);
    expect(first.cause).toMatchObject({ failure: 'status', status: 500 });
    expect(f.requests()).toBe(1);

    for (let i = 0; i < 10; i++) {
      f.runtime.clock += 499; // 4 990 ms in all
      await expectUnavailable(f.store.getKey(i % 2 ? 'ec-1' : randomUUID(), 'ES256'));
    }
    expect(f.requests()).toBe(1);
    f.runtime.clock += 10;
    await expectUnavailable(f.store.getKey('ec-1', 'ES256'));
    expect(f.requests()).toBe(2);
    expect(f.errors()).toEqual([expect.stringMatching(/^JWKS of http:\/\/127\.0\.0\.1:\d+ unavailable: HTTP 500/)]);

    // Recovery.
    f.iss.setFault('jwks', 'ok');
    f.runtime.clock += SETTINGS.retryInterval;
    expect((await f.store.getKey('ec-1', 'ES256')).kid).toBe('ec-1');
    expect(f.requests()).toBe(3);
    expect(f.errors()).toHaveLength(1);
    expect(f.infos()).toEqual([
      expect.stringMatching(/1 signing key\(s\) \[ec-1\]$/),
      expect.stringMatching(/^JWKS of .* available again after 10 s$/),
    ]);
  });

  it.each([
    ['a connection reset', 'reset', 'network'],
    ['a body that is not JSON', 'garbage', 'invalid_body'],
    ['an HTML page', 'html', 'invalid_body'],
    ['a 404', 'notFound', 'status'],
  ] as const)('answers 503 on %s', async (_name, fault, kind) => {
    const f = await setup([ec1]);
    f.iss.setFault('jwks', fault);
    const error = await expectUnavailable(f.store.getKey('ec-1', 'ES256'));
    expect(error.cause).toMatchObject({ failure: kind });
  });

  it('answers 503 when the JWKS does not answer within httpTimeoutMs', async () => {
    const f = await setup([ec1], {}, 50);
    f.iss.setFault('jwks', 'slow');
    const error = await expectUnavailable(f.store.getKey('ec-1', 'ES256'));
    expect(error.cause).toMatchObject({ failure: 'timeout' });
  });

  it('answers 503 when the JWKS URI cannot be resolved (discovery down), with that error as cause', async () => {
    const runtime = testRuntime();
    const discoveryDown = new UpstreamError('discovery_unavailable');
    let calls = 0;
    const store = new JwksKeyStore(
      'https://idp.example',
      async () => {
        calls++;
        throw discoveryDown;
      },
      SETTINGS,
      runtime,
    );
    const error = await expectUnavailable(store.getKey('k', 'RS256'));
    expect(error.cause).toBe(discoveryDown);
    await expectUnavailable(store.getKey('k', 'RS256'));
    expect(calls).toBe(1);
  });

  it.each([
    [
      'only unusable keys',
      {
        keys: [
          { kty: 'oct', k: 'c2VjcmV0' },
          { kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' },
        ],
      },
      /no usable signing key \(kty oct .*; unsupported curve secp256k1\)/,
    ],
    ['an empty key list', { keys: [] }, /no usable signing key/],
    ['no keys array', { jwks: [] }, /no "keys" array/],
    ['keys that is not an array', { keys: { 0: ec1.publicJwk } }, /no "keys" array/],
  ])('a JWKS with %s is a failure, not an empty key set', async (_name, body, logged) => {
    const f = await setup([]);
    f.iss.setJwks(body);
    await expectUnavailable(f.store.getKey('ec-1', 'ES256'));
    expect(f.errors()).toEqual([expect.stringMatching(logged)]);
  });

  it('a refresh that returns no usable key keeps the current keys', async () => {
    const f = await setup([ec1]);
    const key = await f.store.getKey('ec-1', 'ES256');
    f.iss.setJwks({ keys: [{ kty: 'oct', k: randomBytes(16).toString('base64url') }] });
    f.runtime.clock += SETTINGS.cacheMaxAge + 1;
    expect(await f.store.getKey('ec-1', 'ES256')).toBe(key);
    await backgroundWork(f.store);
    expect(f.requests()).toBe(2);
    expect(await f.store.getKey('ec-1', 'ES256')).toBe(key);
    expect(f.store.holds(key)).toBe(true);
  });

  it('stale-while-revalidate: cached keys keep working while refreshes fail, up to maxStaleAge, then 503', async () => {
    const f = await setup([ec1]);
    const key = await f.store.getKey('ec-1', 'ES256');
    const fetchedAt = f.runtime.clock;
    f.iss.setFault('jwks', 'status500');

    f.runtime.clock = fetchedAt + SETTINGS.cacheMaxAge; // still fresh: no refresh
    expect(await f.store.getKey('ec-1', 'ES256')).toBe(key);
    await backgroundWork(f.store);
    expect(f.requests()).toBe(1);

    f.runtime.clock += 1; // stale: answered from cache, refreshed behind
    expect(await f.store.getKey('ec-1', 'ES256')).toBe(key);
    await backgroundWork(f.store);
    expect(f.requests()).toBe(2);
    expect(f.errors()).toHaveLength(1);

    f.runtime.clock += SETTINGS.retryInterval - 1; // no attempt within retryInterval
    for (let i = 0; i < 20; i++) expect(await f.store.getKey('ec-1', 'ES256')).toBe(key);
    await backgroundWork(f.store);
    expect(f.requests()).toBe(2);

    f.runtime.clock = fetchedAt + SETTINGS.maxStaleAge; // the last moment the keys may be used
    expect(await f.store.getKey('ec-1', 'ES256')).toBe(key);
    await backgroundWork(f.store);
    expect(f.requests()).toBe(3);

    f.runtime.clock += 1; // too old, and the last attempt was 1 ms ago: 503 without a request
    await expectUnavailable(f.store.getKey('ec-1', 'ES256'));
    expect(f.requests()).toBe(3);
    expect(f.store.holds(key)).toBe(false);
    expect(f.errors()).toHaveLength(1);

    f.runtime.clock += SETTINGS.retryInterval;
    await expectUnavailable(f.store.getKey('ec-1', 'ES256'));
    expect(f.requests()).toBe(4);

    f.iss.setFault('jwks', 'ok');
    f.runtime.clock += SETTINGS.retryInterval;
    const back = await f.store.getKey('ec-1', 'ES256');
    expect(verifies(back, ec1)).toBe(true);
    expect(f.store.holds(back)).toBe(true);
    expect(f.requests()).toBe(5);
    expect(f.errors()).toHaveLength(1);
    expect(f.infos().filter((m) => m.includes('available again'))).toHaveLength(1);
  });

  it('an unknown kid during an outage is a 503, not a 401, and is not remembered as absent', async () => {
    const f = await setup([ec1]);
    await f.store.getKey('ec-1', 'ES256');
    f.iss.setFault('jwks', 'status500');
    f.runtime.clock += SETTINGS.refetchCooldown; // keys still fresh; the refetch for ec-2 fails
    await expectUnavailable(f.store.getKey('ec-2', 'ES256'));
    expect(f.requests()).toBe(2);
    await expectUnavailable(f.store.getKey('ec-3', 'ES256')); // inside cooldown: no request, still 503
    await expectUnavailable(f.store.getKey('ec-2', 'ES256'));
    expect(f.requests()).toBe(2);
    expect((await f.store.getKey('ec-1', 'ES256')).kid).toBe('ec-1'); // known keys are unaffected

    // A flood during the outage does not hammer the issuer either.
    f.runtime.clock += SETTINGS.refetchCooldown;
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => f.store.getKey(randomUUID(), 'ES256')));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof UpstreamError)).toBe(true);
    expect(f.requests()).toBe(3);
    expect(f.errors()).toHaveLength(1);

    f.iss.setFault('jwks', 'ok');
    f.iss.setKeys([ec1, ec2, ec3]);
    f.runtime.clock += SETTINGS.refetchCooldown;
    expect((await f.store.getKey('ec-2', 'ES256')).kid).toBe('ec-2');
    expect((await f.store.getKey('ec-3', 'ES256')).kid).toBe('ec-3');
    expect(f.requests()).toBe(4);
    expect(f.infos().filter((m) => m.includes('available again'))).toHaveLength(1);
  });

  it('logs once per episode: a second outage after recovery is logged again, once', async () => {
    const f = await setup([ec1]);
    for (let episode = 1; episode <= 2; episode++) {
      f.iss.setFault('jwks', 'reset');
      for (let i = 0; i < 4; i++) {
        f.runtime.clock += SETTINGS.cacheMaxAge + 1;
        await f.store.getKey('ec-1', 'ES256').catch(() => undefined); // 503 while cold, the stale key later
        await backgroundWork(f.store);
      }
      f.iss.setFault('jwks', 'ok');
      f.runtime.clock += SETTINGS.retryInterval;
      await f.store.getKey('ec-1', 'ES256').catch(() => undefined);
      await backgroundWork(f.store);
      expect(f.errors()).toHaveLength(episode);
      expect(f.infos().filter((m) => m.includes('available again'))).toHaveLength(episode);
    }
  });
});

describe('JwksKeyStore: holds and warmUp', () => {
  it('holds nothing before the first fetch; warmUp fetches and reports, never throws', async () => {
    const f = await setup([ec1]);
    const imported = importJwk(ec1.publicJwk);
    if ('skipped' in imported) throw new Error(imported.skipped);
    const stranger: VerificationKey = imported;
    expect(f.store.holds(stranger)).toBe(false);
    expect(await f.store.warmUp()).toBe(true);
    expect(f.requests()).toBe(1);
    expect(f.store.holds(await f.store.getKey('ec-1', 'ES256'))).toBe(true);
    expect(f.requests()).toBe(1);

    const down = await setup([ec1]);
    down.iss.setFault('jwks', 'status500');
    await expect(down.store.warmUp()).resolves.toBe(false);
  });

  it('a refresh that does not change the key set logs nothing new', async () => {
    const f = await setup([ec1]);
    await f.store.getKey('ec-1', 'ES256');
    f.runtime.clock += SETTINGS.cacheMaxAge + 1;
    await f.store.getKey('ec-1', 'ES256');
    await backgroundWork(f.store);
    expect(f.requests()).toBe(2);
    expect(f.infos()).toHaveLength(1);
  });

  // The contract of holds(): "whether this key is still in the current key set". A routine refresh
  // that returns the very same JWKS leaves the key in the set, so a cache of verified tokens keyed on
  // it must not be flushed every cacheMaxAge.
  it('still holds a key after a refresh that returned the same key set', async () => {
    const f = await setup([ec1]);
    const key = await f.store.getKey('ec-1', 'ES256');
    f.runtime.clock += SETTINGS.cacheMaxAge + 1;
    await f.store.getKey('ec-1', 'ES256');
    await backgroundWork(f.store);
    expect(f.requests()).toBe(2);
    expect(f.store.holds(key)).toBe(true);
  });
});
