// The verification pipeline as a whole, against a real local issuer, with the clock injected:
// above all the verified-token cache (a repeated token skips crypto, yet expiry, the key set and
// failures are honoured exactly as without the cache).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startLocalIssuer, type LocalIssuer } from '../../../../../test/helpers/issuer-server.js';
import { generateTestKey } from '../../../../../test/helpers/keys.js';
import { mintAccessToken, tamperPayload } from '../../../../../test/helpers/tokens.js';
import { InvalidTokenError } from '../../errors/resource-server.error.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { resolveConfig } from '../config/config.js';
import type { Runtime } from '../runtime.js';

const NOW = 1_900_000_000; // seconds
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('AccessTokenVerifier', () => {
  const key = generateTestKey('RS256');
  const other = generateTestKey('RS256');
  let issuer: LocalIssuer;
  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
  });
  afterAll(async () => {
    await issuer.close();
  });

  function setup(options: { cache?: false; refetchCooldownMs?: number; maxTokenAge?: number } = {}) {
    const runtime = { clock: NOW * 1000 } as { clock: number };
    const rt: Runtime = { now: () => runtime.clock, logger: quiet, httpTimeoutMs: 2000, maxResponseBytes: 100_000 };
    const config = resolveConfig({
      issuer: issuer.issuer,
      audience: 'api',
      clockTolerance: 0,
      maxTokenAge: options.maxTokenAge,
      ...(options.cache === false ? { verifiedTokenCache: false } : {}),
      keySet: { refetchCooldownMs: options.refetchCooldownMs ?? 0, negativeCacheTtlMs: 0, retryIntervalMs: 0 },
    });
    return { runtime, verifier: new AccessTokenVerifier(config, rt) };
  }
  const token = (claims: Record<string, unknown> = {}) =>
    mintAccessToken(key, { iss: issuer.issuer, aud: 'api', iat: NOW, exp: NOW + 60, ...claims });

  it('returns the same principal for a repeated token without verifying again', async () => {
    const { verifier } = setup();
    const t = token();
    const first = await verifier.verify(t);
    const second = await verifier.verify(t);
    expect(second).toBe(first); // the cached object: no decoding, no signature check
    expect(first.issuer).toBe(issuer.issuer);
  });

  it('verifies again when the cache is off', async () => {
    const { verifier } = setup({ cache: false });
    const t = token();
    expect(await verifier.verify(t)).not.toBe(await verifier.verify(t));
  });

  it('re-checks expiry on a cache hit', async () => {
    const { runtime, verifier } = setup();
    const t = token({ exp: NOW + 10 });
    await verifier.verify(t);
    runtime.clock = (NOW + 10) * 1000;
    await expect(verifier.verify(t)).rejects.toMatchObject({ code: 'expired' });
  });

  it('re-checks every time-based rule on a hit, while the entry itself is still alive (maxTokenAge)', async () => {
    const { runtime, verifier } = setup({ maxTokenAge: 5 });
    const t = token(); // exp NOW + 60 keeps the entry; iat NOW + 5 s max age does not
    await verifier.verify(t);
    runtime.clock = (NOW + 10) * 1000;
    await expect(verifier.verify(t)).rejects.toMatchObject({ code: 'too_old' });
  });

  it('re-checks nbf on a cache hit only as time moves forward: a valid token stays valid', async () => {
    const { runtime, verifier } = setup();
    const t = token({ nbf: NOW });
    await verifier.verify(t);
    runtime.clock = (NOW + 30) * 1000;
    await expect(verifier.verify(t)).resolves.toMatchObject({ expiresAt: NOW + 60 });
  });

  it('never caches a failure: a tampered token fails every time, the original still verifies', async () => {
    const { verifier } = setup();
    const t = token();
    const forged = tamperPayload(t, { scope: 'admin' });
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'bad_signature' });
    await expect(verifier.verify(t)).resolves.toMatchObject({ scopes: ['read'] });
  });

  it('drops a cached token once its signing key leaves the key set', async () => {
    const { verifier } = setup();
    const t = token();
    await verifier.verify(t);
    issuer.setKeys([other]);
    try {
      // A token with an unknown kid makes the store refetch; the old key is gone afterwards.
      await expect(
        verifier.verify(mintAccessToken(other, { iss: issuer.issuer, aud: 'api', iat: NOW, exp: NOW + 60 })),
      ).resolves.toBeDefined();
      await expect(verifier.verify(t)).rejects.toMatchObject({ code: 'unknown_key' });
    } finally {
      issuer.setKeys([key]);
    }
  });

  it('keeps cached tokens across a refetch that returns the same key', async () => {
    const { verifier } = setup();
    const t = token();
    const first = await verifier.verify(t);
    issuer.setKeys([key]);
    await expect(
      verifier.verify(mintAccessToken(other, { iss: issuer.issuer, aud: 'api', iat: NOW, exp: NOW + 60 })),
    ).rejects.toMatchObject({
      code: 'unknown_key',
    });
    expect(await verifier.verify(t)).toBe(first);
  });

  it('refuses an unknown issuer before any network call', async () => {
    const { verifier } = setup();
    issuer.resetCounts();
    await expect(
      verifier.verify(mintAccessToken(key, { iss: 'https://evil.example', aud: 'api', exp: NOW + 60 })),
    ).rejects.toMatchObject({
      code: 'untrusted_issuer',
    });
    expect(issuer.counts.discovery + issuer.counts.jwks).toBe(0);
  });
});
