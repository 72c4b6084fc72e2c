// RFC 9449 end to end against outside software: the development issuer (oidc-provider, DPoP on)
// issues DPoP-bound tokens to panva's `dpop` client, which then calls the API. Every refusal is
// checked with its challenge; the hand-made proofs (stale iat, missing ath) are signed with the same
// key the client holds.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { generateProof } from 'dpop';
import { webcrypto } from 'node:crypto';
import type request from 'supertest';
import { startDevIssuer, type DevIssuer } from '../../apps/sample-api/src/dev-issuer/dev-issuer.js';
import { parseChallenges } from '../helpers/challenge.js';
import { dpopProof } from '../helpers/dpop.js';
import { generateTestKey, type TestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { nowSeconds } from '../helpers/tokens.js';

const AUDIENCE = 'http://localhost:3000';

type KeyPair = { privateKey: webcrypto.CryptoKey; publicKey: webcrypto.CryptoKey };

/** A node:crypto test key as the WebCrypto pair the `dpop` client wants (the same key). */
async function cryptoPair(key: TestKey): Promise<KeyPair> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await webcrypto.subtle.importKey(
    'jwk',
    key.privateKey.export({ format: 'jwk' }),
    algorithm,
    false,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey('jwk', key.publicKey.export({ format: 'jwk' }), algorithm, true, [
    'verify',
  ]);
  return { privateKey, publicKey } as KeyPair;
}

/** A client-credentials token from the issuer; DPoP-bound when a key pair is given. */
async function issueToken(issuer: DevIssuer, scope: string, pair?: KeyPair): Promise<{ token: string; type: string }> {
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (pair) headers.dpop = await generateProof(pair, issuer.tokenEndpoint, 'POST');
  const response = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  const body = (await response.json()) as { access_token: string; token_type: string };
  expect(response.status).toBe(200);
  return { token: body.access_token, type: body.token_type };
}

interface Expected {
  status: number;
  /** The scheme whose challenge carries the error. */
  scheme: 'Bearer' | 'DPoP';
  error: string;
}

/** 401 with the error in the challenge of `scheme`, the other scheme's challenge bare; no token echoed. */
function expectRefusal(res: request.Response, expected: Expected): void {
  const challenges = parseChallenges(String(res.headers['www-authenticate']));
  const withError = challenges.filter((c) => c.params.error !== undefined);
  expect({
    status: res.status,
    scheme: withError[0]?.scheme,
    error: withError[0]?.params.error,
    count: withError.length,
  }).toEqual({ ...expected, count: 1 });
  const dpop = challenges.find((c) => c.scheme === 'DPoP');
  expect(dpop?.params.algs?.split(' ')).toEqual(expect.arrayContaining(['ES256', 'EdDSA', 'PS256']));
  expect(res.body).toMatchObject({ statusCode: expected.status, error: expected.error });
  expect(res.text).not.toContain('eyJ');
}

describe('DPoP with the development issuer (oidc-provider) and the dpop client', () => {
  let issuer: DevIssuer;
  let api: RunningApp;
  let base: string;
  const key = generateTestKey('ES256');
  let pair: KeyPair;
  let bound: string;

  const call = (path: string, token: string, proofs: string[] | string | undefined, method: 'get' | 'post' = 'get') => {
    const req = api.http[method](path).set('Authorization', `DPoP ${token}`);
    // Several values: one DPoP header line each (supertest types arrays for Cookie only).
    return proofs === undefined
      ? req
      : (req.set as (field: string, value: string | string[]) => request.Test)('DPoP', proofs);
  };

  beforeAll(async () => {
    issuer = closeLater(await startDevIssuer({ port: 0, audience: AUDIENCE }));
    api = await startApp({ issuer: issuer.issuer, audience: AUDIENCE });
    base = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
    pair = await cryptoPair(key);
    const issued = await issueToken(issuer, 'read:messages', pair);
    expect(issued.type).toBe('DPoP');
    bound = issued.token;
  });
  afterAll(closeAll);

  it('the issuer binds the token to the client key (cnf.jkt)', () => {
    const claims = JSON.parse(Buffer.from(bound.split('.')[1]!, 'base64url').toString()) as { cnf?: { jkt?: string } };
    expect(claims.cnf?.jkt).toEqual(expect.any(String));
  });

  it('a DPoP-bound token with a fresh proof per request is accepted, again and again', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call('/read', bound, await generateProof(pair, `${base}/read`, 'GET', undefined, bound));
      expect(res.status).toBe(200);
    }
    const me = await call('/me', bound, await generateProof(pair, `${base}/me?x=1`, 'GET', undefined, bound));
    expect(me.body).toMatchObject({ clientId: 'demo-client', scopes: ['read:messages'] });
  });

  it('a replayed proof is refused', async () => {
    const proof = await generateProof(pair, `${base}/read`, 'GET', undefined, bound);
    expect((await call('/read', bound, proof)).status).toBe(200);
    expectRefusal(await call('/read', bound, proof), { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
  });

  it('a proof for another method (htm) is refused', async () => {
    const proof = await generateProof(pair, `${base}/read`, 'POST', undefined, bound);
    expectRefusal(await call('/read', bound, proof), { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
  });

  it('a proof for another URL (htu) is refused', async () => {
    for (const htu of [
      `${base}/admin`,
      `https://127.0.0.1:${new URL(base).port}/read`,
      `http://api.example.com/read`,
    ]) {
      const proof = await generateProof(pair, htu, 'GET', undefined, bound);
      expectRefusal(await call('/read', bound, proof), { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
    }
  });

  it('a proof signed with another key is refused', async () => {
    const other = await cryptoPair(generateTestKey('ES256'));
    const proof = await generateProof(other, `${base}/read`, 'GET', undefined, bound);
    expectRefusal(await call('/read', bound, proof), { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
  });

  it('a proof with a stale iat is refused', async () => {
    const proof = dpopProof(key, bound, { htm: 'GET', htu: `${base}/read`, iat: nowSeconds() - 600 });
    expectRefusal(await call('/read', bound, proof), { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
    const fresh = dpopProof(key, bound, { htm: 'GET', htu: `${base}/read` });
    expect((await call('/read', bound, fresh)).status).toBe(200); // the same hand-made proof, fresh: accepted
  });

  it('a proof without ath, or with the ath of another token, is refused', async () => {
    const missing = await generateProof(pair, `${base}/read`, 'GET');
    expectRefusal(await call('/read', bound, missing), { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
    const wrong = await generateProof(pair, `${base}/read`, 'GET', undefined, `${bound}x`);
    expectRefusal(await call('/read', bound, wrong), { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
  });

  it('no proof at all is refused', async () => {
    expectRefusal(await call('/read', bound, undefined), { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
  });

  it('two DPoP headers are refused, even when both are valid proofs', async () => {
    const a = await generateProof(pair, `${base}/read`, 'GET', undefined, bound);
    const b = await generateProof(pair, `${base}/read`, 'GET', undefined, bound);
    const res = await call('/read', bound, [a, b]);
    expectRefusal(res, { status: 401, scheme: 'DPoP', error: 'invalid_dpop_proof' });
    expect(res.body.message).toBe('The request carries more than one DPoP proof');
  });

  it('the bound token sent as Bearer is refused (no downgrade), even with a valid proof alongside', async () => {
    const proof = await generateProof(pair, `${base}/read`, 'GET', undefined, bound);
    const res = await api.http.get('/read').set('Authorization', `Bearer ${bound}`).set('DPoP', proof);
    expectRefusal(res, { status: 401, scheme: 'Bearer', error: 'invalid_token' });
    expect(res.body.message).toMatch(/DPoP scheme/);
  });

  it('an unbound token is still accepted as Bearer (allowed is the default) and refused with the DPoP scheme', async () => {
    const { token, type } = await issueToken(issuer, 'read:messages');
    expect(type).toBe('Bearer');
    expect((await api.get('/read', token)).status).toBe(200);
    const proof = await generateProof(pair, `${base}/read`, 'GET', undefined, token);
    expectRefusal(await call('/read', token, proof), { status: 401, scheme: 'DPoP', error: 'invalid_token' });
  });

  it('a missing token gets a bare Bearer and a bare DPoP challenge', async () => {
    const res = await api.http.get('/read');
    const challenges = parseChallenges(String(res.headers['www-authenticate']));
    expect(challenges.map((c) => [c.scheme, c.params.error])).toEqual([
      ['Bearer', undefined],
      ['DPoP', undefined],
    ]);
  });

  it('scopes still apply to a DPoP-bound token: 403 insufficient_scope in the DPoP challenge', async () => {
    const res = await call('/admin', bound, await generateProof(pair, `${base}/admin`, 'GET', undefined, bound));
    expectRefusal(res, { status: 403, scheme: 'DPoP', error: 'insufficient_scope' });
  });
});

describe("DPoP 'required' and server nonces", () => {
  let issuer: DevIssuer;
  let api: RunningApp;
  let base: string;
  let pair: KeyPair;
  let bound: string;

  beforeAll(async () => {
    issuer = closeLater(await startDevIssuer({ port: 0, audience: AUDIENCE }));
    api = await startApp({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      dpop: 'required',
      dpopProof: { nonce: { secret: 'nonce-secret-for-tests', rotationSeconds: 60 } },
    });
    base = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
    pair = await cryptoPair(generateTestKey('ES256'));
    bound = (await issueToken(issuer, 'read:messages', pair)).token;
  });
  afterAll(closeAll);

  it('a proof without a nonce gets use_dpop_nonce and a DPoP-Nonce header; the retry with it is accepted', async () => {
    const first = await api.http
      .get('/read')
      .set('Authorization', `DPoP ${bound}`)
      .set('DPoP', await generateProof(pair, `${base}/read`, 'GET', undefined, bound));
    expectRefusal(first, { status: 401, scheme: 'DPoP', error: 'use_dpop_nonce' });
    const nonce = first.headers['dpop-nonce'];
    expect(nonce).toEqual(expect.any(String));
    const retry = await api.http
      .get('/read')
      .set('Authorization', `DPoP ${bound}`)
      .set('DPoP', await generateProof(pair, `${base}/read`, 'GET', nonce, bound));
    expect(retry.status).toBe(200);
  });

  it('a nonce of the previous period is still accepted, and the answer carries the next one (DPoP-Nonce)', async () => {
    const ask = async (nonce?: string) =>
      api.http
        .get('/read')
        .set('Authorization', `DPoP ${bound}`)
        .set('DPoP', await generateProof(pair, `${base}/read`, 'GET', nonce, bound));
    const nonce = (await ask()).headers['dpop-nonce'] as string;
    // Only Date moves (one rotation period on); timers, sockets and the event loop stay real.
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    try {
      jest.setSystemTime(Date.now() + 60_000);
      const res = await ask(nonce);
      expect(res.status).toBe(200);
      expect(res.headers['dpop-nonce']).toEqual(expect.any(String));
      expect(res.headers['dpop-nonce']).not.toBe(nonce);
      jest.setSystemTime(Date.now() + 60_000);
      expectRefusal(await ask(nonce), { status: 401, scheme: 'DPoP', error: 'use_dpop_nonce' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('an unbound Bearer token is refused, and only the DPoP scheme is offered', async () => {
    const { token } = await issueToken(issuer, 'read:messages');
    const res = await api.get('/read', token);
    expect(res.status).toBe(401);
    const challenges = parseChallenges(String(res.headers['www-authenticate']));
    expect(challenges.map((c) => [c.scheme, c.params.error])).toEqual([['DPoP', 'invalid_token']]);
    expect(res.body.message).toBe('This resource requires a DPoP-bound access token');
  });
});

describe('DPoP-bound opaque tokens: cnf.jkt from the introspection answer', () => {
  let issuer: DevIssuer;
  let api: RunningApp;
  let base: string;
  let pair: KeyPair;

  beforeAll(async () => {
    issuer = closeLater(await startDevIssuer({ port: 0, audience: AUDIENCE, accessTokenFormat: 'opaque' }));
    api = await startApp({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      tokenType: 'opaque',
      introspection: { clientId: issuer.clientId, clientSecret: issuer.clientSecret },
    });
    base = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
    pair = await cryptoPair(generateTestKey('ES256'));
  });
  afterAll(closeAll);

  it('is accepted with a proof and refused as Bearer', async () => {
    const { token, type } = await issueToken(issuer, 'read:messages', pair);
    expect(type).toBe('DPoP');
    const ok = await api.http
      .get('/read')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await generateProof(pair, `${base}/read`, 'GET', undefined, token));
    expect(ok.status).toBe(200);
    expect((await api.get('/read', token)).status).toBe(401);
  });
});
