// RFC 9449 §4.3 check 9 behind a reverse proxy: htu is the external URL, which the app learns from
// Forwarded / X-Forwarded-* only when told a trusted proxy sets them (trustProxy).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Global, Module } from '@nestjs/common';
import { DPOP_REPLAY_STORE, type DpopReplayStore } from 'nestjs-resource-server';
import { dpopProof, jkt } from '../helpers/dpop.js';
import { startLocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { mintAccessToken } from '../helpers/tokens.js';

const AUDIENCE = 'https://api.example.com';
const EXTERNAL = 'https://api.example.com/read';

describe('DPoP behind a trusted proxy', () => {
  const signing = generateTestKey('RS256');
  const client = generateTestKey('EdDSA');
  let iss: string;
  let trusting: RunningApp;
  let direct: RunningApp;
  const token = () =>
    mintAccessToken(signing, { iss, aud: AUDIENCE, scope: 'read:messages', cnf: { jkt: jkt(client) } });
  const viaProxy = (app: RunningApp, t: string, headers: Record<string, string>) => {
    const req = app.http
      .get('/read')
      .set('Authorization', `DPoP ${t}`)
      .set('DPoP', dpopProof(client, t, { htm: 'GET', htu: EXTERNAL }));
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return req;
  };

  beforeAll(async () => {
    iss = closeLater(await startLocalIssuer({ keys: [signing] })).issuer;
    trusting = await startApp({ issuer: iss, audience: AUDIENCE, trustProxy: true });
    direct = await startApp({ issuer: iss, audience: AUDIENCE });
  });
  afterAll(closeAll);

  it('with trustProxy, a proof for the external URL is accepted (X-Forwarded-Proto/Host, or Forwarded)', async () => {
    const t = token();
    expect(
      (await viaProxy(trusting, t, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'api.example.com' })).status,
    ).toBe(200);
    expect((await viaProxy(trusting, t, { Forwarded: 'for=10.0.0.1;proto=https;host=api.example.com' })).status).toBe(
      200,
    );
  });

  it('without trustProxy, the forwarding headers are ignored: the proof does not match the URL', async () => {
    const res = await viaProxy(direct, token(), {
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'api.example.com',
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      error: 'invalid_dpop_proof',
      message: 'The DPoP proof htu does not match the request URI',
    });
  });

  it('a repeated DPoP-bound token comes from the verified-token cache; only the fresh proof is checked', async () => {
    const { AccessTokenVerifier } = await import('nestjs-resource-server');
    const verifier = trusting.app.get(AccessTokenVerifier);
    const original = verifier.verifyUncached.bind(verifier);
    let uncached = 0;
    verifier.verifyUncached = (t: string) => (uncached++, original(t));
    const t = token();
    const headers = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'api.example.com' };
    for (let i = 0; i < 3; i++) expect((await viaProxy(trusting, t, headers)).status).toBe(200);
    expect(uncached).toBe(1);
  });

  it('a DPoP-bound token passed to AccessTokenVerifier.verify() (no proof at hand) is refused', async () => {
    const { AccessTokenVerifier } = await import('nestjs-resource-server');
    const verifier = direct.app.get(AccessTokenVerifier);
    await expect(verifier.verify(token())).rejects.toMatchObject({ code: 'sender_constrained_token', status: 401 });
    await expect(verifier.verify(mintAccessToken(signing, { iss, aud: AUDIENCE }))).resolves.toMatchObject({
      issuer: iss,
    });
  });
});

describe('the DPoP replay store is pluggable', () => {
  const signing = generateTestKey('RS256');
  const client = generateTestKey('ES256');
  let iss: string;

  beforeAll(async () => {
    iss = closeLater(await startLocalIssuer({ keys: [signing] })).issuer;
  });
  afterAll(closeAll);

  const call = async (app: RunningApp) => {
    const t = mintAccessToken(signing, { iss, aud: AUDIENCE, scope: 'read:messages', cnf: { jkt: jkt(client) } });
    const base = (await app.app.getUrl()).replace('[::1]', '127.0.0.1');
    return app.http
      .get('/read')
      .set('Authorization', `DPoP ${t}`)
      .set('DPoP', dpopProof(client, t, { htm: 'GET', htu: `${base}/read` }));
  };

  it('a store provided under DPOP_REPLAY_STORE by a global module is used', async () => {
    const keys: string[] = [];
    const store: DpopReplayStore = { setIfAbsent: async (key) => (keys.push(key), true) };
    @Global()
    @Module({ providers: [{ provide: DPOP_REPLAY_STORE, useValue: store }], exports: [DPOP_REPLAY_STORE] })
    class SharedStateModule {}
    const app = await startApp({ issuer: iss, audience: AUDIENCE }, { imports: [SharedStateModule] });
    expect((await call(app)).status).toBe(200);
    expect(keys).toHaveLength(1);
  });

  it('dpopProof.replayStore wins; a store saying "seen" refuses the proof', async () => {
    const app = await startApp({
      issuer: iss,
      audience: AUDIENCE,
      dpopProof: { replayStore: { setIfAbsent: async () => false } },
    });
    const res = await call(app);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_dpop_proof', message: 'The DPoP proof was already used' });
  });

  it('a store that cannot answer: 503 with Retry-After (fail closed), never a 500', async () => {
    const app = await startApp({
      issuer: iss,
      audience: AUDIENCE,
      dpopProof: { replayStore: { setIfAbsent: () => Promise.reject(new Error('ECONNREFUSED')) } },
    });
    const res = await call(app);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({
      error: 'temporarily_unavailable',
      message: 'DPoP proofs cannot be checked right now, try again later',
    });
  });
});
