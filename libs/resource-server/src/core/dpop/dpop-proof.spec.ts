// RFC 9449 §4.3: one case per proof rule, each with a real key and signature; every refusal is an
// invalid_dpop_proof (or use_dpop_nonce / 503) with its own code, and the valid proof passes.
import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { generateTestKey } from '../../../../../test/helpers/keys.js';
import { dpopProof, jkt, proofJwk } from '../../../../../test/helpers/dpop.js';
import { signJwt } from '../../../../../test/helpers/tokens.js';
import { InvalidDpopProofError, UpstreamError, UseDpopNonceError } from '../../errors/resource-server.error.js';
import { SUPPORTED_ALGORITHMS } from '../jose/algorithms.js';
import { DpopProofVerifier, accessTokenHash, htuOf, type DpopRequest } from './dpop-proof.js';
import { DpopNonces } from './nonces.js';
import { MemoryReplayStore, type DpopReplayStore } from './replay-store.js';

const key = generateTestKey('ES256');
const other = generateTestKey('ES256');
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
const URL_ = 'https://api.example.com/orders';
const settings = { algorithms: new Set(SUPPORTED_ALGORITHMS), maxAgeMs: 60_000, clockToleranceMs: 5_000 };

function verifier(options: { store?: DpopReplayStore; nonces?: DpopNonces; now?: () => number } = {}) {
  return new DpopProofVerifier(
    settings,
    options.store ?? new MemoryReplayStore(100),
    options.nonces,
    options.now ?? Date.now,
  );
}

function request(proofs: string[], overrides: Partial<DpopRequest> = {}): DpopRequest {
  return { proofs, method: 'GET', url: `${URL_}?page=2`, ...overrides };
}

const good = (claims = {}, header = {}) => dpopProof(key, TOKEN, { htm: 'GET', htu: URL_, ...claims }, header);

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InvalidDpopProofError))
    throw new Error(`expected InvalidDpopProofError, got ${String(error)}`);
  expect(error.status).toBe(401);
  expect(error.bearerError).toBe('invalid_dpop_proof');
  return error.code;
}

describe('DpopProofVerifier: a valid proof', () => {
  it.each(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'] as const)(
    '%s proof for the token and key passes',
    async (alg) => {
      const k = generateTestKey(alg);
      const proof = dpopProof(k, TOKEN, { htm: 'GET', htu: URL_ });
      await expect(verifier().verify(request([proof]), TOKEN, jkt(k))).resolves.toEqual({ nextNonce: undefined });
    },
  );

  it('ignores query and fragment of the request URI and normalizes host case and default port', async () => {
    await expect(
      verifier().verify(request([good({ htu: 'https://API.example.com:443/orders#x' })]), TOKEN, jkt(key)),
    ).resolves.toBeDefined();
  });
});

describe('DpopProofVerifier: each rule refuses', () => {
  const cases: [string, () => DpopRequest, string][] = [
    ['no DPoP header', () => request([]), 'dpop_proof_missing'],
    ['two DPoP headers', () => request([good(), good()]), 'dpop_proof_multiple'],
    ['not a JWS', () => request(['not.a-jws']), 'dpop_proof_malformed'],
    ['an oversized proof', () => request([`${'a'.repeat(9000)}.b.c`]), 'dpop_proof_malformed'],
    ['typ JWT', () => request([good({}, { typ: 'JWT' })]), 'dpop_proof_type'],
    ['no typ', () => request([good({}, { typ: undefined })]), 'dpop_proof_type'],
    [
      'alg none',
      () => request([`${Buffer.from('{"alg":"none","typ":"dpop+jwt"}').toString('base64url')}.e30.sig`]),
      'dpop_proof_algorithm',
    ],
    ['alg HS256', () => request([good({}, { alg: 'HS256' })]), 'dpop_proof_algorithm'],
    ['no jwk', () => request([good({}, { jwk: undefined })]), 'dpop_proof_key'],
    [
      'a jwk with private members',
      () => request([good({}, { jwk: key.privateKey.export({ format: 'jwk' }) })]),
      'dpop_proof_key',
    ],
    ['a symmetric jwk', () => request([good({}, { jwk: { kty: 'oct', k: 'c2VjcmV0' } })]), 'dpop_proof_key'],
    [
      'an RSA key below 2048 bits',
      () => {
        const weak = generateTestKey('RS256', { modulusLength: 1024 });
        return request([dpopProof(weak, TOKEN, { htm: 'GET', htu: URL_ })]);
      },
      'dpop_proof_key',
    ],
    [
      'an X25519 jwk',
      () => request([good({}, { jwk: generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }) })]),
      'dpop_proof_key',
    ],
    ['a jwk that is not the signing key', () => request([good({}, { jwk: proofJwk(other) })]), 'dpop_proof_signature'],
    [
      'a tampered payload',
      () => {
        const [h, , s] = good().split('.');
        return request([
          `${h}.${Buffer.from(JSON.stringify({ htm: 'GET', htu: URL_, iat: 1, jti: 'x' })).toString('base64url')}.${s}`,
        ]);
      },
      'dpop_proof_signature',
    ],
    ['no jti', () => request([good({ jti: undefined })]), 'dpop_proof_malformed'],
    ['an oversized jti', () => request([good({ jti: 'j'.repeat(300) })]), 'dpop_proof_malformed'],
    ['htm POST for a GET', () => request([good({ htm: 'POST' })]), 'dpop_proof_method'],
    ['htm in lower case', () => request([good({ htm: 'get' })]), 'dpop_proof_method'],
    ['htu of another path', () => request([good({ htu: 'https://api.example.com/orders/1' })]), 'dpop_proof_url'],
    ['htu of another host', () => request([good({ htu: 'https://evil.example.com/orders' })]), 'dpop_proof_url'],
    [
      'htu over http for an https request',
      () => request([good({ htu: 'http://api.example.com/orders' })]),
      'dpop_proof_url',
    ],
    ['htu that is not a URL', () => request([good({ htu: 'orders' })]), 'dpop_proof_url'],
    ['a request URL that is unknown', () => request([good()], { url: undefined }), 'dpop_proof_url'],
    ['iat 2 minutes old', () => request([good({ iat: Math.floor(Date.now() / 1000) - 120 })]), 'dpop_proof_iat'],
    ['iat 1 minute ahead', () => request([good({ iat: Math.floor(Date.now() / 1000) + 60 })]), 'dpop_proof_iat'],
    ['iat as a string', () => request([good({ iat: String(Math.floor(Date.now() / 1000)) })]), 'dpop_proof_iat'],
    ['no ath', () => request([dpopProof(key, undefined, { htm: 'GET', htu: URL_ })]), 'dpop_proof_ath'],
    ['ath of another token', () => request([good({ ath: accessTokenHash(`${TOKEN}x`) })]), 'dpop_proof_ath'],
  ];
  it.each(cases)('%s', async (_name, make, code) => {
    expect(await refusal(verifier().verify(make(), TOKEN, jkt(key)))).toBe(code);
  });

  it('a proof signed with another key than the token is bound to (jkt mismatch)', async () => {
    const proof = dpopProof(other, TOKEN, { htm: 'GET', htu: URL_ });
    expect(await refusal(verifier().verify(request([proof]), TOKEN, jkt(key)))).toBe('dpop_key_mismatch');
  });

  it('a replayed proof: accepted once, refused the second time', async () => {
    const v = verifier();
    const proof = good();
    await expect(v.verify(request([proof]), TOKEN, jkt(key))).resolves.toBeDefined();
    expect(await refusal(v.verify(request([proof]), TOKEN, jkt(key)))).toBe('dpop_proof_replayed');
  });

  it('a proof that fails a check takes no place in the replay store', async () => {
    const store = new MemoryReplayStore(10);
    await refusal(verifier({ store }).verify(request([good({ htm: 'POST' })]), TOKEN, jkt(key)));
    expect(store.size).toBe(0);
  });

  it('a replay store that fails answers 503, never lets the proof through', async () => {
    const store: DpopReplayStore = { setIfAbsent: () => Promise.reject(new Error('ECONNREFUSED')) };
    const error = await verifier({ store })
      .verify(request([good()]), TOKEN, jkt(key))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).status).toBe(503);
    expect((error as UpstreamError).code).toBe('dpop_replay_unavailable');
  });

  it('remembers the jti until the proof could no longer be accepted (iat + max age + tolerance)', async () => {
    const calls: number[] = [];
    const store: DpopReplayStore = { setIfAbsent: async (_k, expiresAt) => (calls.push(expiresAt), true) };
    const iat = Math.floor(Date.now() / 1000);
    await verifier({ store }).verify(request([good({ iat })]), TOKEN, jkt(key));
    expect(calls).toEqual([iat * 1000 + 60_000 + 5_000 + 1000]);
  });
});

describe('DpopProofVerifier: server nonces (§9)', () => {
  let clock = 1_000_000_000_000;
  const now = () => clock;
  const proofAt = (nonce?: string) =>
    dpopProof(key, TOKEN, { htm: 'GET', htu: URL_, iat: Math.floor(clock / 1000), nonce });

  it('a proof without a nonce gets use_dpop_nonce with the current nonce', async () => {
    const nonces = new DpopNonces(300_000, 'a-secret-of-16+chars', now);
    const error = await verifier({ nonces, now })
      .verify(request([proofAt()]), TOKEN, jkt(key))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UseDpopNonceError);
    expect((error as UseDpopNonceError).bearerError).toBe('use_dpop_nonce');
    expect((error as UseDpopNonceError).nonce).toBe(nonces.current());
  });

  it('accepts the current nonce, and the previous one with a fresh nonce to use next; refuses older and forged ones', async () => {
    const nonces = new DpopNonces(300_000, 'a-secret-of-16+chars', now);
    const v = verifier({ nonces, now });
    const first = nonces.current();
    await expect(v.verify(request([proofAt(first)]), TOKEN, jkt(key))).resolves.toEqual({ nextNonce: undefined });
    clock += 300_000;
    await expect(v.verify(request([proofAt(first)]), TOKEN, jkt(key))).resolves.toEqual({
      nextNonce: nonces.current(),
    });
    expect(nonces.current()).not.toBe(first);
    clock += 300_000;
    await expect(v.verify(request([proofAt(first)]), TOKEN, jkt(key))).rejects.toBeInstanceOf(UseDpopNonceError);
    const forged = new DpopNonces(300_000, 'another-secret-16+chars', now).current();
    await expect(v.verify(request([proofAt(forged)]), TOKEN, jkt(key))).rejects.toBeInstanceOf(UseDpopNonceError);
  });

  it('instances sharing the secret accept each other’s nonces', () => {
    const a = new DpopNonces(300_000, 'shared-secret-16chars', now);
    const b = new DpopNonces(300_000, 'shared-secret-16chars', now);
    expect(b.check(a.current())).toBe('current');
    for (const junk of [undefined, 42, '', 'x'.repeat(65), 'not base64!', `${a.current()}A`])
      expect(b.check(junk)).toBe('invalid');
  });
});

describe('DpopProofVerifier: a header seen before is not checked again, the rest of the proof always is', () => {
  it('refuses a tampered payload, a junk payload and a missing signature under a known header', async () => {
    const v = verifier();
    await expect(v.verify(request([good()]), TOKEN, jkt(key))).resolves.toBeDefined();
    const [h, , s] = good().split('.') as [string, string, string];
    const payload = (claims: object) => Buffer.from(JSON.stringify(claims)).toString('base64url');
    const tampered = `${h}.${payload({ htm: 'GET', htu: URL_, iat: Math.floor(Date.now() / 1000), jti: 'x', ath: accessTokenHash(TOKEN) })}.${s}`;
    expect(await refusal(v.verify(request([tampered]), TOKEN, jkt(key)))).toBe('dpop_proof_signature');
    for (const junk of [`${h}.bm90IGpzb24.${s}`, `${h}.${payload([1])}.${s}`, `${h}.${payload({})}`, `${h}.a+b.${s}`]) {
      expect(await refusal(v.verify(request([junk]), TOKEN, jkt(key)))).toBe('dpop_proof_malformed');
    }
  });

  it('matches htu by string first, by normalized URL otherwise', async () => {
    const v = verifier();
    await expect(v.verify(request([good({ htu: URL_ })], { url: URL_ }), TOKEN, jkt(key))).resolves.toBeDefined();
    await expect(
      v.verify(request([good({ htu: 'https://api.example.com:443/orders' })], { url: `${URL_}#f` }), TOKEN, jkt(key)),
    ).resolves.toBeDefined();
  });
});

describe('htuOf', () => {
  it.each([
    ['https://a.example/x?y#z', 'https://a.example/x'],
    ['HTTPS://A.EXAMPLE:443/x', 'https://a.example/x'],
    ['http://a.example:8080/a/../b', 'http://a.example:8080/b'],
    ['ftp://a.example/x', undefined],
    ['not a url', undefined],
    [undefined, undefined],
  ])('%p -> %p', (input, expected) => {
    expect(htuOf(input)).toBe(expected);
  });
});

describe('a proof is a JWS: header checks of core/jose apply', () => {
  it('refuses crit', async () => {
    expect(await refusal(verifier().verify(request([good({}, { crit: ['x'] })]), TOKEN, jkt(key)))).toBe(
      'dpop_proof_malformed',
    );
  });

  it('refuses a proof whose payload is not an object', async () => {
    const proof = signJwt(key, [] as unknown as Record<string, unknown>, { typ: 'dpop+jwt', jwk: proofJwk(key) });
    expect(await refusal(verifier().verify(request([proof]), TOKEN, jkt(key)))).toBe('dpop_proof_malformed');
  });
});
